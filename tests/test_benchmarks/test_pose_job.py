"""The pose benchmark application end to end (quick budget), as a user runs it."""
import json
import subprocess

import pytest

from conftest import PY, ROOT, run_tool

pytestmark = pytest.mark.slow
ROWS = {'lr-direct', 'lr-direct-simcc', 'bicubic', 'two-stage', 'pdsr', 'hr-oracle'}


@pytest.fixture(scope='module')
def quick_job(tmp_path_factory):
    root = tmp_path_factory.mktemp('quick')
    args = (PY, 'tools/benchmark.py', '--quick', '--out', str(root / 'report'), '--work-dir',
            str(root / 'work'), '--data-root', str(root / 'data'))
    proc = run_tool(*args, timeout=900)
    return root, args, proc


def test_quick_job_writes_every_row_with_intervals(quick_job):
    root, _, _ = quick_job
    report = json.loads((root / 'report' / 'report.json').read_text())
    rows = {r['variant']: r for r in report['rows']}
    assert set(rows) == ROWS
    for key, r in rows.items():
        for metric in ('AP', 'PCK'):
            p, lo, hi = r[metric]
            assert 0.0 <= lo <= p <= hi <= 1.0, (key, metric, r[metric])
        assert r['gflops'] > 0 and r['cpu_img_per_s'] > 0, key
    for key in ('bicubic', 'two-stage', 'pdsr'):  # SR quality only where an SR image exists
        assert 5.0 < rows[key]['PSNR'] < 60.0 and 0.0 < rows[key]['SSIM'] <= 1.0
    assert rows['lr-direct']['PSNR'] is None
    assert rows['pdsr']['sr_gflops'] > 0 and rows['bicubic']['sr_gflops'] == 0
    diffs = {(d['better'], d['worse']): d for d in report['differences']}
    assert ('pdsr', 'bicubic') in diffs and ('pdsr', 'two-stage') in diffs
    assert ('pdsr', 'lr-direct-simcc') in diffs
    for d in diffs.values():
        assert d['AP_verdict'] in ('significant', 'not significant', 'reversed')
        assert d['dAP'][1] <= d['dAP'][0] <= d['dAP'][2]
    for name in ('report.md', 'bar_chart.png', 'grid.png'):
        assert (root / 'report' / name).stat().st_size > 1000
    ckpts = json.loads((root / 'work' / 'checkpoints.json').read_text())
    assert set(ckpts) == ROWS and all(c['config'].startswith('lrpose_mm::') for c in ckpts.values())
    # the budget's CPU speed settings reach every training; the weights stay float32
    import torch
    from mmengine.config import Config
    for key in ('hr-oracle', 'pdsr'):
        [cfg_file] = (root / 'work' / key).glob('*/*.py')
        cfg = Config.fromfile(str(cfg_file))
        assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper', key
        assert {'type': 'ChannelsLastHook'} in [dict(h) for h in cfg.custom_hooks], key
        state = torch.load(ckpts[key]['checkpoint'], map_location='cpu')['state_dict']
        assert all(v.dtype == torch.float32 for v in state.values() if v.is_floating_point())
    assert 'bfloat16 autocast' in report['meta']['protocol']


def test_saved_stage_configs_are_complete_configs(quick_job, tmp_path):
    """The config each stage saves beside its results runs alone: no placeholder left, every
    module in the library's registries, and tools/test.py on it gives the stage's metrics."""
    from mmengine.config import Config
    from mmengine.evaluator import Evaluator
    from mmengine.registry import init_default_scope

    import lrpose_mm  # noqa: F401  (what a user's tools/test.py imports, nothing more)
    root, _, _ = quick_job
    saved = sorted((root / 'work').glob('*/*/*.py'))
    assert {p.parts[-3] for p in saved} >= ROWS | {f'test-{k}' for k in ROWS}
    init_default_scope('mmpose')
    for path in saved:
        assert '{stage_dir}' not in path.read_text(), path
        cfg = Config.fromfile(str(path))
        assert all(str(path.parent) in ev.get('outfile_prefix', ev.get('out_file', str(
            path.parent))) for ev in cfg.test_evaluator), path  # into its own stage folder
        Evaluator(cfg.test_evaluator)
    [stage] = (root / 'work' / 'test-pdsr').glob('*/stage.json')
    rec = json.loads(stage.read_text())
    [cfg_file] = stage.parent.glob('*.py')
    run_tool(PY, 'tools/test.py', str(cfg_file), rec['checkpoint'], '--work-dir',
             str(tmp_path), '--out', str(tmp_path / 'metrics.json'))
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    for name in ('coco/AP', 'pck0.1/PCK'):
        assert metrics[name] == pytest.approx(rec['metrics'][name]), name


