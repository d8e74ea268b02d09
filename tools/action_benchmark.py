"""Action benchmark: ST-GCN on ground-truth, LR-direct, bicubic and PDSR
skeletons extracted from low-resolution video.

    python tools/action_benchmark.py [--quick] [--pose-work-dir work_dirs/benchmark]
                                     [--out reports/action] [--work-dir work_dirs/action]
                                     [--posec3d]

Generates (or reuses) the procedural action dataset, extracts skeletons from
its LR videos with the pose benchmark's checkpoints (batched, real-LR
pipeline), trains and tests ST-GCN on each skeleton set with the same budget
(tools/train.py, tools/test.py), times batched vs per-frame extraction, and
writes report.md / report.json into --out. Rerunning skips finished stages.
``--quick`` is a ~2-minute smoke run (tiny data and schedule; by default on
the pose benchmark's quick checkpoints in work_dirs/quick).
"""
import argparse
import dataclasses
import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                '..')))


def _bool(s: str) -> bool:
    if s.lower() in ('1', 'true', 'yes', 'on'):
        return True
    if s.lower() in ('0', 'false', 'no', 'off'):
        return False
    raise argparse.ArgumentTypeError(f'expected true/false, got {s!r}')


def parse_args(argv=None) -> argparse.Namespace:
    from lrpose_mm.action.benchmark import ActionBudget
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true',
                   help='a ~2-minute smoke run (tiny data and schedule)')
    p.add_argument('--pose-work-dir', default=None,
                   help='pose benchmark work dir with <variant>/done.json '
                   '(default work_dirs/benchmark, or work_dirs/quick with '
                   '--quick)')
    p.add_argument('--make-smoke-pose', action='store_true',
                   help='create barely trained (2-iteration) pose checkpoints '
                   'in --pose-work-dir where missing (smoke tests only)')
    p.add_argument('--out', default=None,
                   help='report folder (default reports/action or '
                   'reports/action_quick)')
    p.add_argument('--work-dir', default=None,
                   help='skeletons, checkpoints, logs (default '
                   'work_dirs/action or work_dirs/action_quick)')
    p.add_argument('--posec3d', action='store_true',
                   help='also train/test PoseC3D on every skeleton set')
    for f in dataclasses.fields(ActionBudget):
        typ = f.type if isinstance(f.type, type) else eval(f.type)
        if typ is bool:
            typ = _bool
        p.add_argument('--' + f.name.replace('_', '-'), type=typ, default=None,
                       help=f'override the budget ({f.name})')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import lrpose_mm  # noqa: F401  (compat fixes, registries)
    from lrpose_mm.action.benchmark import (QUICK, ActionBudget,
                                            markdown_table,
                                            run_action_benchmark)
    budget = dataclasses.replace(QUICK if args.quick else ActionBudget())
    for f in dataclasses.fields(ActionBudget):
        v = getattr(args, f.name)
        if v is not None:
            setattr(budget, f.name, v)
    tag = 'action_quick' if args.quick else 'action'
    out = Path(args.out or f'reports/{tag}')
    work = Path(args.work_dir or f'work_dirs/{tag}')
    pose = Path(args.pose_work_dir or
                ('work_dirs/quick' if args.quick else 'work_dirs/benchmark'))
    command = 'python ' + ' '.join(shlex.quote(a) for a in
                                   [sys.argv[0], *(argv if argv is not None
                                                   else sys.argv[1:])])
    res = run_action_benchmark(out, work, budget, pose, command,
                               posec3d=args.posec3d,
                               make_smoke_pose=args.make_smoke_pose)
    print('\n' + markdown_table(res.rows))
    tp = res.throughput
    print(f'\nextraction ({tp["model"]}): batched '
          f'{tp["batched_crops_per_s"]:.1f} crops/s vs per-frame '
          f'{tp["per_frame_crops_per_s"]:.1f} crops/s = {tp["speedup"]:.2f}x')
    for t in res.targets:
        print(f'target: {t["target"]}: {t["note"]}')
    print(f'\nreport: {res.report}  ({res.meta["wall_seconds"]:.0f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
