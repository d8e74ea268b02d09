"""The schedule of a pose benchmark run: the training precision measured here, the seconds
per HR iteration, and the iterations shrunk to fit the wall-time budget."""
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.runner import Runner

from lrpose_mm.fileio import atomic_json_dump

from ..budget import Budget
from ..common.precision import CANDIDATES as PRECISION_CANDIDATES
from ..common.precision import probe_pose_model
from .configure import configure
from .rows import HR_ORACLE, Variant, load_config

# relative cost of one training iteration (HR oracle = 1), measured on this kind of machine
ITER_COST = {'hr-oracle': 1.0, 'lr-direct': 0.35, 'lr-direct-simcc': 0.35, 'bicubic': 1.0,
             'two-stage': 1.4, 'pdsr': 1.6, 'frozen-bicubic': 0.0, 'frozen-two-stage': 1.2,
             'frozen-pdsr': 1.4}


def resolve_precision(budget: Budget) -> Optional[dict]:
    """Replace ``'auto'`` in ``budget.amp`` / ``budget.channels_last`` by the fastest
    setting measured here (:mod:`..common.precision`, on the HR oracle's model); an explicit
    boolean is kept. Returns the measurement, or None when nothing was ``'auto'``."""
    if isinstance(budget.amp, bool) and isinstance(budget.channels_last, bool):
        return None
    for name in ('amp', 'channels_last'):
        if getattr(budget, name) not in (True, False, 'auto'):
            raise ValueError(f'Budget.{name} must be true, false or \'auto\', '
                             f'got {getattr(budget, name)!r}')
    cfg = load_config(HR_ORACLE.config)
    w, h = cfg.codec['input_size']
    probe = probe_pose_model(cfg.model, budget.batch_size, (h, w))
    if budget.amp == 'auto':
        budget.amp = probe['amp']
    if budget.channels_last == 'auto':  # the fastest candidate under the amp in force
        under_amp = [c for c in PRECISION_CANDIDATES if c[1] == budget.amp]
        budget.channels_last = min(under_amp, key=lambda c: probe['seconds'][c[0]])[2]
    return probe


def precision_text(probe: dict) -> str:
    """'float32 0.58 s, ... on cpu' of a :func:`resolve_precision` measurement."""
    return (', '.join(f'{k} {v:.2f} s' for k, v in probe['seconds'].items())
            + f' on {probe["device"]}')


def calibrate(budget: Budget, data_root: str, work_dir: Path, iters: int = 14) -> float:
    """Seconds per HR-oracle training iteration here, data loading included (the time
    between the ends of consecutive warm iterations of a real, short training)."""
    cfg = configure(load_config(HR_ORACLE.config), budget, data_root, iters, budget.seed)
    cfg.work_dir = str(work_dir / 'calibration')
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10 ** 6)
    cfg.log_level = 'WARNING'
    stamps: List[float] = []

    class _Stamp(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            stamps.append(time.perf_counter())

    runner = Runner.from_cfg(cfg)
    runner.register_hook(_Stamp())
    runner.train()
    del runner
    warm = 4
    return (stamps[-1] - stamps[warm - 1]) / (len(stamps) - warm)


def fit_iterations(budget: Budget, per_iter: float, variants: Sequence[Variant],
                   fixed_seconds: float) -> float:
    """Shrink hr_iters/ft_iters alike so that training fits the budget; returns the factor."""
    if not budget.minutes:
        return 1.0
    ft_cost = sum(ITER_COST.get(v.key, ITER_COST['pdsr']) for v in variants) * budget.ft_seeds
    need = per_iter * (budget.hr_iters + budget.ft_iters * ft_cost)
    have = budget.minutes * 60 - fixed_seconds
    factor = float(min(1.0, max(0.05, have / max(need, 1e-6))))
    budget.hr_iters = max(10, int(budget.hr_iters * factor))
    budget.ft_iters = max(4, int(budget.ft_iters * factor))
    return factor


def fit_schedule(budget: Budget, work_dir: Path, data_root: str, rows: Sequence[Variant],
                 elapsed: float, reserve: Optional[Callable[[int], float]] = None) -> dict:
    """Resolve the precision and fit the iterations of ``budget`` (in place) to its minutes;
    saved in ``<work_dir>/budget.json`` with what it measured, which the returned dict holds
    (``time_factor``, ``seconds_per_hr_iter``, ``precision_probe``).

    The fitted schedule is kept for a rerun of the *same* request (so an interrupted job
    resumes its stages); any changed budget field is a new request, fitted anew. ``elapsed``
    is the job's time so far; ``reserve(len(rows))`` the seconds that later evaluations of
    these rows need (e.g. the mixed-size job)."""
    saved = work_dir / 'budget.json'
    requested = asdict(budget)
    prev = json.loads(saved.read_text()) if saved.is_file() else {}
    out = dict(time_factor=1.0, seconds_per_hr_iter=None, precision_probe=None)
    if prev.get('requested') == requested:
        budget.hr_iters, budget.ft_iters = prev['hr_iters'], prev['ft_iters']
        budget.amp, budget.channels_last = prev['amp'], prev['channels_last']
        out.update(time_factor=prev['time_factor'],
                   seconds_per_hr_iter=prev['seconds_per_hr_iter'],
                   precision_probe=prev.get('precision_probe'))
    else:
        t0 = time.time()
        precision = out['precision_probe'] = resolve_precision(budget)
        if precision:
            print(f'      precision: {precision["chosen"]} (one training step '
                  f'{precision_text(precision)})', flush=True)
        if budget.minutes:
            per_iter = out['seconds_per_hr_iter'] = calibrate(budget, data_root, work_dir)
            fixed = (elapsed + time.time() - t0 + 60
                     + 25 * (len(rows) + 1) * (1 + budget.num_val_images / 450))
            if reserve is not None:
                fixed += reserve(len(rows))
            out['time_factor'] = fit_iterations(budget, per_iter, rows, fixed)
            print(f'      time budget: {per_iter:.2f} s per HR iteration here; '
                  f'iterations x{out["time_factor"]:.2f} '
                  f'-> HR {budget.hr_iters}, fine-tune {budget.ft_iters}', flush=True)
    atomic_json_dump(dict(asdict(budget), requested=requested, **out), str(saved))
    return out