def test_budget_flags_parse_booleans():
    import sys
    sys.path.insert(0, str(ROOT / 'tools'))
    from benchmark import parse_args
    args = parse_args(['--amp', 'false', '--channels-last'])
    assert args.amp is False and args.channels_last is True
    assert parse_args([]).amp is None  # not given: the budget's own value
    assert parse_args(['--amp', 'AUTO']).amp == 'auto'  # timed when the job runs
    from benchmarks.budget import BUDGETS
    from benchmarks.common.cli import budget_with_arguments
    given = budget_with_arguments(BUDGETS['default'], parse_args(['--hr-iters', '7', '--amp',
                                                                  'false']))
    assert (given.hr_iters, given.amp, given.ft_iters) == (7, False, BUDGETS['default'].ft_iters)
    assert (BUDGETS['default'].hr_iters, BUDGETS['default'].amp) == (3000, 'auto')  # a copy
    with pytest.raises(SystemExit):
        parse_args(['--amp', 'maybe'])


@pytest.mark.long
def test_sizes_tables_join_the_report_on_the_same_checkpoints(quick_job):
    """--sizes: the pose stages are reused, the mixed-size / real-LR evaluation runs on the
    run's checkpoints into <out>/sizes and its tables go into the same report."""
    root, args, _ = quick_job
    out = root / 'with-sizes'
    run_tool(*[a if a != str(root / 'report') else str(out) for a in args], '--sizes',
             timeout=900)
    report = json.loads((out / 'report.json').read_text())
    assert ROWS | {f'test-{k}' for k in ROWS} <= set(report['meta']['reused_stages'])
    sized = json.loads((out / 'sizes' / 'report.json').read_text())
    assert report['meta']['sizes']['sizes'] == sized['sizes']
    assert report['meta']['sizes']['real_lr'] == sized['real_lr']
    ckpts = json.loads((root / 'work' / 'checkpoints.json').read_text())
    assert sized['meta']['checkpoints'] == {k: c['checkpoint'] for k, c in ckpts.items()}
    assert sized['sizes']['tuning'] is not None  # threshold chosen on sizes-tune, not on val
    assert {r['row'] for r in sized['real_lr']['rows']} == ROWS - {'hr-oracle'}
    md = (out / 'report.md').read_text()
    adaptive = next(r for r in sized['sizes']['table'] if r['row'] == 'adaptive')
    assert f'| {adaptive["label"]} |' in md  # the mixed-size table is in the main report


def test_rerun_reuses_every_stage(quick_job):
    root, args, _ = quick_job
    run_tool(*args, timeout=600)
    report = json.loads((root / 'report' / 'report.json').read_text())
    reused = set(report['meta']['reused_stages'])
    assert ROWS <= reused  # every training reused
    assert {f'test-{k}' for k in ROWS} <= reused  # and every evaluation


@pytest.mark.long
def test_a_changed_setting_retrains_only_the_stages_it_changes(quick_job):
    root, args, _ = quick_job
    # fine-tuning changed, the oracle did not (two rows keep the rerun short)
    run_tool(*args, '--ft-iters', '5', '--variants', 'pdsr', timeout=900)
    report = json.loads((root / 'report' / 'report.json').read_text())
    reused = set(report['meta']['reused_stages'])
    assert 'hr-oracle' in reused and 'pdsr' not in reused and 'lr-direct' not in reused
    assert {r['variant'] for r in report['rows']} == {'lr-direct', 'pdsr', 'hr-oracle'}


