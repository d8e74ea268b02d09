"""COCO-17 keypoint metainfo, from MMPose's own dataset description
(``mmpose/.mim/configs/_base_/datasets/coco.py``) so the skeleton, flip pairs
and sigmas are defined once, by MMPose."""
import copy
import functools
import os

import mmpose
from mmpose.datasets.datasets.utils import parse_pose_metainfo

COCO_METAINFO_FILE = os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                                  'datasets', 'coco.py')


@functools.lru_cache(maxsize=1)
def _parsed_coco_metainfo() -> dict:
    return parse_pose_metainfo(dict(from_file=COCO_METAINFO_FILE))


def coco_metainfo() -> dict:
    """MMPose's parsed COCO metainfo (``keypoint_id2name``, ``skeleton_links``
    (0-based pairs), ``flip_indices``, ``keypoint_colors``, ``sigmas``, ...): a
    copy, free to change."""
    return copy.deepcopy(_parsed_coco_metainfo())
