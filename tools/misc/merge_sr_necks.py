"""Merge SR necks trained at other factors into one checkpoint for scale-aware inference.

    python tools/misc/merge_sr_necks.py BASE.pth --extra 2 X2.pth --out MERGED.pth

``BASE.pth``: the checkpoint with the primary (e.g. x4) ``sr_neck`` and the pose network;
each ``--extra K CKPT``: a checkpoint whose ``sr_neck`` has factor K, trained in front of the
same pose network kept frozen (a plug-in config such as
``configs/pose/pdsr-x2_hrnet-w32-frozen_8xb64-20e_coco-lr128x96.py``). The result loads into a
config with ``model.extra_sr_necks`` (e.g. ``pdsr-x4-x2-adaptive_..._coco-mixed.py``). A neck
trained for another pose network is refused; the output is written atomically and never over
an input.
"""
import argparse
import os
import sys

import lrpose_mm  # noqa: F401  (applies the compat fixes checkpoint loading needs)
from lrpose_mm.models import merge_sr_neck_checkpoints


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('base', help='checkpoint with the primary sr_neck and the pose network')
    p.add_argument('--extra', nargs=2, action='append', metavar=('FACTOR', 'CKPT'),
                   required=True, help='an SR factor and the checkpoint of its neck')
    p.add_argument('--out', required=True, help='merged checkpoint (.pth)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    args = p.parse_args(argv)
    extra = {}
    for factor, path in args.extra:
        if not factor.isdigit() or int(factor) < 1:
            p.error(f'--extra FACTOR must be an int >= 1, got {factor!r}')
        if int(factor) in extra:
            p.error(f'--extra {factor} given twice')
        extra[int(factor)] = path
    for path in [args.base, *extra.values()]:
        if not os.path.isfile(path):
            p.error(f'checkpoint {path!r} is not a file')
    out = os.path.realpath(args.out)
    if out in {os.path.realpath(x) for x in [args.base, *extra.values()]}:
        p.error('--out must not be one of the input checkpoints')
    if os.path.exists(out) and not args.overwrite:
        p.error(f'--out {args.out!r} exists (add --overwrite to replace it)')
    args.extra = extra
    return args


def main(argv=None) -> str:
    args = parse_args(argv)
    try:
        out = merge_sr_neck_checkpoints(args.base, args.extra, args.out)
    except ValueError as e:
        sys.exit(f'error: {e}')
    print(f'{out}: {args.base} + ' + ', '.join(f'x{k} neck of {v}'
                                               for k, v in sorted(args.extra.items())))
    return out


if __name__ == '__main__':
    main()
