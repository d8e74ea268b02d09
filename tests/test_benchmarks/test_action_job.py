"""The action benchmark application (tools/benchmarks/action/), as a user runs it.

End to end: ``tools/action_benchmark.py --quick --make-smoke-pose`` (smoke pose checkpoints
trained in-process for 2 iterations on 6 generated people, so neither the pose benchmark nor
../shared/data is needed), then a rerun that must reuse every stage. Accuracy values are
meaningless at this budget; the test checks the report's structure, its intervals and the
reuse. Fast unit tests cover the split/window and the statistics.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import PY, run_tool

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools'))
SOURCES = ['gt', 'lr-direct', 'bicubic', 'pdsr', 'frozen-bicubic', 'frozen-pdsr']


def _run(tmp: Path) -> None:
    proc = run_tool(PY, 'tools/action_benchmark.py', '--quick', '--make-smoke-pose',
                    '--frozen-pose', '--pose-work-dir', str(tmp / 'pose'),
                    '--work-dir', str(tmp / 'work'),
                    '--out', str(tmp / 'report'), '--data-root', str(tmp / 'actions'),
                    timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]


@pytest.fixture(scope='module')
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('action_bench')
    _run(tmp)
    return tmp


def _in_unit(iv):
    p, lo, hi = iv
    return 0.0 <= lo <= p <= hi <= 1.0


@pytest.mark.slow
@pytest.mark.long
def test_quick_report_rows_and_intervals(quick_run):
    rep = json.loads((quick_run / 'report' / 'report.json').read_text())
    for rec in ('ST-GCN', 'PoseC3D'):  # both recognizers actually ran on every source
        rows = [r for r in rep['rows'] if r['recognizer'] == rec]
        assert [r['source'] for r in rows] == SOURCES
        iv = rep['intervals'][rec]
        assert iv['num_clips'] == 10  # one val clip per class
        for s in SOURCES:
            assert _in_unit(iv['top1'][s])
        for r in rows[1:]:  # extracted sets have a keypoint error against GT
            assert r['kpt_epe_px'] >= 0 and 0.0 <= r['kpt_pck'] <= 1.0
        assert set(iv['differences']) == {'pdsr - lr-direct', 'pdsr - bicubic',
                                          'bicubic - lr-direct', 'gt - lr-direct',
                                          'frozen-pdsr - frozen-bicubic',
                                          'frozen-pdsr - lr-direct'}
        assert set(iv['gap_closure']) == set(SOURCES[2:])
        for d in iv['differences'].values():
            p, lo, hi = d['interval']
            assert -1 <= lo <= p <= hi <= 1
            assert d['verdict'] in ('significant', 'not significant', 'reversed')
        assert rep['tune'][rec]['num_clips'] == 10 and _in_unit(rep['tune'][rec]['interval'])
    tp = rep['throughput']
    assert tp['speedup'] > 0 and tp['batched_crops_per_s'] > 0
    assert (tp['input_w'], tp['input_h']) == (24, 32)  # real-LR crop, no second degradation
    assert len(rep['targets']) == 2
    # skeleton sets: windowed PoseDataset files in LR video pixels, one split layout
    from lrpose_mm.fileio import load_pickle
    sets = {}
    for s in SOURCES:
        [path] = (quick_run / 'work' / 'windows' / s).glob('*/skeletons.pkl')
        sets[s] = load_pickle(str(path))
    gt = sets['gt']
    assert {k: len(v) for k, v in gt['split'].items()} == dict(train=30, tune=10, val=10)
    for s in SOURCES[1:]:
        assert sets[s]['split'] == gt['split']
        a, g = sets[s]['annotations'][0], gt['annotations'][0]
        assert a['keypoint'].shape == g['keypoint'].shape == (1, 6, 17, 2)  # the 6-frame window
        assert tuple(a['img_shape']) == tuple(g['img_shape'])


@pytest.mark.slow
@pytest.mark.long
def test_rerun_reuses_every_stage(quick_run):
    before = json.loads((quick_run / 'report' / 'report.json').read_text())
    _run(quick_run)
    rep = json.loads((quick_run / 'report' / 'report.json').read_text())
    ran = set(before['meta']['stage_seconds'])
    assert set(rep['meta']['reused_stages']) == ran  # nothing trained, extracted or timed again
    assert any(n.startswith('extract/') for n in ran) and any(n.startswith('posec3d/') for n in ran)
    assert rep['intervals'] == before['intervals']


def test_split_and_window(tmp_path):
    from benchmarks.action.data import clip_split, window_start, windowed_annotations

    from lrpose_mm.fileio import atomic_pickle_dump, load_pickle
    assert [clip_split(f'03_clap_{k:04d}') for k in range(5)] == [
        'train', 'train', 'train', 'tune', 'val']
    with pytest.raises(ValueError, match='clip name'):
        clip_split('some_video')
    kp = np.arange(10, dtype=np.float32)[None, :, None, None] * np.ones((1, 10, 17, 2), np.float32)
    anns = [dict(frame_dir=f'00_wave_left_hand_{k:04d}', label=0, total_frames=10, keypoint=kp,
                 keypoint_score=np.ones((1, 10, 17), np.float32), img_shape=(64, 80))
            for k in range(5)]
    src = tmp_path / 'src.pkl'
    atomic_pickle_dump(dict(split={}, annotations=anns), str(src))
    counts = windowed_annotations(str(src), str(tmp_path / 'dst.pkl'), 4, seed=1)
    assert counts == dict(train=3, tune=1, val=1)
    out = load_pickle(str(tmp_path / 'dst.pkl'))
    for a in out['annotations']:
        s = window_start(a['frame_dir'], 10, 4, seed=1)
        assert a['total_frames'] == 4 and a['keypoint'].shape == (1, 4, 17, 2)
        assert np.array_equal(a['keypoint'][0, :, 0, 0], np.arange(s, s + 4))
    with pytest.raises(ValueError, match='missing'):
        windowed_annotations(str(src), str(tmp_path / 'x.pkl'), 4, expect=['99_jump_0000'])


def test_intervals_are_paired():
    from benchmarks.action.report import clip_matrix, intervals
    rng = np.random.default_rng(0)
    n = 200
    gt = rng.random(n) < 0.9
    lr = gt & (rng.random(n) < 0.5)  # LR-direct right only where GT is right
    pdsr = lr | (gt & (rng.random(n) < 0.6))
    names = [f'c{i}' for i in range(n)]
    correct = {s: [dict(zip(names, v.tolist()))] for s, v in
               dict(gt=gt, pdsr=pdsr, bicubic=lr).items()}
    correct['lr-direct'] = [dict(zip(names, lr.tolist()))]
    _, mats = clip_matrix(correct)
    iv = intervals(mats, n_resamples=300)
    p, lo, hi = iv['gap_closure']['pdsr']
    want = (pdsr.mean() - lr.mean()) / (gt.mean() - lr.mean())
    assert p == pytest.approx(want) and lo < p < hi
    assert iv['differences']['pdsr - lr-direct']['verdict'] == 'significant'
    assert iv['differences']['bicubic - lr-direct']['interval'] == (0.0, 0.0, 0.0)
    assert iv['gap_closure']['bicubic'][0] == 0.0


def test_missing_pose_checkpoints_named(tmp_path):
    from benchmarks.action.pose import read_pose_checkpoints
    with pytest.raises(FileNotFoundError, match='checkpoints.json does not exist'):
        read_pose_checkpoints(tmp_path, ['pdsr'])
    (tmp_path / 'checkpoints.json').write_text(json.dumps(
        {'pdsr': {'config': 'x.py', 'checkpoint': str(tmp_path / 'nope.pth')}}))
    with pytest.raises(FileNotFoundError, match=r'pdsr \(checkpoint .*nope.pth does not exist'):
        read_pose_checkpoints(tmp_path, ['pdsr', 'bicubic'])


def test_real_lr_pipeline_drops_the_simulated_degradation():
    from lrpose_mm.action import real_lr_pipeline
    for name in ('lr-direct_hrnet-tiny_synthetic-lr32x24',
                 'bicubic-x4_hrnet-tiny_synthetic-lr32x24',
                 'pdsr-x4_hrnet-tiny_synthetic-lr32x24'):
        p = real_lr_pipeline(str(ROOT / 'configs' / 'synthetic' / f'{name}.py'))
        assert [t['type'] for t in p] == [
            'LoadImage', 'GetBBoxCenterScale', 'TopdownAffine', 'PackSRPoseInputs']
        assert tuple(p[2]['input_size']) == (24, 32)  # HR 96x128 / 4
    hr = [dict(type='LoadImage'), dict(type='TopdownAffine', input_size=(96, 128))]
    assert real_lr_pipeline(hr) == hr  # nothing to undo
    camera = [dict(type='LoadImage'), dict(type='KeepFrame'),
              dict(type='TopdownAffine', input_size=(96, 128)),
              dict(type='CameraLowResDegrade', scale=4), dict(type='PackSRPoseInputs')]
    p = real_lr_pipeline(camera, scale=4)   # degraded once, not twice
    assert [t['type'] for t in p] == ['LoadImage', 'KeepFrame', 'TopdownAffine',
                                      'PackSRPoseInputs']
    assert tuple(p[2]['input_size']) == (24, 32)
    with pytest.raises(ValueError, match='divisible'):
        real_lr_pipeline([dict(type='TopdownAffine', input_size=(90, 128)),
                          dict(type='LowResDegrade', scale=4)])


def test_action_test_config_is_complete(tmp_path):
    """The saved action test config names its dump metric's module: a fresh mmengine Config of
    it imports the library module and builds both metrics (rerunnable with tools/test.py)."""
    import importlib

    from benchmarks.action.recognition import STGCN, recognizer_config, test_config
    from mmaction.registry import METRICS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = test_config(recognizer_config(STGCN, str(tmp_path / 'ann.pkl'), 1, 0, 2, None),
                      'val')
    imports = cfg.custom_imports['imports']
    assert imports[0] == 'lrpose_mm' and imports[1] == 'lrpose_mm.action.prediction_dump'
    cfg.dump(str(tmp_path / 'saved.py'))
    saved = Config.fromfile(str(tmp_path / 'saved.py'))
    for module in saved.custom_imports['imports']:
        importlib.import_module(module)
    out = str(tmp_path / 'predictions.npz')
    assert saved.default_scope == 'mmaction'
    with DefaultScope.overwrite_default_scope('mmaction'):
        metrics = [METRICS.build(dict(m, out_file=out) if 'out_file' in m else m)
                   for m in saved.test_evaluator]
    assert [type(m).__name__ for m in metrics] == ['AccMetric', 'ActionPredictionDump']
