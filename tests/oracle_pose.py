"""An "oracle" pose network for geometry tests: identity backbone, image = heatmaps.

Each image channel holds a Gaussian blob at one keypoint, so decoded keypoints
are wherever the blobs end up after cropping, SR and decoding.
"""
import numpy as np
from mmengine.model import BaseModule
from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS


@MODELS.register_module(force=True)
class OracleIdentityBackbone(BaseModule):
    """Returns the image as the only feature map."""

    def forward(self, x):
        return (x, )


@MODELS.register_module(force=True)
class OracleImageHead(HeatmapHead):
    """The feature map (= the image) is the heatmap: channel k peaks at keypoint k."""

    def forward(self, feats):
        return feats[-1]


def oracle_model(scale: int, hr_size=(48, 64), flip: bool = False):
    """SRTopdownPoseEstimator(InterpolateSR(scale)) over the oracle network."""
    codec = dict(type='MSRAHeatmap', input_size=hr_size, heatmap_size=hr_size, sigma=2,
                 unbiased=True)
    model = MODELS.build(dict(
        type='SRTopdownPoseEstimator',
        data_preprocessor=dict(type='SRPoseDataPreprocessor'),
        sr_neck=dict(type='InterpolateSR', scale=scale),
        backbone=dict(type='OracleIdentityBackbone'),
        head=dict(type='OracleImageHead', in_channels=3, out_channels=3,
                  deconv_out_channels=None, decoder=codec),
        test_cfg=dict(flip_test=flip, flip_mode='heatmap', shift_heatmap=False)))
    return model.eval()


# three keypoints of a person in a unit box (x right, y down)
UNIT_KPTS = np.array([[0.5, 0.15], [0.3, 0.55], [0.65, 0.85]])


def draw_people(boxes, size=(320, 240), rel_sigma: float = 0.06) -> tuple:
    """An image (h, w = size) with one person (3 blobs) per xyxy box; returns
    (image, keypoints (N, 3, 2))."""
    h, w = size
    ys, xs = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.float64)
    kpts = []
    for x1, y1, x2, y2 in boxes:
        kp = UNIT_KPTS * [x2 - x1, y2 - y1] + [x1, y1]
        sigma = rel_sigma * (y2 - y1)
        for k, (x, y) in enumerate(kp):
            img[..., k] = np.maximum(
                img[..., k], 255.0 * np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma ** 2)))
        kpts.append(kp)
    return np.round(img).astype(np.uint8), np.array(kpts)
