"""The pose benchmark: procedural LR people -> every row trained and evaluated fairly.

Protocol: train the HR pose network once (the HR oracle, the upper bound of every row),
start every other row from its checkpoint and give each the same number of further steps
on the same data and LR images. Hyper-parameters live in the configs and were chosen on
the *tune* split (``--split tune`` evaluates there); val is read only by the final
evaluation. Every row is evaluated by MMPose's ``CocoMetric`` and ``PCKAccuracy`` with
per-person dumps, from which :mod:`..common.stats` draws paired bootstrap intervals over
images. :func:`run_pose_benchmark` runs the stages and returns what they measured; the
report (:mod:`.report`) puts it into words.
"""
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import torch

from lrpose_mm.fileio import atomic_json_dump

from ..budget import Budget
from ..common.report import machine
from ..common.stages import StageRecord, StageRunner, file_digest
from . import visual
from .configure import TRAIN_CFG_SPLIT, configure, ensure_data
from .evaluate import RowEval, analyse_learner, choose_learning_rates, evaluate_rows
from .rows import (
    CONFIG_PREFIX,
    FROZEN_POSE,
    HR_ORACLE,
    VARIANTS,
    Variant,
    ablation_variants,
    frozen_pose_variants,
    load_config,
    lr_variants,
    with_row_lr,
)
from .schedule import fit_schedule


@dataclass
class PoseRun:
    """What a run measured: the evaluated rows (HR oracle included) and the facts the
    report states (budget, schedule, data, stages, learner analysis, chosen rates)."""
    rows: Dict[str, RowEval]
    meta: dict


