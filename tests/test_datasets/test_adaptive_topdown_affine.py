"""AdaptiveTopdownAffine: routing at the threshold boundaries."""
import numpy as np
import pytest
from mmcv.transforms import Compose

import lrpose_mm  # noqa: F401
from lrpose_mm.datasets.transforms import AdaptiveTopdownAffine

HR, SCALE = (48, 64), 4
pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')


def _run(box_h, **kw):
    """A box of height box_h and aspect 0.75 (= the input's), no padding."""
    pipe = Compose([dict(type='GetBBoxCenterScale', padding=1.0),
                    dict(type='AdaptiveTopdownAffine', input_size=HR, sr_scale=SCALE, **kw)])
    img = np.zeros((400, 300, 3), np.uint8)
    box = np.array([[10, 10, 10 + 0.75 * box_h, 10 + box_h]], np.float32)
    return pipe(dict(img=img, bbox=box, bbox_score=np.ones(1, np.float32)))


@pytest.mark.parametrize('box_h,path', [(63.9, 'sr'), (64.0, 'direct'), (64.1, 'direct'),
                                        (10.0, 'sr'), (300.0, 'direct')])
def test_default_threshold_is_the_pose_input_height(box_h, path):
    out = _run(box_h)
    assert out['sr_path'] == path
    assert out['adaptive_size'] == pytest.approx(box_h, rel=1e-5)
    expect = (HR[0] // SCALE, HR[1] // SCALE) if path == 'sr' else HR
    assert out['input_size'] == expect and out['img'].shape[:2] == expect[::-1]
    assert out.get('coord_mode') == ('lr_crop' if path == 'sr' else None)


def test_threshold_from_config_and_aspect_fix():
    assert _run(99.9, size_threshold=100)['sr_path'] == 'sr'
    assert _run(100.0, size_threshold=100)['sr_path'] == 'direct'
    # a wide box is padded to the input aspect first: its region height is width / 0.75
    t = AdaptiveTopdownAffine(HR, SCALE)
    assert t.person_size(np.array([[60.0, 30.0]])) == pytest.approx(80.0)
    assert t.route(63.999) == 'sr' and t.route(64.0) == 'direct'


@pytest.mark.parametrize('kw,words', [
    (dict(sr_scale=0), 'sr_scale'), (dict(sr_scale=5), 'not divisible by sr_scale=5'),
    (dict(sr_scale=4, size_threshold=0), 'size_threshold'),
    (dict(sr_scale=4, size_threshold=float('nan')), 'size_threshold')])
def test_bad_parameters_name_the_field(kw, words):
    with pytest.raises(ValueError, match=words):
        AdaptiveTopdownAffine(HR, **kw)
