"""Bad transform parameters and pipelines: a clear error naming the field and the sizes."""
import pytest
from mmengine.dataset import Compose

from lrpose_mm.datasets import CheckedCocoDataset, LowResDegrade, check_target_sizes

from conftest import write_tiny_coco

HR, LR = (96, 128), (24, 32)
HR_CODEC = dict(type='MSRAHeatmap', input_size=HR, heatmap_size=(24, 32), sigma=2)
LR_CODEC = dict(type='MSRAHeatmap', input_size=LR, heatmap_size=(6, 8), sigma=1)
HEAD = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=HR)]
DEGRADE = dict(type='LowResDegrade', scale=4)
PACK = dict(type='PackSRPoseInputs')


@pytest.mark.parametrize('kwargs,words', [
    (dict(scale=0), 'LowResDegrade.scale'),
    (dict(scale=2.5), 'LowResDegrade.scale'),
    (dict(kernel='lanczos'), 'LowResDegrade.kernel'),
    (dict(kernel_sigma=0), 'LowResDegrade.kernel_sigma'),
    (dict(model_scale=0), 'LowResDegrade.model_scale'),
    (dict(jpeg_quality=(0, 50)), 'LowResDegrade.jpeg_quality'),
    (dict(noise_sigma=(5, 1)), 'LowResDegrade.noise_sigma'),
    (dict(blur_prob=1.5), 'LowResDegrade.blur_prob'),
])
def test_low_res_degrade_parameters(kwargs, words):
    with pytest.raises(ValueError, match=words):
        LowResDegrade(**kwargs)


PIPELINES = {
    # an HR codec after LowResDegrade would encode LR keypoints into HR heatmaps
    'hr-codec-after-degrade': (
        HEAD + [DEGRADE, dict(type='GenerateTarget', encoder=HR_CODEC), PACK],
        r'MSRAHeatmap\.input_size=\(96, 128\) does not match the crop it encodes, \(24, 32\)'),
    'lr-codec-before-degrade': (
        HEAD + [dict(type='GenerateTarget', encoder=LR_CODEC), DEGRADE, PACK],
        r'MSRAHeatmap\.input_size=\(24, 32\) does not match the crop it encodes, \(96, 128\)'),
    'simcc-after-degrade-at-hr': (
        HEAD + [DEGRADE, dict(type='GenerateTarget', encoder=dict(
            type='SimCCLabel', input_size=HR, sigma=2.0, simcc_split_ratio=2.0)), PACK],
        r'SimCCLabel\.input_size=\(96, 128\) does not match the crop it encodes, \(24, 32\)'),
    'model-scale-sets-the-size': (
        HEAD + [dict(type='LowResDegrade', scale=[2, 4], model_scale=4),
                dict(type='GenerateTarget', encoder=HR_CODEC), PACK],
        r'input_size=\(96, 128\) does not match the crop it encodes, \(24, 32\)'),
    'heatmap-not-one-stride': (
        HEAD + [dict(type='GenerateTarget', encoder=dict(HR_CODEC, heatmap_size=(24, 30))),
                DEGRADE, PACK],
        r'heatmap_size=\(24, 30\) is not its input_size=\(96, 128\) divided by one stride'),
    'list-of-encoders': (
        HEAD + [DEGRADE, dict(type='GenerateTarget', encoder=[LR_CODEC, HR_CODEC]), PACK],
        r'input_size=\(96, 128\) does not match the crop it encodes, \(24, 32\)'),
}
GOOD = {
    'sr-hr-codec-before-degrade': HEAD + [dict(type='GenerateTarget', encoder=HR_CODEC),
                                          DEGRADE, PACK],
    'lr-direct-lr-codec-after': HEAD + [DEGRADE, dict(type='GenerateTarget', encoder=LR_CODEC),
                                        PACK],
    'hr-oracle': HEAD + [dict(type='GenerateTarget', encoder=HR_CODEC), PACK],
    'multi-scale-size-unknown': HEAD + [dict(type='LowResDegrade', scale=[2, 4]),
                                        dict(type='GenerateTarget', encoder=LR_CODEC), PACK],
}


@pytest.mark.parametrize('name', sorted(PIPELINES))
def test_codec_that_does_not_fit_its_crop_fails_naming_both_sizes(name, mmpose_scope_one_thread):
    pipeline, words = PIPELINES[name]
    with pytest.raises(ValueError, match=words):
        check_target_sizes(Compose(pipeline).transforms)


@pytest.mark.parametrize('name', sorted(GOOD))
def test_fitting_pipelines_pass(name, mmpose_scope_one_thread):
    transforms = Compose(GOOD[name]).transforms
    assert check_target_sizes(transforms) is None  # no error: every codec fits its crop
    assert any(type(t).__name__ == 'GenerateTarget' for t in transforms)


def test_dataset_checks_its_pipeline_when_built(tmp_path, mmpose_scope_one_thread):
    write_tiny_coco(tmp_path)
    pipeline, words = PIPELINES['hr-codec-after-degrade']
    with pytest.raises(ValueError, match=words):
        CheckedCocoDataset(data_root=str(tmp_path), ann_file='annotations/train.json',
                           data_prefix=dict(img='images/'), pipeline=pipeline)


def test_codec_at_the_padded_size_fails_where_the_model_check_is_off(mmpose_scope_one_thread):
    """With padding on, the estimator skips its codec-size check; the pipeline check does not."""
    padded_codec = dict(LR_CODEC, input_size=(32, 32), heatmap_size=(8, 8))
    pipeline = HEAD + [DEGRADE, dict(type='GenerateTarget', encoder=padded_codec), PACK]
    with pytest.raises(ValueError, match=r'input_size=\(32, 32\) does not match the crop it '
                                         r'encodes, \(24, 32\)'):
        check_target_sizes(Compose(pipeline).transforms)
