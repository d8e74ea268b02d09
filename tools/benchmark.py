"""The main job: low-resolution pose benchmark on procedural people (five variants + MMPose's peer).

    python tools/benchmark.py [--quick] [--out reports/benchmark] [--work-dir work_dirs/benchmark]

Generates or reuses the data, trains the HR oracle, fine-tunes every variant from it with the
same budget through tools/train.py, evaluates with tools/test.py, measures cost side by side, and
writes report.md / report.json / bar_chart.png / grid.png into --out. Rerunning resumes.
"""
import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

import torch

import lrpose_mm  # noqa: F401
from lrpose_mm.benchmark.main_job import QUICK, VARIANTS, Budget, run_main_job
from lrpose_mm.benchmark.report import markdown_table


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true', help='a few-minute smoke run (tiny data and budget)')
    p.add_argument('--out', default=None, help='report folder (default reports/benchmark or reports/quick)')
    p.add_argument('--work-dir', default=None, help='checkpoints/logs (default work_dirs/benchmark[-quick])')
    for f in dataclasses.fields(Budget):
        p.add_argument('--' + f.name.replace('_', '-'), type=f.type if isinstance(f.type, type) else eval(f.type),
                       default=None, help=f'override the budget ({f.name})')
    p.add_argument('--variants', nargs='+', choices=[v.key for v in VARIANTS],
                   help='run only these variants (LR-direct is always needed for gap closure)')
    return p.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(2)
    budget = dataclasses.replace(QUICK if args.quick else Budget())
    for f in dataclasses.fields(Budget):
        value = getattr(args, f.name)
        if value is not None:
            setattr(budget, f.name, value)
    variants = args.variants
    if variants is not None and 'lr-direct' not in variants:
        variants = ['lr-direct', *variants]
    tag = 'quick' if args.quick else 'benchmark'
    out = Path(args.out or f'reports/{tag}')
    work = Path(args.work_dir or f'work_dirs/{tag}')
    command = 'python ' + ' '.join(shlex.quote(a) for a in sys.argv)
    result = run_main_job(out, work, budget, command, variants=variants)
    print('\n' + markdown_table(result.rows))
    print(f'\nreport: {result.report}  ({result.meta["wall_seconds"]:.0f} s)')


if __name__ == '__main__':
    main()
