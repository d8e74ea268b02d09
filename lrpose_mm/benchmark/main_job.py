"""The main job: procedural LR people -> five variants trained/evaluated fairly -> report.

Protocol (DESIGN.md): train the HR pose network once (the HR oracle), then start
every other variant from that checkpoint and give each the same number of
further steps. Everything runs through ``tools/train.py`` and ``tools/test.py``
(mmengine Runner, CocoMetric, SRQualityMetric). Finished stages are skipped on a
rerun, an interrupted training resumes from its last checkpoint.
"""
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from .report import build_rows, write_report
from ..fileio import atomic_json_dump
from .stages import ROOT, StageRunner

CFG_DIR = ROOT / 'configs' / 'synthetic'


@dataclass
class Variant:
    key: str
    label: str
    config: str
    lr: float = 5e-4  # fine-tuning learning rate from the HR oracle
    grid_column: Optional[str] = None  # picture-grid column title, None = not drawn


VARIANTS: List[Variant] = [
    Variant('lr-direct', 'LR-direct (heatmap)', 'lr-direct_hrnet-tiny_synthetic-lr32x24.py',
            grid_column='LR input (LR-direct)'),
    Variant('lr-direct-simcc', 'LR-direct SimCC (MMPose peer)',
            'lr-direct-simcc_hrnet-tiny_synthetic-lr32x24.py'),
    Variant('bicubic', 'bicubic x4', 'bicubic-x4_hrnet-tiny_synthetic-lr32x24.py',
            grid_column='bicubic'),
    Variant('two-stage', 'two-stage pixel SR', 'two-stage-x4_hrnet-tiny_synthetic-lr32x24.py',
            grid_column='two-stage SR'),
    Variant('pdsr', 'pose-driven SR (PDSR)', 'pdsr-x4_hrnet-tiny_synthetic-lr32x24.py',
            grid_column='PDSR'),
]
HR_ORACLE = Variant('hr-oracle', 'HR oracle (128x96)', 'hr-oracle_hrnet-tiny_synthetic-128x96.py',
                    lr=2e-3, grid_column='HR (oracle)')


@dataclass
class Budget:
    """Data and schedule sizes; one budget for every variant."""
    num_train_images: int = 900
    num_val_images: int = 150
    hr_iters: int = 1500
    ft_iters: int = 300
    batch_size: int = 32
    seed: int = 0
    data_root: str = 'data/synthetic_people'
    minutes: float = 28.0  # wall-time budget: iterations shrink (alike for all) on slow machines


QUICK = Budget(num_train_images=60, num_val_images=20, hr_iters=20, ft_iters=8, batch_size=16,
               data_root='data/synthetic_people_quick', minutes=0)

# relative cost of one training iteration of each variant, HR oracle = 1 (measured here)
_ITER_COST = {'lr-direct': 0.15, 'lr-direct-simcc': 0.15, 'bicubic': 1.05, 'two-stage': 1.35,
              'pdsr': 1.6}
_FIXED_SECONDS = 240  # data, process start-up, evaluation, cost table, grid


def fit_to_time_budget(budget: Budget, variants: List['Variant']) -> float:
    """Shrink hr_iters/ft_iters alike so the job fits ``budget.minutes`` on this machine.

    Times a few HR-oracle training steps in-process, extrapolates, and returns the
    factor applied (1.0 = the default budget fits). Every variant keeps the same
    number of steps, so the comparison stays fair on any machine.
    """
    if not budget.minutes:
        return 1.0
    import torch
    from mmengine.config import Config
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    model = MODELS.build(Config.fromfile(str(CFG_DIR / HR_ORACLE.config)).model).train()
    opt = torch.optim.Adam(model.parameters())
    x = torch.randn(budget.batch_size, 3, 128, 96)
    times = []
    for _ in range(4):
        t0 = time.perf_counter()
        model(x, None, mode='tensor').float().mean().backward()
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t0)
    per_iter = sorted(times[1:])[1] * 1.15  # median of warm steps + data loading
    ft_cost = sum(_ITER_COST.get(v.key, 1.0) for v in variants)
    est = per_iter * (budget.hr_iters + budget.ft_iters * ft_cost) + _FIXED_SECONDS
    factor = min(1.0, max(0.1, (budget.minutes * 60 - _FIXED_SECONDS) / max(1.0, est - _FIXED_SECONDS)))
    print(f'      time budget: {per_iter:.2f} s per HR iteration here, default budget needs about '
          f'{est / 60:.1f} min; iterations x{factor:.2f} to fit {budget.minutes:.0f} min', flush=True)
    budget.hr_iters = max(10, int(budget.hr_iters * factor))
    budget.ft_iters = max(5, int(budget.ft_iters * factor))
    return factor


@dataclass
class JobResult:
    rows: List[dict]
    report: Path
    meta: dict = field(default_factory=dict)


