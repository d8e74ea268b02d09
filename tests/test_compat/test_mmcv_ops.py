"""mmcv-lite support: the mmcv version check, the placeholder ``mmcv.ops`` (only when the
compiled extension is absent), the stand-in ops' errors, and the start-up warning filter."""
import importlib.util
import os
import sys
import warnings

import pytest
import torch

import lrpose_mm
from lrpose_mm import compat


def _fresh_finder() -> compat._MmcvOpsPlaceholderFinder:
    import mmcv
    return compat._MmcvOpsPlaceholderFinder(os.path.join(os.path.dirname(mmcv.__file__), 'ops'))


def _load(finder: compat._MmcvOpsPlaceholderFinder, name: str):
    """A placeholder module from ``finder``, outside ``sys.modules``."""
    spec = finder.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_placeholder_is_installed_exactly_when_the_extension_is_absent():
    import mmcv.ops
    has_ext = importlib.util.find_spec('mmcv._ext') is not None
    assert compat.mmcv_ops_available() is has_ext
    assert ('mmcv_ops_placeholder' in lrpose_mm.COMPAT_FIXES) is (not has_ext)
    placeholder = isinstance(sys.modules['mmcv.ops'], compat._OpsPlaceholderModule)
    assert placeholder is (not has_ext)
    if has_ext:  # the real compiled ops are used as they are
        assert mmcv.ops.nms is not compat.op_stand_in('nms')


def test_fix_acts_only_without_the_extension(monkeypatch):
    others = [f for f in sys.meta_path
              if not isinstance(f, compat._MmcvOpsPlaceholderFinder)]
    monkeypatch.setattr(sys, 'meta_path', list(others))
    monkeypatch.setattr(compat, 'mmcv_ops_available', lambda: True)
    assert compat.fix_mmcv_ops_placeholder() is False
    assert sys.meta_path == others
    monkeypatch.setattr(compat, 'mmcv_ops_available', lambda: False)
    monkeypatch.delitem(sys.modules, 'mmcv.ops', raising=False)
    assert compat.fix_mmcv_ops_placeholder() is True
    assert isinstance(sys.meta_path[0], compat._MmcvOpsPlaceholderFinder)
    assert sys.meta_path[1:] == others  # in front (mmcv-lite ships the sources), once
    assert compat.fix_mmcv_ops_placeholder() is True
    assert sys.meta_path[1:] == others


def test_real_mmcv_ops_module_is_left_alone(monkeypatch):
    others = [f for f in sys.meta_path
              if not isinstance(f, compat._MmcvOpsPlaceholderFinder)]
    monkeypatch.setattr(sys, 'meta_path', list(others))
    monkeypatch.setattr(compat, 'mmcv_ops_available', lambda: False)
    real = type(sys)('mmcv.ops')
    real.__file__ = '/somewhere/mmcv/ops/__init__.py'
    monkeypatch.setitem(sys.modules, 'mmcv.ops', real)
    assert compat.fix_mmcv_ops_placeholder() is False
    assert sys.meta_path == others


def test_using_an_op_raises_an_error_naming_it_and_the_fix():
    msda = compat.op_stand_in('MultiScaleDeformableAttention')
    assert compat.op_stand_in('MultiScaleDeformableAttention') is msda
    with pytest.raises(compat.MmcvOpsUnavailableError,
                       match=r'^mmcv\.ops\.MultiScaleDeformableAttention needs the compiled '
                             r'ops.*mmcv-lite.*bash tools/install\.sh --with-ops'):
        msda(embed_dims=8)
    with pytest.raises(compat.MmcvOpsUnavailableError, match=r'^mmcv\.ops\.nms needs'):
        compat.op_stand_in('nms')(torch.zeros(1, 4), torch.zeros(1), 0.5)
    with pytest.raises(AttributeError,
                       match=r'^mmcv\.ops\.MultiScaleDeformableAttention\.forward needs.*'
                             r'--with-ops'):
        msda.forward
    # what imports, registries and type checks do with it still works
    assert not hasattr(msda, '_private_probe')
    assert not isinstance(torch.nn.Linear(2, 2), msda)

    class Derived(msda):  # e.g. a detector layer deriving from an op
        pass

    with pytest.raises(compat.MmcvOpsUnavailableError, match='MultiScaleDeformableAttention'):
        Derived()