@pytest.mark.long
def test_learning_rates_chosen_on_tune_then_applied(quick_job):
    """--lr-grid on tune: each row at each rate, the best per row in chosen_lr.json;
    --row-lr trains the rows with those rates (a changed rate retrains, the oracle is kept)."""
    root, args, _ = quick_job
    tune_out = root / 'tune-lr'
    tune_args = [a if a != str(root / 'report') else str(tune_out) for a in args]
    run_tool(*tune_args, '--split', 'tune', '--variants', 'pdsr', '--lr-grid', '2e-3',
             timeout=900)
    report = json.loads((tune_out / 'report.json').read_text())
    rows = {r['variant']: r for r in report['rows']}
    assert {'lr-direct', 'pdsr', 'lr-direct@lr0.002', 'pdsr@lr0.002', 'hr-oracle'} == set(rows)
    chosen = json.loads((tune_out / 'chosen_lr.json').read_text())
    assert set(chosen) == {'lr-direct', 'pdsr'}
    for key, lr in chosen.items():  # the rate with the higher tune AP (PCK breaks ties)
        cands = report['meta']['chosen_lr'][key]['candidates']
        assert len(cands) == 2 and '0.002' in cands  # the config's own rate and the grid's
        own = next(r for r in cands if r != '0.002')
        for rate, row in ((own, rows[key]), ('0.002', rows[f'{key}@lr0.002'])):
            assert cands[rate]['AP'] == pytest.approx(row['AP'])
        best = max(cands, key=lambda r: (cands[r]['AP'][0], cands[r]['PCK'][0]))
        assert lr == pytest.approx(float(best))
    assert 'hr-oracle' in report['meta']['reused_stages']
    (root / 'rates.json').write_text(json.dumps({'pdsr': 2e-3}))
    run_tool(*args, '--variants', 'pdsr', '--row-lr', str(root / 'rates.json'), timeout=900)
    report = json.loads((root / 'report' / 'report.json').read_text())
    reused = set(report['meta']['reused_stages'])
    assert 'pdsr' not in reused and {'hr-oracle', 'lr-direct'} <= reused
    assert 'pdsr 0.002 (chosen on tune)' in report['meta']['protocol']


@pytest.mark.parametrize('extra, message', [
    (('--lr-grid', '1e-3'), '--lr-grid chooses learning rates'),
    (('--split', 'tune', '--lr-grid', '0'), 'must be > 0'),
    (('--split', 'tune', '--sizes'), '--sizes reports on val'),
])
def test_lr_grid_errors(extra, message):
    proc = subprocess.run([PY, 'tools/benchmark.py', '--quick', *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and message in proc.stderr


@pytest.mark.long
def test_frozen_pose_rows_train_only_the_sr_neck(quick_job):
    """--frozen-pose: SR in front of the frozen oracle; bicubic is the oracle as it is,
    two-stage and PDSR change their SR neck only, with their own paired differences."""
    import torch

    import lrpose_mm  # noqa: F401  (allow-lists mmengine's checkpoint globals: weights_only)
    root, args, _ = quick_job
    out = root / 'frozen'
    run_tool(*[a if a != str(root / 'report') else str(out) for a in args],
             '--variants', 'pdsr', '--frozen-pose', timeout=900)
    report = json.loads((out / 'report.json').read_text())
    rows = {r['variant'] for r in report['rows']}
    assert {'frozen-bicubic', 'frozen-two-stage', 'frozen-pdsr'} <= rows
    assert 'hr-oracle' in report['meta']['reused_stages']
    ckpts = json.loads((root / 'work' / 'checkpoints.json').read_text())
    assert ckpts['frozen-bicubic']['checkpoint'] == ckpts['hr-oracle']['checkpoint']
    oracle = torch.load(ckpts['hr-oracle']['checkpoint'], map_location='cpu')['state_dict']
    states = {}
    for key in ('frozen-two-stage', 'frozen-pdsr'):
        state = states[key] = torch.load(ckpts[key]['checkpoint'], map_location='cpu')['state_dict']
        pose = [k for k in oracle if k.startswith(('backbone.', 'head.'))]
        assert pose and all(torch.equal(state[k], oracle[k]) for k in pose), key  # BN stats too
        sr = [k for k in state if k.startswith('sr_neck.')]
        assert sr and not set(sr) & set(oracle), key  # the SR neck is new
    # same seed, same initial SR neck, different losses: the SR necks did learn
    assert any(not torch.equal(states['frozen-two-stage'][k], states['frozen-pdsr'][k])
               for k in sr)
    diffs = {(d['better'], d['worse']) for d in report['differences']}
    assert {('frozen-pdsr', 'frozen-two-stage'), ('frozen-pdsr', 'frozen-bicubic'),
            ('frozen-two-stage', 'frozen-bicubic')} <= diffs
