"""The pose benchmark on procedural low-resolution people (five variants, MMPose's peer, HR).

    python tools/benchmark.py [--budget default|long|quick] [--out DIR] [--work-dir DIR]
                              [--split val|tune] [--variants ...] [--<budget field> VALUE]
                              [--split tune --lr-grid LR ...] [--row-lr chosen_lr.json]
                              [--frozen-pose] [--sizes]

Generates or reuses the data, trains the HR oracle, fine-tunes every variant from it with
the same budget (mmengine Runner, in-process), evaluates on val (or on the tune split, where
hyper-parameters are chosen) with CocoMetric and PCK plus per-person dumps, and writes
report.md / report.json / bar_chart.png / grid.png with 95% bootstrap intervals into --out.
A rerun reuses every stage whose settings are unchanged and resumes an interrupted one.
"""
import argparse
import dataclasses
import functools
import json
import shlex
import sys
from pathlib import Path

from benchmarks.budget import BUDGETS, Budget
from benchmarks.common.cli import add_budget_arguments, budget_with_arguments, positive_float
from benchmarks.pose import report as pose_report
from benchmarks.pose.job import run_pose_benchmark
from benchmarks.pose.rows import ABLATIONS, VARIANTS
from benchmarks.sizes import report as sizes_report
from benchmarks.sizes.job import SIZES_BUDGETS, reserve_seconds, run_sizes_benchmark

import lrpose_mm  # noqa: F401  (registers the modules, applies the compatibility fixes)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--budget', choices=sorted(BUDGETS), default='default',
                   help='default: about 30 min on 2 CPU cores; long: hours on CPU (the '
                   'long table of docs/results.md); quick: a smoke run of the whole path')
    p.add_argument('--quick', action='store_const', const='quick', dest='budget',
                   help='same as --budget quick')
    p.add_argument('--out', default=None, help='report folder (default reports/<budget>)')
    p.add_argument('--work-dir', default=None, help='stages (default work_dirs/<budget>)')
    p.add_argument('--split', choices=('val', 'tune'), default='val',
                   help='evaluate on val (final) or on the tune split (choosing settings)')
    p.add_argument('--ablation', nargs='*', default=None, choices=sorted(ABLATIONS),
                   help='add ablations (PDSR: each SR loss term removed, pose loss only, '
                   'feature term on an early layer, 2x wider / deeper neck; PDSR and '
                   'two-stage: the SR neck at 4x / 16x / 64x the fine-tuning rate; all when '
                   'none is named), each paired against the row it changes; needs --split tune')
    p.add_argument('--hr-checkpoint', default=None,
                   help='start every row from this HR pose checkpoint instead of training the '
                   'oracle (e.g. the oracle of an earlier run, or your own)')
    p.add_argument('--lr-grid', nargs='+', type=positive_float, default=None, metavar='LR',
                   help='also fine-tune every row at these learning rates and write the best '
                   'per row (tune AP) to <out>/chosen_lr.json; needs --split tune')
    p.add_argument('--row-lr', default=None, metavar='JSON',
                   help='per-row learning rates chosen on the tune split (a chosen_lr.json)')
    p.add_argument('--frozen-pose', action='store_true',
                   help='also the SR front ends in front of the frozen HR oracle (only the SR '
                   'neck learns: SR as a plug-in for a fixed pose network), with their own '
                   'paired differences')
    p.add_argument('--sizes', action='store_true',
                   help='also evaluate this run\'s checkpoints on mixed sizes (never-SR / '
                   'always-SR / adaptive by person height, threshold chosen on a sizes-tune '
                   'split) and on real low-resolution input; the tables go into the report '
                   '(val only; tools/size_benchmark.py runs the same alone)')
    p.add_argument('--variants', nargs='+', choices=[v.key for v in VARIANTS],
                   help='only these variants (LR-direct always runs: gap closure needs it)')
    add_budget_arguments(p, Budget)
    args = p.parse_args(argv)
    if args.ablation is not None and args.split != 'tune':
        p.error('--ablation chooses configurations: run it with --split tune')
    if args.sizes and args.split != 'val':
        p.error('--sizes reports on val: run it without --split tune')
    if args.lr_grid is not None and args.split != 'tune':
        p.error('--lr-grid chooses learning rates: run it with --split tune')
    return args


def read_row_lr(path: str) -> dict:
    """``{row: lr}`` from a tune run's chosen_lr.json, checked."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise SystemExit(f'--row-lr {path}: cannot read a JSON object ({e})')
    if not isinstance(data, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
            for v in data.values()):
        raise SystemExit(f'--row-lr {path}: expected {{"row": learning rate > 0, ...}}, '
                         f'got {data!r}')
    return {str(k): float(v) for k, v in data.items()}


def main() -> None:
    args = parse_args()
    budget = budget_with_arguments(BUDGETS[args.budget], args)
    variants = args.variants
    if variants is not None and 'lr-direct' not in variants:
        variants = ['lr-direct', *variants]
    tag = args.budget if args.split == 'val' else f'{args.budget}-tune'
    out = Path(args.out or f'reports/{tag}')
    work = Path(args.work_dir or f'work_dirs/{args.budget}')
    command = 'python ' + ' '.join(shlex.quote(a) for a in sys.argv)
    row_lr = read_row_lr(args.row_lr) if args.row_lr else None
    sizes = None
    if args.sizes:
        sizes = dataclasses.replace(SIZES_BUDGETS['quick' if args.budget == 'quick' else 'default'],
                                    tune_threshold=True)
    run = run_pose_benchmark(out, work, budget, command, variants=variants, split=args.split,
                             ablation=args.ablation, hr_checkpoint=args.hr_checkpoint,
                             lr_grid=args.lr_grid, row_lr=row_lr, frozen_pose=args.frozen_pose,
                             reserve=functools.partial(reserve_seconds, sizes) if sizes else None)
    sized = None
    if sizes is not None:  # this run's checkpoints (checkpoints.json) on mixed sizes, real LR
        sized = run_sizes_benchmark(out / 'sizes', work, sizes, command)
        run.meta['wall_seconds'] += sized['meta']['wall_seconds']
    print('[report]', flush=True)
    report = pose_report.write_report(out, run.rows, dict(run.meta, sizes=sized),
                                      extra=sizes_report.pose_report_section(sized))
    print('\n' + pose_report.markdown_table(report['rows']))
    print(f'\nreport: {out / "report.md"}  ({report["meta"]["wall_seconds"] / 60:.1f} min)')


if __name__ == '__main__':
    main()
