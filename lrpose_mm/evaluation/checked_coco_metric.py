"""MMPose's CocoMetric scores exactly the people its ``CheckedCocoDataset`` kept.

``CocoMetric`` reads its ``ann_file`` itself, so a person that the dataset skipped
(a box outside the image, an image record of size 0, ...) would still be scored,
as a miss, and the skip counts of the dataset would not be what the metric
scored. When a :class:`~lrpose_mm.datasets.CheckedCocoDataset` skipped or
repaired anything in evaluation it writes the ground truth it kept to a file
named in its metainfo; :func:`install` (applied by ``import lrpose_mm``) makes
``CocoMetric`` -- and its subclasses -- evaluate against that file when the
metric's own ``ann_file`` is the dataset's. Any other setup is left alone.
"""
import os.path as osp
from typing import Optional

from mmengine.logging import print_log

from ..datasets.checked_coco_dataset import CHECKED_ANN_FILE, CHECKED_SOURCE


def kept_ann_file(ann_file: Optional[str], dataset_meta: Optional[dict]) -> Optional[str]:
    """The dataset's filtered annotation file when ``ann_file`` is the file it
    filtered, else None."""
    checked = (dataset_meta or {}).get(CHECKED_ANN_FILE)
    source = (dataset_meta or {}).get(CHECKED_SOURCE)
    if not checked or not ann_file or '://' in str(ann_file) or not source:
        return None
    if not (osp.exists(ann_file) and osp.exists(source) and osp.samefile(ann_file, source)):
        return None
    return checked


def install() -> bool:
    """Make ``CocoMetric.dataset_meta = ...`` switch to the dataset's filtered file."""
    from mmpose.evaluation.metrics import CocoMetric
    prop = CocoMetric.__dict__['dataset_meta']
    if getattr(prop.fset, '_lrpose_checked', False):
        return True

    def dataset_meta(self, meta: dict) -> None:
        prop.fset(self, meta)
        checked = kept_ann_file(getattr(self, 'ann_file', None), meta)
        if checked is None:
            return
        from xtcocotools.coco import COCO
        self.coco = COCO(checked)
        print_log(f'{type(self).__name__}: evaluating against {checked}: the people of '
                  f'{self.ann_file} that the dataset kept', logger='current')

    dataset_meta._lrpose_checked = True  # type: ignore[attr-defined]
    CocoMetric.dataset_meta = property(prop.fget, dataset_meta, prop.fdel, prop.__doc__)
    return True
