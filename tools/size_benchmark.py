"""Mixed-size and real low-resolution evaluation of the pose benchmark's checkpoints.

    python tools/size_benchmark.py --work-dir work_dirs/benchmark [--out reports/sizes]
                                   [--quick] [--threshold PX | --tune-threshold]
                                   [--parts sizes real-lr]

Needs a finished pose benchmark work dir (``checkpoints.json``, ``budget.json``).
Mixed sizes: procedural people about 20-300 px tall, AP / PCK@0.1 by height bucket for
never-SR, always-SR and adaptive inference of the PDSR checkpoint (plus the HR oracle).
Real LR: val images shrunk x4 before cropping vs the main table's simulated LR. Writes
report.md / report.json with 95% bootstrap intervals and paired differences into --out.
"""
import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

from benchmarks.common.cli import positive_float, positive_int
from benchmarks.sizes.job import SIZES_BUDGETS, run_sizes_benchmark

import lrpose_mm  # noqa: F401  (registers the modules, applies the compatibility fixes)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--work-dir', default='work_dirs/benchmark',
                   help='the pose benchmark work dir (checkpoints.json); stages go there too')
    p.add_argument('--out', default='reports/sizes', help='report folder')
    p.add_argument('--quick', action='store_true', help='12 images, 50 resamples (smoke run)')
    p.add_argument('--num-images', type=positive_int, default=None, help='mixed-size images')
    p.add_argument('--n-resamples', type=positive_int, default=None, help='bootstrap resamples')
    p.add_argument('--threshold', type=positive_float, default=None,
                   help='adaptive size threshold (crop-region height, px); default the '
                   'pose input height')
    p.add_argument('--tune-threshold', action='store_true',
                   help='choose the adaptive threshold on a separate sizes-tune split '
                   '(never on the evaluation images)')
    p.add_argument('--parts', nargs='+', choices=('sizes', 'real-lr'),
                   default=['sizes', 'real-lr'])
    p.add_argument('--real-lr-rows', nargs='+', default=None,
                   help='rows of checkpoints.json for the real-LR part (default every LR row)')
    args = p.parse_args(argv)
    if args.tune_threshold and args.threshold is not None:
        p.error('--threshold and --tune-threshold exclude each other')
    return args


def main() -> None:
    args = parse_args()
    sizes = dataclasses.replace(SIZES_BUDGETS['quick' if args.quick else 'default'])
    for name in ('num_images', 'n_resamples', 'threshold', 'real_lr_rows', 'tune_threshold'):
        if getattr(args, name) is not None:
            setattr(sizes, name, getattr(args, name))
    command = 'python ' + ' '.join(shlex.quote(a) for a in sys.argv)
    report = run_sizes_benchmark(Path(args.out), Path(args.work_dir), sizes, command,
                                 parts=args.parts)
    print(f'\nreport: {Path(args.out) / "report.md"}  '
          f'({report["meta"]["wall_seconds"] / 60:.1f} min)')


if __name__ == '__main__':
    main()