def given_checkpoint(name: str, path: str) -> StageRecord:
    """A stage record for a checkpoint given by the user, keyed by its content."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'--hr-checkpoint {path!r} does not exist')
    return StageRecord(name=name, key=file_digest(path)[:16], work_dir=os.path.dirname(path),
                       seconds=0.0, checkpoint=os.path.abspath(path), reused=True)


def select_rows(variants: Optional[Sequence[str]] = None, split: str = 'val',
                ablation: Optional[Sequence[str]] = None,
                lr_grid: Optional[Sequence[float]] = None,
                row_lr: Optional[Dict[str, float]] = None,
                frozen_pose: bool = False) -> List[Variant]:
    """The rows a request trains and evaluates besides the HR oracle (see
    :func:`run_pose_benchmark` for the arguments)."""
    chosen = [v for v in VARIANTS if variants is None or v.key in variants]
    if row_lr:
        chosen = with_row_lr(chosen, row_lr)
    if (ablation is not None or lr_grid) and split != 'tune':
        raise ValueError('--ablation and --lr-grid choose settings: they run on the tune '
                         'split only (--split tune), never on val')
    if frozen_pose:
        chosen += frozen_pose_variants()
    if lr_grid:
        chosen += lr_variants(chosen, lr_grid)
    if ablation is not None:
        extra = [v for v in ablation_variants() if not ablation or v.key in ablation]
        if not frozen_pose:  # a frozen-pose ablation has no row to be paired with
            frozen = sorted(v.key for v in extra if v.of in FROZEN_POSE)
            if ablation and frozen:
                raise ValueError(f'the ablations {frozen} change a frozen-pose row: add '
                                 '--frozen-pose')
            extra = [v for v in extra if v.of not in FROZEN_POSE]
        chosen += extra
    return chosen


def run_pose_benchmark(out_dir: Path, work_dir: Path, budget: Budget, command: str,
                       variants: Optional[Sequence[str]] = None, split: str = 'val',
                       grid_people: int = 3, ablation: Optional[Sequence[str]] = None,
                       hr_checkpoint: Optional[str] = None,
                       lr_grid: Optional[Sequence[float]] = None,
                       row_lr: Optional[Dict[str, float]] = None,
                       frozen_pose: bool = False,
                       reserve: Optional[Callable[[int], float]] = None) -> PoseRun:
    """Run (or resume) every stage of the job; returns the rows and facts for the report.

    Writes ``<work_dir>/checkpoints.json`` (each row's config, overrides and checkpoint:
    what the mixed-size job evaluates) and, into ``out_dir``, the picture grid and, with
    ``lr_grid`` (tune split only: every fine-tuned row at each of these learning rates),
    ``chosen_lr.json`` with the best rate per row; ``row_lr`` (that file's ``{row: lr}``)
    trains the rows with the chosen rates. ``frozen_pose`` adds the :data:`FROZEN_POSE`
    rows. ``reserve(n)``: seconds that later evaluations of the n rows need, kept out of
    the wall-time budget."""
    t_start = time.time()
    torch.set_num_threads(budget.threads)
    out_dir, work_dir = Path(out_dir), Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    chosen = select_rows(variants, split, ablation, lr_grid, row_lr, frozen_pose)
    print(f'[1/5] data: procedural people under {budget.data_root}', flush=True)
    data = ensure_data(budget)
    data_root = str(Path(budget.data_root).resolve())
    data_key = {k: v['cache_key'] for k, v in data.items()}
    schedule = fit_schedule(budget, work_dir, data_root, chosen, time.time() - t_start,
                            reserve)

    runner = StageRunner(work_dir)
    print(f'[2/5] HR oracle: {hr_checkpoint} (given)' if hr_checkpoint else
          f'[2/5] HR oracle: {budget.hr_iters} iterations from scratch', flush=True)
    # a training never validates: its config carries the val split in its unused test fields
    # whichever split evaluates it, so that --split tune reuses the trainings
    hr_cfg = configure(load_config(HR_ORACLE.config), budget, data_root, budget.hr_iters,
                       budget.seed, TRAIN_CFG_SPLIT)
    if hr_checkpoint:  # an HR pose checkpoint of the user's (e.g. an earlier oracle): start there
        hr = given_checkpoint(HR_ORACLE.key, hr_checkpoint)
        runner.log.append(hr)
    else:
        hr = runner.train(HR_ORACLE.key, hr_cfg, dict(data=data_key))
    rows: Dict[str, RowEval] = {HR_ORACLE.key: RowEval(HR_ORACLE, [hr], [])}

    print(f'[3/5] {len(chosen)} variants x {budget.ft_seeds} seed(s): {budget.ft_iters} '
          'iterations each from the HR oracle', flush=True)
    for v in chosen:
        rows[v.key] = RowEval(v, [], [])
        if not v.trains:  # evaluated on the oracle's checkpoint as it is
            rows[v.key].train.append(hr)
            continue
        for s in range(budget.ft_seeds):
            cfg = configure(v.load(), budget, data_root, budget.ft_iters,
                            budget.seed + s, TRAIN_CFG_SPLIT, load_from=hr.checkpoint)
            name = v.key if s == 0 else f'{v.key}-seed{budget.seed + s}'
            rows[v.key].train.append(runner.train(name, cfg, dict(data=data_key, parent=hr.key)))

    print(f'[4/5] evaluation on {split} (CocoMetric, PCKAccuracy, per-person dumps)', flush=True)
    ordered = chosen + [HR_ORACLE]
    for v in ordered:
        for rec in rows[v.key].train:
            cfg = configure(v.load(), budget, data_root, 1, budget.seed, split)
            rows[v.key].test.append(runner.test(
                f'test-{rec.name if v.trains else v.key}', cfg, rec.checkpoint,
                dict(data=data_key),
                files=dict(coco='coco.keypoints.json', instances='instances.npz')))
    ann_file = f'{data_root}/annotations/person_keypoints_{split}.json'
    evaluate_rows(rows, ann_file, budget.n_resamples, budget.seed)
    learner = analyse_learner(rows, ann_file)
    chosen_lr = choose_learning_rates(rows) if lr_grid else None
    if chosen_lr:
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_json_dump({k: v['lr'] for k, v in chosen_lr.items()},
                         str(out_dir / 'chosen_lr.json'))

    print('[5/5] cost (params, GFLOPs, CPU img/s side by side) and the picture grid', flush=True)
    models = visual.load_models(
        {v.key: (configure(v.load(), budget, data_root, 1, budget.seed, split),
                 rows[v.key].train[0].checkpoint) for v in ordered})
    for key, c in visual.cost_table(models, batch=budget.cost_batch).items():
        rows[key].extra.update(c)
    grid = None
    if 'pdsr' in rows and 'bicubic' in rows:
        grid = visual.difference_grid(models, rows, out_dir / 'grid.png', grid_people)
    atomic_json_dump({k: dict(config=CONFIG_PREFIX + r.variant.config,
                              overrides=r.variant.overrides or {},
                              checkpoint=r.train[0].checkpoint) for k, r in rows.items()},
                     str(work_dir / 'checkpoints.json'))
    meta = dict(
        data_splits=data, machine=machine(), command=command, budget=asdict(budget),
        hr_checkpoint=hr_checkpoint, row_lr=row_lr, split=split, grid=grid is not None,
        reused_stages=runner.reused(), learner=learner, chosen_lr=chosen_lr,
        stage_seconds={r.name: r.seconds for r in runner.log},
        wall_seconds=round(time.time() - t_start, 1), **schedule)
    return PoseRun(rows, meta)
