"""The upstream compatibility fixes: mmaction2 DRN, safe checkpoint loading, CPU distributed."""
import pickle
import sys

import numpy as np
import pytest
import torch

import lrpose_mm
from lrpose_mm import compat


def test_fixes_applied_on_import():
    assert 'weights_only_checkpoints' in lrpose_mm.COMPAT_FIXES
    assert 'cpu_distributed' in lrpose_mm.COMPAT_FIXES


def test_mmaction_models_imports_and_drn_raises_clearly():
    import mmaction.models  # noqa: F401  (fails without the fix on mmaction2 1.2.0)
    from mmaction.registry import MODELS
    if not compat._drn_is_missing():
        pytest.skip('this mmaction2 ships the DRN module; the placeholder is not installed')
    assert 'mmaction_missing_drn' in lrpose_mm.COMPAT_FIXES
    drn = sys.modules['mmaction.models.localizers.drn.drn']
    assert drn.DRN is compat.DRNUnavailable
    with pytest.raises(RuntimeError, match='DRN is not available.*#2714'):
        MODELS.build(dict(type='DRN', _scope_='mmaction'))


def test_drn_finder_serves_only_the_missing_names():
    finder = compat._MissingDRNFinder()
    assert finder.find_spec('mmaction.models.localizers.bmn') is None
    assert finder.find_spec('os') is None
    assert finder.find_spec(compat.DRN_MODULES[1]) is not None


STGCN_CFG = dict(
    type='RecognizerGCN',
    backbone=dict(type='STGCN', graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
                  base_channels=8, num_stages=2, inflate_stages=[], down_stages=[]),
    cls_head=dict(type='GCNHead', num_classes=5, in_channels=8))
POSEC3D_CFG = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels=17,
                  base_channels=8, num_stages=3, out_indices=(2,), stage_blocks=(1, 1, 1),
                  conv1_stride_s=1, pool1_stride_s=1, inflate=(0, 1, 1),
                  spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 2), dilations=(1, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=128, num_classes=5, dropout_ratio=0.5),
    data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))


@pytest.mark.parametrize('cfg,shape', [(STGCN_CFG, (2, 1, 1, 12, 17, 3)),
                                       (POSEC3D_CFG, (2, 1, 17, 8, 32, 32))])
def test_build_and_forward_mmaction_recognizers(cfg, shape):
    from mmaction.registry import MODELS
    model = MODELS.build(dict(cfg, _scope_='mmaction')).eval()
    with torch.no_grad():
        scores = model.cls_head(model(torch.randn(*shape), mode='tensor'))
    assert scores.shape == (shape[0] * shape[1], 5)
    assert torch.isfinite(scores).all()


def test_hostile_checkpoint_is_refused(tmp_path):
    class Hostile:
        def __reduce__(self):
            return (print, ('pwned',))
    path = tmp_path / 'hostile.pth'
    torch.save({'state_dict': {}, 'meta': Hostile()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)  # weights_only=True is the default and stays on


def test_getattr_is_restricted_to_history_buffer_statistics(tmp_path):
    from mmengine.logging.history_buffer import HistoryBuffer
    assert compat._history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match='refused getattr'):
        compat._history_buffer_getattr(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError, match='refused getattr'):
        compat._history_buffer_getattr(np, 'load')

    class SneakyGetattr:  # a checkpoint that abuses the allowed getattr
        def __reduce__(self):
            return (getattr, (np.ndarray, 'tofile'))
    path = tmp_path / 'sneaky.pth'
    torch.save({'meta': SneakyGetattr()}, path)
    with pytest.raises(pickle.UnpicklingError, match='refused getattr'):
        torch.load(path)


def test_mmengine_meta_round_trips_with_weights_only(tmp_path):
    from mmengine.logging.history_buffer import HistoryBuffer
    buf = HistoryBuffer()
    buf.update(1.5)
    meta = {'arr': np.arange(3, dtype=np.float32), 'scalar': np.float64(2.5), 'buffer': buf,
            'dtype': np.dtype('int64')}
    path = tmp_path / 'meta.pth'
    torch.save({'meta': meta}, path)
    loaded = torch.load(path, weights_only=True)['meta']
    np.testing.assert_array_equal(loaded['arr'], meta['arr'])
    assert loaded['scalar'] == 2.5 and loaded['dtype'] == np.dtype('int64')
    assert loaded['buffer'].mean() == pytest.approx(1.5)


def test_cpu_distributed_backend_switch():
    with pytest.warns(UserWarning, match='gloo backend instead of nccl'):
        assert compat._cpu_backend('nccl') == 'gloo'
    assert compat._cpu_backend('gloo') == 'gloo'
    assert compat._cpu_backend(None) == 'gloo'
    if compat._no_accelerator():
        assert compat.cpu_model_wrapper_cfg()['device_ids'] is None
    else:
        assert compat.cpu_model_wrapper_cfg() is None


@pytest.mark.slow
def test_slurm_launcher_initialises_on_cpu(tmp_path):
    """mmengine's slurm path also calls torch.cuda.set_device: check the fix covers it."""
    import subprocess
    import sys
    code = ('import lrpose_mm, torch.distributed as d\n'
            'from mmengine.dist import init_dist\n'
            "init_dist('slurm', backend='nccl')\n"
            "print('WORLD', d.get_world_size(), d.get_backend())\n")
    env = dict(__import__('os').environ, SLURM_PROCID='0', SLURM_NTASKS='1',
               SLURM_NODELIST='localhost', MASTER_ADDR='127.0.0.1', MASTER_PORT='29541')
    env.pop('SLURM_LOCALID', None)
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          env=env, timeout=120)
    if not compat._no_accelerator():
        pytest.skip('an accelerator is present: the CPU fix does not act')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'WORLD 1 gloo' in proc.stdout


def test_visualizer_radius_fix_acts_only_where_numpy_refuses():
    refuses = compat._int_of_sized_array_fails()
    if int(np.__version__.split('.')[0]) < 2:  # numpy 1.x only warns (seen refusing: 2.4, 2.5)
        assert not refuses
    assert ('numpy2_visualizer_radius' in lrpose_mm.COMPAT_FIXES) == refuses


def test_scalar_radius_draw_circles_draws_the_circle():
    from mmpose.visualization.opencv_backend_visualizer import OpencvBackendVisualizer

    seen = []

    class Strict(OpencvBackendVisualizer):
        def draw_circles(self, center, radius, *args, **kwargs):
            seen.append(radius)
            if isinstance(radius, np.ndarray):  # what numpy >= 2.x refuses to int()
                raise TypeError('only 0-dimensional arrays can be converted')
            return super().draw_circles(center, radius, *args, **kwargs)

    compat.scalar_radius_draw_circles(Strict)
    vis = Strict(name='radius_fix_test', backend='opencv')
    vis.set_image(np.zeros((20, 20, 3), np.uint8))
    vis.draw_circles(np.array([10, 10]), radius=np.array([3]), face_colors=(0, 0, 255),
                     alpha=1.0)
    img = vis.get_image()
    assert seen == [3] and isinstance(seen[0], int)
    assert img[10, 10].tolist() == [0, 0, 255] and img[10, 13].any()
    assert not img[10, 15].any() and not img[0, 0].any()  # only the radius-3 disc
