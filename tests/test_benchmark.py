"""The main job: report maths, and the --quick run end to end through the real tools."""
import json

import pytest

from conftest import PY, run_tool
from lrpose_mm.benchmark.report import build_rows, gap_closure, markdown_table


def test_gap_closure_values():
    assert gap_closure(0.5, 0.2, 0.8) == pytest.approx(0.5)
    assert gap_closure(0.8, 0.2, 0.8) == pytest.approx(1.0)
    assert gap_closure(0.1, 0.2, 0.8) == pytest.approx(-1 / 6)
    assert gap_closure(0.5, 0.6, 0.6) is None  # no gap to close: undefined, not a fake number


def test_rows_and_table_keep_every_variant():
    res = {k: dict(label=k, metrics={'coco/AP': ap, 'coco/AP .5': ap, 'coco/AP .75': ap, 'coco/AR': ap})
           for k, ap in (('lr-direct', 0.2), ('pdsr', 0.6), ('hr-oracle', 0.7))}
    rows = build_rows(res, 'lr-direct', 'hr-oracle')
    assert [r['variant'] for r in rows] == ['lr-direct', 'pdsr', 'hr-oracle']
    assert rows[1]['gap_closure'] == pytest.approx(0.8)
    table = markdown_table(rows)
    assert table.count('\n') == 4 and '0.80' in table


@pytest.fixture(scope='module')
def quick_job(tmp_path_factory):
    root = tmp_path_factory.mktemp('quick')
    args = (PY, 'tools/benchmark.py', '--quick', '--out', str(root / 'report'), '--work-dir',
            str(root / 'work'), '--data-root', str(root / 'data'))
    proc = run_tool(*args, timeout=900)
    return root, args, proc


@pytest.mark.slow
def test_quick_main_job_writes_the_report(quick_job):
    root, _, proc = quick_job
    report = json.loads((root / 'report' / 'report.json').read_text())
    rows = {r['variant']: r for r in report['rows']}
    assert set(rows) == {'lr-direct', 'lr-direct-simcc', 'bicubic', 'two-stage', 'pdsr', 'hr-oracle'}
    for key, r in rows.items():
        assert 0.0 <= r['AP'] <= 1.0 and r['gflops'] > 0 and r['cpu_img_per_s'] > 0, key
    for key in ('bicubic', 'two-stage', 'pdsr'):  # SR quality only where an SR image exists
        assert 5.0 < rows[key]['PSNR'] < 60.0 and 0.0 < rows[key]['SSIM'] <= 1.0
    assert rows['lr-direct']['PSNR'] is None
    assert rows['pdsr']['sr_gflops'] > 0 and rows['bicubic']['sr_gflops'] == 0
    assert rows['lr-direct']['gap_closure'] == pytest.approx(0.0) or rows['lr-direct']['gap_closure'] is None
    for name in ('report.md', 'bar_chart.png', 'grid.png'):
        assert (root / 'report' / name).stat().st_size > 1000
    md = (root / 'report' / 'report.md').read_text()
    assert 'pose-driven SR (PDSR)' in md and 'gap closure' in md
    assert 'LR-direct' in proc.stdout


@pytest.mark.slow
def test_quick_main_job_rerun_skips_finished_stages(quick_job):
    _, args, _ = quick_job
    proc = run_tool(*args, timeout=600)
    assert proc.stdout.count('[skip]') == 6  # HR oracle + 5 variants reused, nothing retrained


@pytest.mark.slow
def test_pdsr_config_trains_and_resumes_through_tools(quick_job, tmp_path):
    root, _, _ = quick_job
    data = root / 'data'
    ann = data / 'annotations' / 'person_keypoints_val.json'
    opts = [f'train_dataloader.dataset.data_root={data}/', f'val_dataloader.dataset.data_root={data}/',
            f'test_dataloader.dataset.data_root={data}/', f'val_evaluator.0.ann_file={ann}',
            f'test_evaluator.0.ann_file={ann}', 'train_dataloader.batch_size=4',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
            'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
            'default_hooks.checkpoint.interval=1', 'default_hooks.logger.interval=1',
            'param_scheduler.0.end=1']
    cfg = 'configs/synthetic/pdsr-x4_hrnet-tiny_synthetic-lr32x24.py'
    run_tool(PY, 'tools/train.py', cfg, '--work-dir', str(tmp_path), '--cfg-options',
             'train_cfg.max_iters=2', 'train_cfg.val_interval=10', *opts)
    assert (tmp_path / 'iter_2.pth').is_file()
    proc = run_tool(PY, 'tools/train.py', cfg, '--work-dir', str(tmp_path), '--resume', '--cfg-options',
                    'train_cfg.max_iters=3', 'train_cfg.val_interval=3', *opts)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'loss_sr_pix' in log and 'loss_sr_kpt' in log and 'loss_sr_feat' in log
    assert 'coco/AP' in log and 'sr/PSNR' in log  # CocoMetric and SRQualityMetric side by side
    assert (tmp_path / 'iter_3.pth').is_file()
