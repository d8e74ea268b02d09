"""Real COCO photographs (../shared/data/coco_mini) through CocoDataset and a top-down pipeline."""
import numpy as np
import pytest

import lrpose_mm  # noqa: F401

from conftest import COCO_MINI

pytestmark = pytest.mark.skipif(not COCO_MINI.is_dir(),
                                reason=f'{COCO_MINI} is absent '
                                '(shared test data is not part of a clone)')


def test_coco_mini_topdown_pipeline():
    from mmpose.datasets import CocoDataset
    from mmpose.utils import register_all_modules
    register_all_modules()
    codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
    ds = CocoDataset(data_root=str(COCO_MINI), data_mode='topdown',
                     ann_file='annotations/person_keypoints_train2017.json',
                     data_prefix=dict(img='train2017/'),
                     pipeline=[dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                               dict(type='TopdownAffine', input_size=codec['input_size']),
                               dict(type='GenerateTarget', encoder=codec),
                               dict(type='PackPoseInputs')])
    assert len(ds) == 86  # people with keypoints (MMPose drops the others in train mode)
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 256, 192)
    heatmaps = sample['data_samples'].gt_fields.heatmaps
    assert tuple(heatmaps.shape) == (17, 64, 48)
    vis = np.asarray(sample["data_samples"].gt_instance_labels.keypoint_weights)[0] > 0
    peaks = heatmaps.flatten(1).max(1).values.numpy()
    assert (peaks[vis] > 0.5).all()  # every visible keypoint has a heatmap peak
