"""The HR oracle's learning curve under the benchmark's protocol.

    python tools/learning_curve.py --points 1000 2000 3000 [--splits tune val]
                                   [--budget default|long|quick] [--out DIR] [--work-dir DIR]
                                   [--<budget field> VALUE]

Trains the benchmark's HR-oracle stage once for max(points) iterations (same config, data,
precision and seed as tools/benchmark.py), keeps a checkpoint at every point and evaluates
each on the splits with 95% bootstrap intervals and left/right collapse rates: whether the
oracle is step-bound (AP still rising) or limited by something else. Writes report.md /
report.json into --out; a rerun reuses finished stages.
"""
import argparse
import shlex
import sys
from pathlib import Path

from benchmarks.budget import BUDGETS, Budget
from benchmarks.common.cli import add_budget_arguments, budget_with_arguments, positive_int
from benchmarks.pose.curve import run_curve

import lrpose_mm  # noqa: F401  (registers the modules, applies the compatibility fixes)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--points', nargs='+', type=positive_int, required=True, metavar='ITERS',
                   help='iterations at which to evaluate; the training runs to the largest')
    p.add_argument('--splits', nargs='+', choices=('tune', 'val'), default=['tune'],
                   help='splits to evaluate every point on (default: tune)')
    p.add_argument('--budget', choices=sorted(BUDGETS), default='default',
                   help='data, batch, seed and precision of this benchmark budget')
    p.add_argument('--out', default=None, help='report folder (default reports/curve-<budget>)')
    p.add_argument('--work-dir', default=None,
                   help='stages (default work_dirs/curve-<budget>)')
    add_budget_arguments(p, Budget)
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    budget = budget_with_arguments(BUDGETS[args.budget], args)
    out = Path(args.out or f'reports/curve-{args.budget}')
    work = Path(args.work_dir or f'work_dirs/curve-{args.budget}')
    command = 'python ' + ' '.join(shlex.quote(a) for a in sys.argv)
    report = run_curve(budget, args.points, args.splits, str(out), str(work), command)
    print((out / 'report.md').read_text())
    print(f'report: {out / "report.md"}  ({report["wall_seconds"] / 60:.1f} min)')


if __name__ == '__main__':
    main()
