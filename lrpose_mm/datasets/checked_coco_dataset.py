"""MMPose's CocoDataset that names bad annotation files and counts what it drops."""
import json
import logging
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import MMLogger
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.datasets.datasets.body import CocoDataset
from mmpose.registry import DATASETS

from .transforms.target_size_check import check_target_sizes

#: reasons for a skip that every COCO file has (logged as info, the others as a warning)
USUAL_SKIPS = frozenset({'crowd', 'no labelled keypoints'})


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """``CocoDataset`` that fails clearly on bad input and counts every skip.

    Same arguments and samples as :class:`mmpose.datasets.CocoDataset`, plus:

    - an annotation file that is not JSON, or has no usable person, raises a
      ValueError that names the file (instead of a JSON or numpy error);
    - an annotation with a non-finite value (NaN/inf, which Python's JSON
      reader accepts): training (``test_mode=False``) skips a non-finite box
      and makes a non-finite keypoint unlabelled (visibility 0), so it never
      reaches a loss; evaluation (``test_mode=True``) raises, because
      CocoMetric's OKS against such a ground truth is NaN and changes AP;
    - every annotation MMPose leaves out is counted by reason in
      :attr:`skipped` (e.g. ``'box outside the image'``, ``'zero-area box'``,
      ``'no labelled keypoints'``), repaired keypoints in :attr:`repaired`,
      and both are logged once (a warning unless only crowd and keypoint-less
      people were skipped, which every COCO file has);
    - the pipeline is checked when the dataset is built: a ``GenerateTarget``
      codec whose ``input_size`` is not the size of the crop it encodes fails
      with both sizes (see :func:`check_target_sizes`);
    - an image file that exists but cannot be decoded (truncated JPEG) is
      named as such instead of "check whether the file exists".
    """

    def __init__(self, *args, **kwargs) -> None:
        self.skipped: Counter = Counter()
        self.repaired: Counter = Counter()
        super().__init__(*args, **kwargs)
        check_target_sizes(getattr(self.pipeline, 'transforms', []))

    # ----------------------------------------------------------------- loading
    def load_data_list(self) -> List[dict]:
        self.skipped.clear()
        self.repaired.clear()
        try:
            data_list = super().load_data_list()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'{self.ann_file} is not a JSON annotation file: {e}') from e
        except (KeyError, TypeError) as e:
            raise ValueError(f'{self.ann_file} is not a COCO keypoint annotation file '
                             f'(missing or malformed field: {e!r})') from e
        self._report(len(data_list))
        if not data_list:
            raise ValueError(
                f'{self.ann_file} has no usable person annotation: '
                f'{sum(self.skipped.values())} skipped ({self._counts(self.skipped) or "none"})')
        return data_list

    def _report(self, kept: int) -> None:
        if not self.skipped and not self.repaired:
            return
        msg = f'{self.__class__.__name__}({self.ann_file}): kept {kept} instances'
        if self.skipped:
            msg += f'; skipped {sum(self.skipped.values())}: {self._counts(self.skipped)}'
        if self.repaired:
            msg += f'; made unlabelled: {self._counts(self.repaired)}'
        # COCO itself has many crowd and keypoint-less people: those are news only in the log
        usual = not self.repaired and set(self.skipped) <= USUAL_SKIPS
        MMLogger.get_current_instance().log(logging.INFO if usual else logging.WARNING, msg)

    @staticmethod
    def _counts(counter: Counter) -> str:
        return ', '.join(f'{n} {reason}' for reason, n in sorted(counter.items()))

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        ann = raw_data_info['raw_ann_info']
        if 'bbox' not in ann or 'keypoints' not in ann:
            self.skipped['without box or keypoints'] += 1
            return None
        where = f'{self.ann_file}: annotation id {ann.get("id")}'
        try:
            bbox = np.asarray(ann['bbox'], dtype=np.float64).reshape(4)
            kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        except (TypeError, ValueError) as e:
            raise ValueError(f'{where} has a malformed bbox or keypoints: {e}') from e
        if not np.isfinite(bbox).all():
            if self.test_mode:
                raise ValueError(f'{where} has a non-finite bbox {bbox.tolist()}: fix or '
                                 'remove it before evaluating against this file')
            self.skipped['non-finite box'] += 1
            return None
        bad = ~np.isfinite(kpts).all(axis=1)
        if bad.any():
            if self.test_mode:
                raise ValueError(
                    f'{where} has {int(bad.sum())} non-finite keypoints: CocoMetric would '
                    'compute a NaN OKS for it and change coco/AP; fix or remove it')
            self.repaired['non-finite keypoints'] += int(bad.sum())
            kpts[bad] = 0.0
            ann = dict(ann, keypoints=kpts.reshape(-1).tolist(),
                       num_keypoints=int((kpts[:, 2] > 0).sum()))
            raw_data_info = dict(raw_data_info, raw_ann_info=ann)
        return super().parse_data_info(raw_data_info)

    def _load_detection_results(self) -> List[dict]:
        """Detection boxes as MMPose loads them; the ground truth beside them is
        checked for non-finite values, because CocoMetric evaluates against it."""
        data_list = super()._load_detection_results()
        for ann in self.coco.dataset.get('annotations', []):
            values = list(ann.get('bbox', [])) + list(ann.get('keypoints', []))
            try:
                finite = np.isfinite(np.asarray(values, dtype=np.float64)).all()
            except (TypeError, ValueError):
                finite = False
            if not finite:
                raise ValueError(
                    f'{self.ann_file}: annotation id {ann.get("id")} has a non-finite or '
                    'malformed bbox/keypoints: CocoMetric would compute a NaN OKS for it and '
                    'change coco/AP; fix or remove it')
        return data_list

    def _is_valid_instance(self, data_info: Dict) -> bool:  # type: ignore[override]
        """MMPose's decision, with the reason of every rejection counted."""
        if BaseCocoStyleDataset._is_valid_instance(data_info):
            return True
        self.skipped[_skip_reason(data_info)] += 1
        return False

    # ----------------------------------------------------------------- samples
    def prepare_data(self, idx) -> dict:
        try:
            return super().prepare_data(idx)
        except Exception as e:
            path = self.get_data_info(idx).get('img_path')
            if isinstance(path, str) and osp.isfile(path) and not _decodable(path):
                raise ValueError(f'{path} exists but cannot be decoded as an image '
                                 f'({os.path.getsize(path)} bytes; truncated or corrupt?)') from e
            raise


def _skip_reason(data_info: Dict) -> str:
    """Why MMPose's ``_is_valid_instance`` rejects an instance, in words."""
    if data_info.get('iscrowd'):
        return 'crowd'
    if data_info.get('num_keypoints', 1) == 0:
        return 'no labelled keypoints'
    bbox = data_info.get('bbox')
    if bbox is not None:
        x1, y1, x2, y2 = np.asarray(bbox, dtype=np.float64).reshape(-1)[:4]
        if x2 - x1 <= 0 or y2 - y1 <= 0:
            raw = (data_info.get('raw_ann_info') or {}).get('bbox')
            if raw is not None and (raw[2] <= 0 or raw[3] <= 0):
                return 'zero-area box'
            return 'box outside the image'
    kpts = data_info.get('keypoints')
    if kpts is not None and np.size(kpts) and np.max(kpts) <= 0:
        return 'keypoints all <= 0'
    return 'invalid (MMPose filter)'


def _decodable(path: str) -> bool:
    import cv2
    data = np.fromfile(path, dtype=np.uint8)
    return data.size > 0 and cv2.imdecode(data, cv2.IMREAD_UNCHANGED) is not None
