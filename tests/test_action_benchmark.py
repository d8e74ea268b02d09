"""End to end: tools/action_benchmark.py --quick on smoke pose checkpoints.

The pose checkpoints are made by the benchmark itself (``--make-smoke-pose``:
tools/train.py on configs/synthetic/{lr-direct,bicubic,pdsr} for 2
iterations on 6 generated people), so the test needs neither the pose
benchmark nor ../shared/data. It checks the report (four skeleton sources,
accuracies in [0, 1], a positive throughput ratio, both DESIGN targets
listed) and that a rerun skips every finished stage. About 2 minutes on 2
CPU cores; accuracy values are meaningless at this budget.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ['gt', 'lr-direct', 'bicubic', 'pdsr']


def _run(tmp: Path) -> str:
    cmd = [sys.executable, 'tools/action_benchmark.py', '--quick',
           '--make-smoke-pose', '--pose-work-dir', str(tmp / 'pose'),
           '--work-dir', str(tmp / 'work'), '--out', str(tmp / 'report'),
           '--data-root', str(tmp / 'actions')]
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-4000:]
    return p.stdout


@pytest.fixture(scope='module')
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('action_bench')
    first = _run(tmp)
    return tmp, first


@pytest.mark.slow
def test_quick_report_has_all_sources(quick_run):
    tmp, out = quick_run
    rep = json.loads((tmp / 'report' / 'report.json').read_text())
    rows = [r for r in rep['rows'] if r['recognizer'] == 'ST-GCN']
    assert [r['source'] for r in rows] == SOURCES
    for r in rows:
        assert 0.0 <= r['top1'] <= 1.0
        assert 0.0 <= r['mean_class_acc'] <= 1.0
    for r in rows[1:]:  # extracted sets have a keypoint error against GT
        assert r['kpt_mean_px'] is not None and r['kpt_mean_px'] >= 0
        assert 0.0 <= r['pck'] <= 1.0
    tp = rep['throughput']
    assert tp['speedup'] > 0 and tp['batched_crops_per_s'] > 0
    assert tp['per_frame_crops_per_s'] > 0 and tp['model'] == 'pdsr'
    assert tp['input_size'] == [24, 32]  # real-LR crop, no second degradation
    assert len(rep['targets']) == 2  # both DESIGN targets, met or not
    md = (tmp / 'report' / 'report.md').read_text()
    for label in ('ground truth', 'LR-direct', 'bicubic', 'PDSR', 'Speed-up'):
        assert label in md
    # extracted skeletons are MMAction2 PoseDataset files in LR video pixels
    from lrpose_mm.fileio import load_pickle
    gt = load_pickle(str(tmp / 'actions' / 'gt_skeletons.pkl'))
    for key in SOURCES[1:]:
        d = load_pickle(str(tmp / 'work' / 'skeletons' / f'{key}.pkl'))
        assert d['split'] == gt['split']
        a = d['annotations'][0]
        assert a['keypoint'].shape[1:] == gt['annotations'][0][
            'keypoint'].shape[1:]
        assert tuple(a['img_shape']) == tuple(gt['annotations'][0]['img_shape'])


@pytest.mark.slow
def test_rerun_skips_finished_stages(quick_run):
    tmp, _ = quick_run
    out = _run(tmp)
    for stage in ['extract lr-direct', 'extract bicubic', 'extract pdsr',
                  'throughput'] + [f'{v} stgcn/{s}' for s in SOURCES
                                   for v in ('train', 'test ')]:
        assert f'[skip] {stage}' in out, (stage, out[-3000:])
    assert 'Loads checkpoint' not in out  # no pose model was even built
    rep = json.loads((tmp / 'report' / 'report.json').read_text())
    assert {'extract', 'throughput', 'ST-GCN'} <= set(
        rep['meta']['resumed_stages'])
    assert rep['meta']['stage_seconds']['ST-GCN'] > 1  # first run's time kept


def test_real_lr_pipeline_drops_the_simulated_degradation():
    from lrpose_mm.action import real_lr_pipeline
    for name in ('lr-direct_hrnet-tiny_synthetic-lr32x24',
                 'bicubic-x4_hrnet-tiny_synthetic-lr32x24',
                 'pdsr-x4_hrnet-tiny_synthetic-lr32x24'):
        p = real_lr_pipeline(str(ROOT / 'configs' / 'synthetic' /
                                 f'{name}.py'))
        assert [t['type'] for t in p] == [
            'LoadImage', 'GetBBoxCenterScale', 'TopdownAffine',
            'PackSRPoseInputs']
        assert tuple(p[2]['input_size']) == (24, 32)  # HR 96x128 / 4
    hr = [dict(type='LoadImage'), dict(type='TopdownAffine',
                                       input_size=(96, 128))]
    assert real_lr_pipeline(hr) == hr  # nothing to undo
    with pytest.raises(ValueError, match='divisible'):
        real_lr_pipeline([dict(type='TopdownAffine', input_size=(90, 128)),
                          dict(type='LowResDegrade', scale=4)])
