"""tools/analysis/codec_ceiling.py: the AP a codec allows on exact ground truth."""
import importlib.util

import pytest
from mmengine.config import Config

from conftest import ROOT, write_tiny_coco

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')
SIZE = (48, 64)


def _tool():
    spec = importlib.util.spec_from_file_location('codec_ceiling',
                                                  ROOT / 'tools/analysis/codec_ceiling.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _config(tmp_path, name, encoder, decoder=None, with_target=True):
    ann = tmp_path / 'coco' / 'annotations' / 'train.json'
    if not ann.is_file():  # one COCO set for every config of a test
        write_tiny_coco(tmp_path / 'coco', num_images=8)
    pipeline = [dict(type='GenerateTarget', encoder=encoder)] if with_target else []
    path = tmp_path / f'{name}.py'
    Config(dict(
        model=dict(head=dict(decoder=decoder or encoder)),
        train_dataloader=dict(dataset=dict(pipeline=pipeline)),
        test_dataloader=dict(dataset=dict(type='CocoDataset', data_root='', data_mode='topdown',
                                          ann_file=str(ann))))).dump(str(path))
    return str(path)


def test_rounded_centres_cap_ap_and_unbiased_ones_do_not(tmp_path):
    tool = _tool()
    plain = dict(type='MSRAHeatmap', input_size=SIZE, heatmap_size=(12, 16), sigma=2)
    unbiased = dict(plain, unbiased=True, blur_kernel_size=3)
    simcc = dict(type='SimCCLabel', input_size=SIZE, sigma=(2.0, 2.0), simcc_split_ratio=2.0)
    out = tool.main([_config(tmp_path, 'plain', plain), _config(tmp_path, 'unbiased', unbiased),
                     _config(tmp_path, 'dark-decoding-only', plain, unbiased),
                     _config(tmp_path, 'simcc', simcc), '--out', str(tmp_path / 'c.json')])
    ap = {r['config'].rsplit('/', 1)[-1][:-3]: r['AP'] for r in out}
    assert all(r['people'] == 8 for r in out)
    assert ap['unbiased'] > 0.99 and ap['simcc'] > 0.95
    # 4-pixel heatmap cells with rounded Gaussian centres lose precision that decoding
    # cannot recover (the rounded centre is all the heatmap holds)
    assert ap['plain'] < 0.95 and abs(ap['dark-decoding-only'] - ap['plain']) < 0.05
    assert (tmp_path / 'c.json').stat().st_size > 100


def test_config_without_an_encoder_is_named(tmp_path):
    plain = dict(type='MSRAHeatmap', input_size=SIZE, heatmap_size=(12, 16), sigma=2)
    with pytest.raises(ValueError, match='no GenerateTarget'):
        _tool().codec_ceiling(_config(tmp_path, 'none', plain, with_target=False))
