"""Action benchmark: ST-GCN and PoseC3D on ground-truth, LR-direct, bicubic and PDSR skeletons
extracted from low-resolution video.

    python tools/action_benchmark.py [--quick] [--pose-work-dir work_dirs/benchmark]
                                     [--out reports/action] [--work-dir work_dirs/action]
                                     [--make-smoke-pose] [--frozen-pose]
                                     [--<budget field> VALUE ...]

Generates (or reuses) the procedural action clips, extracts skeletons from their LR videos with
the pose job's checkpoints (``<pose-work-dir>/checkpoints.json``), trains and tests each
recognizer on each skeleton set with the same budget, in-process, and writes report.md /
report.json into --out: top-1 with 95% bootstrap intervals over val clips, paired differences,
gap closure with its interval. A rerun reuses every stage whose settings are unchanged.
``--quick`` is a smoke run of the whole path (tiny data and schedule); with
``--make-smoke-pose`` it makes its own barely trained pose checkpoints. ``--frozen-pose``
adds the pose job's frozen-oracle rows (bicubic and PDSR in front of the frozen HR oracle,
from ``tools/benchmark.py --frozen-pose``) as two more skeleton sources.
"""
import argparse
import shlex
import sys
from pathlib import Path

from benchmarks.action.job import QUICK, ActionBudget, run_action_benchmark
from benchmarks.action.report import markdown_table
from benchmarks.common.cli import add_budget_arguments, budget_with_arguments

import lrpose_mm  # noqa: F401  (registers the modules, applies the compatibility fixes)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true', help='a smoke run of the whole path')
    p.add_argument('--pose-work-dir', default=None,
                   help='folder with the pose job\'s checkpoints.json (default '
                   'work_dirs/benchmark, or work_dirs/quick with --quick)')
    p.add_argument('--make-smoke-pose', action='store_true',
                   help='train barely trained (2-iteration) pose checkpoints into '
                   '--pose-work-dir (smoke tests only)')
    p.add_argument('--out', default=None, help='report folder (default reports/action[_quick])')
    p.add_argument('--work-dir', default=None,
                   help='stages: skeletons, checkpoints, logs (default work_dirs/action[_quick])')
    add_budget_arguments(p, ActionBudget)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    budget = budget_with_arguments(QUICK if args.quick else ActionBudget(), args)
    tag = 'action_quick' if args.quick else 'action'
    pose = Path(args.pose_work_dir or ('work_dirs/quick' if args.quick else 'work_dirs/benchmark'))
    command = 'python ' + ' '.join(
        shlex.quote(a) for a in [sys.argv[0], *(argv if argv is not None else sys.argv[1:])])
    res = run_action_benchmark(Path(args.out or f'reports/{tag}'),
                               Path(args.work_dir or f'work_dirs/{tag}'), budget, pose, command,
                               make_smoke_pose=args.make_smoke_pose)
    print('\n' + markdown_table(res.rows, res.intervals))
    for t in res.targets:
        print(f'target: {t["target"]}: {t["note"]}')
    print(f'\nreport: {res.report}  ({res.meta["wall_seconds"]:.0f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