def test_placeholder_modules_serve_the_real_names_only():
    finder = _fresh_finder()
    assert finder.find_spec('mmcv.cnn') is None
    assert finder.find_spec('mmcv.ops.no_such_module') is None
    ops = _load(finder, 'mmcv.ops')
    assert ops.__path__ == []
    assert ops.MultiScaleDeformableAttention is compat.op_stand_in('MultiScaleDeformableAttention')
    assert {'nms', 'RoIAlign', 'DeformConv2d'} <= set(ops.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_op'"):
        ops.no_such_op
    nms_module = _load(finder, 'mmcv.ops.nms')
    assert nms_module.batched_nms is compat.op_stand_in('batched_nms')
    with pytest.raises(AttributeError):
        nms_module.torch  # an absolute import, not an op
    # `import mmcv.ops.nms` replaces the package's `nms` function by the sub-module
    with pytest.raises(compat.MmcvOpsUnavailableError, match=r'^mmcv\.ops\.nms needs'):
        nms_module(torch.zeros(1, 4), torch.zeros(1), 0.5)


def test_ops_source_names(tmp_path):
    src = tmp_path / 'ops.py'
    src.write_text('import torch\nfrom torch import nn\nfrom .a import op_a, OpA as OpB\n'
                   'from mmcv.ops.b import op_b\n_private = 1\next_module = None\n'
                   'if FLAG:\n    from .c import op_c\n'
                   'def op_d():\n    from .e import inner\nclass OpE:\n    pass\n')
    assert compat._ops_source_names(str(src)) == {
        'op_a', 'OpB', 'op_b', 'ext_module', 'op_c', 'op_d', 'OpE'}
    assert compat._ops_source_names(str(tmp_path / 'missing.py')) is None


def test_mmpose_models_import_and_an_op_user_fails_clearly():
    import mmpose.models  # noqa: F401  (EDPose's head imports mmcv.ops at module level)
    from mmpose.models.heads.transformer_heads.transformers.deformable_detr_layers import (
        DeformableDetrTransformerEncoderLayer,
    )
    from mmpose.registry import MODELS
    assert MODELS.get('TopdownPoseEstimator') is not None
    if compat.mmcv_ops_available():
        pytest.skip('mmcv with compiled ops: the deformable attention really builds')
    with pytest.raises(compat.MmcvOpsUnavailableError, match='MultiScaleDeformableAttention'):
        DeformableDetrTransformerEncoderLayer(
            self_attn_cfg=dict(embed_dims=8, num_levels=1, num_heads=2),
            ffn_cfg=dict(embed_dims=8, feedforward_channels=16))


@pytest.mark.mmcv_ops
def test_compiled_nms_keeps_the_best_of_overlapping_boxes():
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    assert dets.shape == (2, 5)


def test_check_mmcv(monkeypatch):
    import mmcv
    assert compat.check_mmcv() == mmcv.__version__
    monkeypatch.setattr(mmcv, '__version__', '2.2.0')
    with pytest.raises(ImportError, match=r'mmcv>=2\.0\.0rc4,<2\.2\.0, but mmcv 2\.2\.0 is '
                                          r'installed.*pip install mmcv-lite==2\.1\.0'):
        compat.check_mmcv()
    monkeypatch.setitem(sys.modules, 'mmcv', None)  # as if not installed
    with pytest.raises(ImportError, match=r'and none is installed.*--with-ops'):
        compat.check_mmcv()


@pytest.mark.parametrize('module,shown', [
    ('mmengine.utils.package_utils', False), ('importlib', False),
    ('my_project.tool', True)])
def test_startup_warning_filter_is_narrow(module, shown):
    message = ('pkg_resources is deprecated as an API. See https://setuptools.pypa.io/en/'
               'latest/pkg_resources.html.')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        compat.filter_startup_warnings()
        warnings.warn_explicit(message, UserWarning, 'x.py', 1, module=module)
        warnings.warn_explicit('another message', UserWarning, 'x.py', 2, module=module)
    assert [str(w.message) for w in caught] == [message] * shown + ['another message']