def _schedule_options(iters: int, lr: float, budget: Budget, data_root: str) -> Dict[str, object]:
    """cfg-options giving a variant its data, iterations and learning-rate schedule."""
    ann_val = f'{data_root}/annotations/person_keypoints_val.json'
    return {
        'train_dataloader.dataset.data_root': f'{data_root}/',
        'val_dataloader.dataset.data_root': f'{data_root}/',
        'test_dataloader.dataset.data_root': f'{data_root}/',
        'val_evaluator.0.ann_file': ann_val, 'test_evaluator.0.ann_file': ann_val,
        'train_dataloader.batch_size': budget.batch_size,
        'train_cfg.max_iters': iters, 'train_cfg.val_interval': iters,
        'optim_wrapper.optimizer.lr': lr,
        'param_scheduler.0.end': max(1, min(100, iters // 10)),
        'param_scheduler.1.end': iters, 'param_scheduler.1.T_max': iters,
        'default_hooks.checkpoint.interval': max(1, iters // 3),
        'default_hooks.logger.interval': max(1, min(10, iters // 5)),
        'randomness.seed': budget.seed,
    }


def _machine() -> str:
    return f'{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}'


def ensure_data(budget: Budget) -> dict:
    """Generate (or reuse) the procedural train/val people datasets."""
    from lrpose_mm.datasets.synthetic import generate_people_splits
    return generate_people_splits(str(ROOT / budget.data_root), num_train=budget.num_train_images,
                                  num_val=budget.num_val_images, seed=budget.seed)


def run_main_job(out_dir: Path, work_dir: Path, budget: Budget, command: str,
                 variants: Optional[List[str]] = None, grid_samples: int = 6,
                 throughput_batch: int = 32) -> JobResult:
    from . import visual
    t_start = time.time()
    out_dir, work_dir = Path(out_dir), Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    chosen = [v for v in VARIANTS if variants is None or v.key in variants]
    saved = work_dir / 'budget.json'
    if saved.is_file():  # a resumed run keeps the iteration counts it started with
        prev = json.loads(saved.read_text())
        budget.hr_iters, budget.ft_iters = prev['hr_iters'], prev['ft_iters']
        factor = prev.get('time_factor', 1.0)
    else:
        factor = fit_to_time_budget(budget, chosen)
        atomic_json_dump(dict(asdict(budget), time_factor=factor), str(saved))
    print(f'[1/5] data: procedural people under {budget.data_root}', flush=True)
    data_info = ensure_data(budget)
    data_root = str(ROOT / budget.data_root)

    runner = StageRunner(work_dir)
    print(f'[2/5] HR oracle: {budget.hr_iters} iterations from scratch', flush=True)
    hr = runner.train(HR_ORACLE.key, CFG_DIR / HR_ORACLE.config,
                      _schedule_options(budget.hr_iters, HR_ORACLE.lr, budget, data_root))
    print(f'[3/5] {len(chosen)} variants: {budget.ft_iters} iterations each from the HR oracle',
          flush=True)
    trained: Dict[str, dict] = {}
    for v in chosen:
        opts = _schedule_options(budget.ft_iters, v.lr, budget, data_root)
        opts['load_from'] = hr['checkpoint']
        trained[v.key] = runner.train(v.key, CFG_DIR / v.config, opts)
    trained[HR_ORACLE.key] = hr

    print('[4/5] evaluation with tools/test.py (CocoMetric + SRQualityMetric)', flush=True)
    results: Dict[str, dict] = {}
    for v in chosen + [HR_ORACLE]:
        opts = _schedule_options(budget.ft_iters, v.lr, budget, data_root)
        metrics = runner.test(v.key, CFG_DIR / v.config, trained[v.key]['checkpoint'], opts)
        results[v.key] = dict(label=v.label, metrics=metrics,
                              train_seconds=trained[v.key]['train_seconds'],
                              train_iters=budget.hr_iters if v is HR_ORACLE else budget.ft_iters)

    print('[5/5] cost (params, GFLOPs, CPU img/s side by side), picture grid, report', flush=True)
    models = visual.load_models([(v.key, CFG_DIR / v.config, trained[v.key]['checkpoint'],
                                  _schedule_options(budget.ft_iters, v.lr, budget, data_root))
                                 for v in chosen + [HR_ORACLE]])
    costs = visual.cost_table(models, batch=throughput_batch)
    for key, c in costs.items():
        results[key].update(c)
    grid_cols = [v for v in chosen + [HR_ORACLE] if v.grid_column]
    visual.picture_grid(models, [(v.key, v.grid_column) for v in grid_cols],
                        out_dir / 'grid.png', num_samples=grid_samples)

    rows = build_rows(results, lr_key='lr-direct', hr_key=HR_ORACLE.key)
    meta = dict(
        data=(f'procedural people ({data_info["train"]["num_people"]} train / '
              f'{data_info["val"]["num_people"]} val people in {budget.num_train_images} / '
              f'{budget.num_val_images} images, seed {budget.seed}); HR crops 128x96, LR 32x24 (x4)'),
        protocol=(f'HR oracle trained {budget.hr_iters} iterations from scratch; every other variant '
                  f'starts from it and trains {budget.ft_iters} iterations (batch {budget.batch_size}); '
                  'same backbone (HRNet-W16-tiny), data, LR images, codec and schedule'),
        machine=_machine(), command=command, budget=asdict(budget), time_factor=factor,
        wall_seconds=round(time.time() - t_start, 1))
    report = write_report(out_dir, rows, meta)
    return JobResult(rows=rows, report=report, meta=meta)
