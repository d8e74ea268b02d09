"""MMPose's CocoDataset that names bad annotation files and counts what it drops."""
import json
import logging
import os
import os.path as osp
from collections import Counter
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.logging import MMLogger
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.datasets.datasets.body import CocoDataset
from mmpose.registry import DATASETS

from .transforms.target_size_check import check_target_sizes

#: reasons for a skip that every COCO file has (logged as info, the others as a warning);
#: COCOeval ignores such people too, so the filtered annotation file keeps them
USUAL_SKIPS = frozenset({'crowd', 'no labelled keypoints'})
#: a box side larger than this many times the image's larger side is not a person box
ABSURD_BOX_FACTOR = 10.0
#: metainfo keys by which ``CocoMetric`` (see :mod:`lrpose_mm.evaluation.checked_coco_metric`)
#: finds the annotation file holding exactly what the dataset kept
CHECKED_ANN_FILE = 'checked_ann_file'
CHECKED_SOURCE = 'checked_source_ann_file'


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


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
      named as such instead of "check whether the file exists";
    - the file's structure is checked before MMPose reads it: a missing
      ``images``/``annotations``/``categories`` key, an id that is not an
      integer, or an annotation whose keypoint count is not the metainfo's
      raise a ValueError naming the file and the id;
    - impossible records are skipped (counted in :attr:`skipped`) in training
      and in evaluation: an annotation whose ``image_id`` or ``category_id`` is
      not in the file, an image record without a positive width/height, a box
      side over ``ABSURD_BOX_FACTOR`` times the image; a duplicate annotation
      or image id is skipped in training and an error in evaluation (CocoMetric
      indexes the ground truth by id);
    - impossible keypoints are made unlabelled (counted in :attr:`repaired`):
      a visibility outside {0, 1, 2}, a labelled keypoint outside the image;
    - the decoded image size is checked against the record's width/height
      when a sample is loaded: an error in evaluation, a counted skip in
      training (another sample is drawn, as MMPose does for a None sample);
    - evaluation scores exactly what was kept: when anything was skipped or
      repaired in ``test_mode``, the kept ground truth (crowd and keypoint-less
      people included, which COCOeval ignores) is written to a filtered
      annotation file beside the run's log, named in the metainfo, which
      MMPose's ``CocoMetric`` then evaluates against (when its ``ann_file`` is
      this dataset's; :mod:`lrpose_mm.evaluation.checked_coco_metric`).
    """

    def __init__(self, *args, **kwargs) -> None:
        self.skipped: Counter = Counter()
        self.repaired: Counter = Counter()
        self._dropped_ids: set = set()
        self._img_sizes: Dict[Any, tuple] = {}
        self._size_warned: set = set()
        self.checked_ann_file: Optional[str] = None
        super().__init__(*args, **kwargs)
        check_target_sizes(getattr(self.pipeline, 'transforms', []))

    # ----------------------------------------------------------------- loading
    def load_data_list(self) -> List[dict]:
        self.skipped.clear()
        self.repaired.clear()
        self._dropped_ids = set()
        try:
            data_list = super().load_data_list()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'{self.ann_file} is not a JSON annotation file: {e}') from e
        except (KeyError, TypeError) as e:
            raise ValueError(f'{self.ann_file} is not a COCO keypoint annotation file '
                             f'(missing or malformed field: {e!r})') from e
        if self.test_mode and (self.skipped.keys() - USUAL_SKIPS or self.repaired) \
                and self.bbox_file is None:
            self._write_checked_ann_file()
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
        if self.checked_ann_file:
            msg += (f'; CocoMetric scores exactly the kept people: it evaluates against '
                    f'{self.checked_ann_file}')
        # COCO itself has many crowd and keypoint-less people: those are news only in the log
        usual = not self.repaired and set(self.skipped) <= USUAL_SKIPS
        MMLogger.get_current_instance().log(logging.INFO if usual else logging.WARNING, msg)

    def _load_annotations(self):
        """MMPose's loop over images and their annotations, on a checked copy of
        the file (see the class docstring)."""
        from mmengine.fileio import get_local_path
        from xtcocotools.coco import COCO
        if not osp.exists(self.ann_file):
            raise FileNotFoundError(f'annotation file {self.ann_file} does not exist')
        with get_local_path(self.ann_file) as local_path, open(local_path, 'rb') as f:
            raw = json.loads(f.read())
        self.coco = COCO()
        self.coco.dataset = self._checked(raw)
        self.coco.createIndex()
        if self.coco.dataset.get('categories'):
            self._metainfo['CLASSES'] = self.coco.loadCats(self.coco.getCatIds())
        instance_list, image_list = [], []
        for img_id in self.coco.getImgIds():
            if img_id % self.sample_interval != 0:
                continue
            img = dict(self.coco.loadImgs(img_id)[0], img_id=img_id)
            img['img_path'] = osp.join(self.data_prefix['img'], img['file_name'])
            image_list.append(img)
            for ann in self.coco.loadAnns(self.coco.getAnnIds(imgIds=img_id)):
                info = self.parse_data_info(dict(raw_ann_info=ann, raw_img_info=img))
                if info:
                    instance_list.append(info)
        return instance_list, image_list

    def _checked(self, raw) -> dict:
        """The file's content with impossible records skipped or repaired (counted);
        a ValueError naming the file and id for a structure MMPose cannot read."""
        f = self.ann_file
        if not isinstance(raw, dict):
            raise ValueError(f'{f} is not a COCO keypoint annotation file (a JSON '
                             f'{type(raw).__name__}, not an object)')
        for key in ('images', 'annotations', 'categories'):
            if not isinstance(raw.get(key), list):
                raise ValueError(f'{f} is not a COCO keypoint annotation file: the '
                                 f'{key!r} key is ' + ('missing' if key not in raw else
                                                        f'a {type(raw[key]).__name__}, '
                                                        'not a list'))
        for what, records in (('image', raw['images']), ('annotation', raw['annotations']),
                              ('category', raw['categories'])):
            for i, r in enumerate(records):
                if not isinstance(r, dict) or not _is_int(r.get('id')):
                    got = r.get('id') if isinstance(r, dict) else r
                    raise ValueError(f'{f}: {what} #{i} has id {got!r}, not an integer id')
        cat_ids = {c['id'] for c in raw['categories']}
        images, sizes, seen, dup_imgs = [], {}, set(), set()
        for img in raw['images']:
            if img['id'] in seen:
                dup_imgs.add(img['id'])
            seen.add(img['id'])
        if dup_imgs and self.test_mode:
            raise ValueError(f'{f}: image id {sorted(dup_imgs)[0]} is used by two image '
                             f'records ({len(dup_imgs)} such ids): CocoMetric indexes images '
                             'by id; fix the file before evaluating against it')
        for img in raw['images']:
            if img['id'] in dup_imgs:
                continue
            w, h = img.get('width'), img.get('height')
            ok = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                     and np.isfinite(v) and v > 0 for v in (w, h))
            sizes[img['id']] = (float(h), float(w)) if ok else None
            images.append(img)
        num_kpts = int(self.metainfo.get('num_keypoints') or 0)
        anns, ann_ids = [], set()
        for ann in raw['annotations']:
            aid = ann['id']
            if aid in ann_ids:
                if self.test_mode:
                    raise ValueError(f'{f}: annotation id {aid} is used twice: CocoMetric '
                                     'indexes the ground truth by id and would score only '
                                     'one of them; fix the file before evaluating against it')
                self.skipped['duplicate annotation id'] += 1
                continue
            ann_ids.add(aid)
            img_id = ann.get('image_id')
            reason = ''
            if img_id in dup_imgs:
                reason = 'duplicate image id'
            elif img_id not in sizes:
                reason = 'image_id not in images'
            elif ann.get('category_id') not in cat_ids:
                reason = 'category_id not in categories'
            elif sizes[img_id] is None:
                reason = 'image record without a positive width/height'
            if reason:
                self.skipped[reason] += 1
                self._dropped_ids.add(aid)
                continue
            kpts = ann.get('keypoints')
            if isinstance(kpts, list) and num_kpts and len(kpts) != 3 * num_kpts:
                raise ValueError(
                    f'{f}: annotation id {aid} has {len(kpts)} keypoint values '
                    f'({len(kpts) / 3:g} keypoints), the dataset\'s metainfo '
                    f'({self.metainfo.get("dataset_name")}) has {num_kpts} keypoints '
                    f'({3 * num_kpts} values): a file of another keypoint layout?')
            ann = self._repaired(ann, sizes[img_id])
            if ann is None:
                self._dropped_ids.add(aid)
                continue
            anns.append(ann)
        self._img_sizes = {k: v for k, v in sizes.items() if v is not None}
        self._clean = dict(raw, images=images, annotations=anns)
        return self._clean

    def _repaired(self, ann: dict, size: tuple) -> Optional[dict]:
        """Absurd box: None (skipped, counted); impossible keypoints unlabelled."""
        h, w = size
        try:
            bbox = np.asarray(ann['bbox'], np.float64).reshape(4)
            kpts = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)
        except (KeyError, TypeError, ValueError):
            return ann   # parse_data_info names or counts it
        if np.isfinite(bbox).all() and max(bbox[2], bbox[3]) > ABSURD_BOX_FACTOR * max(h, w):
            self.skipped['absurd box size'] += 1
            return None
        finite = np.isfinite(kpts).all(axis=1)
        vis = kpts[:, 2]
        bad_vis = finite & ~np.isin(vis, (0, 1, 2))
        outside = finite & ~bad_vis & (vis > 0) & (
            (kpts[:, 0] < -1) | (kpts[:, 1] < -1) | (kpts[:, 0] > w + 1) | (kpts[:, 1] > h + 1))
        if not (bad_vis.any() or outside.any()):
            return ann
        if bad_vis.any():
            self.repaired['visibility outside {0, 1, 2}'] += int(bad_vis.sum())
        if outside.any():
            self.repaired['labelled keypoint outside the image'] += int(outside.sum())
        kpts[bad_vis | outside] = 0.0
        return dict(ann, keypoints=kpts.reshape(-1).tolist(),
                    num_keypoints=int((kpts[finite, 2] > 0).sum()))

    def _write_checked_ann_file(self) -> None:
        """The kept ground truth (crowd and keypoint-less people too, which COCOeval
        ignores) as an annotation file beside the run's log (else in the temp folder)."""
        import hashlib
        import tempfile

        from ..fileio import atomic_json_dump
        kept = dict(self._clean, annotations=[a for a in self._clean['annotations']
                                              if a['id'] not in self._dropped_ids])
        text = json.dumps(kept, sort_keys=True)
        log_file = getattr(MMLogger.get_current_instance(), 'log_file', None)
        folder = osp.dirname(log_file) if log_file else osp.join(tempfile.gettempdir(),
                                                                 'lrpose_mm-checked-coco')
        stem = osp.splitext(osp.basename(self.ann_file))[0]
        path = osp.join(folder, f'{stem}.checked-{hashlib.sha1(text.encode()).hexdigest()[:10]}'
                                '.json')
        if not osp.exists(path):
            atomic_json_dump(kept, path)
        self.checked_ann_file = path
        self._metainfo[CHECKED_ANN_FILE] = path
        self._metainfo[CHECKED_SOURCE] = osp.abspath(self.ann_file)

    @staticmethod
    def _counts(counter: Counter) -> str:
        return ', '.join(f'{n} {reason}' for reason, n in sorted(counter.items()))

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        ann = raw_data_info['raw_ann_info']
        if 'bbox' not in ann or 'keypoints' not in ann:
            self.skipped['without box or keypoints'] += 1
            self._dropped_ids.add(ann.get('id'))
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
            self._dropped_ids.add(ann.get('id'))
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
        reason = _skip_reason(data_info)
        self.skipped[reason] += 1
        if reason not in USUAL_SKIPS:   # COCOeval ignores crowd and keypoint-less people itself
            self._dropped_ids.add(data_info.get('id'))
        return False

    # ----------------------------------------------------------------- samples
    def prepare_data(self, idx) -> Optional[dict]:
        try:
            data = super().prepare_data(idx)
        except Exception as e:
            path = self.get_data_info(idx).get('img_path')
            if isinstance(path, str) and osp.isfile(path) and not _decodable(path):
                raise ValueError(f'{path} exists but cannot be decoded as an image '
                                 f'({os.path.getsize(path)} bytes; truncated or corrupt?)') from e
            raise
        return self._check_image_size(idx, data)

    def _check_image_size(self, idx: int, data: Optional[dict]) -> Optional[dict]:
        """The decoded size must be the record's: an error in evaluation; in training
        the sample is skipped (None: MMPose's dataset draws another), counted, warned."""
        sample = data.get('data_samples') if isinstance(data, dict) else None
        shape = getattr(sample, 'metainfo', {}).get('ori_shape') if sample is not None else None
        info = self.get_data_info(idx)
        record = self._img_sizes.get(info.get('img_id'))
        if shape is None or record is None or tuple(int(v) for v in shape[:2]) == \
                tuple(int(v) for v in record):
            return data
        msg = (f'{info.get("img_path")}: decoded size {int(shape[1])}x{int(shape[0])} differs '
               f'from its record in {self.ann_file} (image id {info.get("img_id")}: '
               f'{int(record[1])}x{int(record[0])}): its annotations do not match its pixels')
        if self.test_mode:
            raise ValueError(msg + '; fix the record or the image before evaluating')
        if info.get('img_id') not in self._size_warned:
            self._size_warned.add(info.get('img_id'))
            self.skipped['image size differs from its record'] += 1
            MMLogger.get_current_instance().warning(msg + '; its people are skipped')
        return None


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
