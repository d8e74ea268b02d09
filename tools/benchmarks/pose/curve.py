"""The HR oracle's learning curve under the benchmark's protocol (is the oracle step-,
data- or capacity-bound?).

One training of the benchmark's HR-oracle stage (same config, data, precision, seed and
cosine schedule, run for ``max(points)`` iterations), a checkpoint at every point, each
evaluated on the given splits with the benchmark's intervals and left/right collapse
rates. Points before the last are read off one longer schedule (its learning rate has not
annealed there), so they are lower bounds of what a schedule of that length reaches."""
import math
import time
from dataclasses import asdict
from functools import reduce
from pathlib import Path
from typing import Dict, Sequence

import numpy as np
import torch

from lrpose_mm.datasets.metainfo import coco_metainfo
from lrpose_mm.evaluation import load_instances
from lrpose_mm.fileio import atomic_json_dump, atomic_text_dump

from ..budget import Budget
from ..common.report import machine as report_machine
from ..common.stages import StageRunner
from .configure import TRAIN_CFG_SPLIT, configure, ensure_data
from .error_analysis import left_right
from .evaluate import RowEval, evaluate_rows
from .rows import HR_ORACLE, load_config
from .schedule import precision_text, resolve_precision


def collapse_rate(instances_file: str) -> float:
    """Mean share of limb pairs (shoulders to ankles) whose two predictions collapse."""
    meta = coco_metainfo()
    pairs = left_right(load_instances(instances_file), meta)
    limbs = [v['collapse'] for k, v in pairs.items() if k not in ('eye', 'ear') and v['people']]
    return float(np.mean(limbs))


def run_curve(budget: Budget, points: Sequence[int], splits: Sequence[str], out_dir: str,
              work_dir: str, command: str) -> dict:
    """Train (or reuse) the curve's oracle, evaluate every point; writes report.md/json."""
    points = sorted({int(p) for p in points})
    if not points or points[0] < 1:
        raise ValueError(f'--points must be positive iteration counts, got {points}')
    for split in splits:
        if split not in ('tune', 'val'):
            raise ValueError(f'unknown split {split!r} (tune or val)')
    t_start = time.time()
    torch.set_num_threads(budget.threads)
    out, wd = Path(out_dir), Path(work_dir)
    wd.mkdir(parents=True, exist_ok=True)
    data = ensure_data(budget)
    data_root = str(Path(budget.data_root).resolve())
    data_key = {k: v['cache_key'] for k, v in data.items()}
    precision = resolve_precision(budget)
    iters = points[-1]
    oracle_cfg = load_config(HR_ORACLE.config)  # configure() works on a copy
    cfg = configure(oracle_cfg, budget, data_root, iters, budget.seed, TRAIN_CFG_SPLIT)
    cfg.default_hooks.checkpoint.interval = reduce(math.gcd, points)
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1  # every point's checkpoint stays
    runner = StageRunner(wd)
    print(f'HR oracle: {iters} iterations, checkpoints at {points}', flush=True)
    train = runner.train(f'{HR_ORACLE.key}-curve', cfg, dict(data=data_key))
    results: Dict[str, list] = {}
    for split in splits:
        ecfg = configure(oracle_cfg, budget, data_root, 1, budget.seed, split)
        rows = {}
        for p in points:
            ckpt = str(Path(train.work_dir) / f'iter_{p}.pth')
            rows[str(p)] = RowEval(HR_ORACLE, [train], [runner.test(
                f'test-curve-{split}-{p}', ecfg, ckpt, dict(data=data_key),
                files=dict(coco='coco.keypoints.json', instances='instances.npz'))])
        ann = f'{data_root}/annotations/person_keypoints_{split}.json'
        evaluate_rows(rows, ann, budget.n_resamples, budget.seed)
        results[split] = [dict(iters=int(k), AP=r.ap.interval(), PCK=r.pck.interval(),
                               collapse=collapse_rate(r.test[0].files['instances']))
                          for k, r in rows.items()]
    report = dict(
        points=points, results=results, budget=asdict(budget), precision_probe=precision,
        train_seconds=train.seconds, reused=runner.reused(), machine=report_machine(),
        command=command, wall_seconds=round(time.time() - t_start, 1))
    out.mkdir(parents=True, exist_ok=True)
    atomic_json_dump(report, str(out / 'report.json'))
    atomic_text_dump(curve_markdown(report), str(out / 'report.md'))
    return report


def curve_markdown(report: dict) -> str:
    b = report['budget']
    lines = ['# HR oracle learning curve', '',
             f'Command: `{report["command"]}`', '',
             f'Machine: {report["machine"]}', '',
             f'One training of the benchmark\'s HR-oracle stage: {report["points"][-1]} '
             f'iterations (cosine schedule over all of them), batch {b["batch_size"]}, '
             f'{b["num_train_images"]} train images, seed {b["seed"]}, '
             + ('bfloat16 autocast' if b['amp'] else 'float32')
             + (' + channels-last' if b['channels_last'] else '')
             + (f' (one training step {precision_text(report["precision_probe"])})'
                if report['precision_probe'] else '')
             + f'; {report["train_seconds"]:.0f} s of training'
             + (' (reused)' if report['reused'] else '') + '. Points before the last are '
             'checkpoints of this one schedule (not annealed there: lower bounds of a '
             f'schedule of that length). Intervals: {b["n_resamples"]} bootstrap resamples '
             'of the images, percentile 95%. Collapse: mean share of limb pairs (shoulders '
             'to ankles) whose left and right predictions lie within 5% of the box size.', '']
    for split, res in report['results'].items():
        lines += [f'## {split}', '', '| iterations | AP [95% CI] | PCK@0.1 [95% CI] | '
                  'L=R collapse |', '|---|---|---|---|']
        lines += [f'| {r["iters"]} | {_iv(r["AP"])} | {_iv(r["PCK"])} | '
                  f'{100 * r["collapse"]:.0f}% |' for r in res]
        lines.append('')
    return '\n'.join(lines)


def _iv(iv) -> str:
    return f'{iv[0]:.3f} [{iv[1]:.3f}, {iv[2]:.3f}]'
