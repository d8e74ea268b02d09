"""Generate the procedural skeleton-action dataset (LR + HR videos, GT
skeletons, track files, video lists). Deterministic by --seed; resumable.

    python tools/data/generate_actions.py data/actions --clips-per-class 20

Then, e.g.::

    python tools/extract_skeletons.py POSE_CFG CKPT \\
        --video-list data/actions/video_list.txt --out data/actions/lr.pkl
    python tools/train.py configs/action/stgcn_cpu-tiny_procedural-actions-gt.py
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                '..', '..')))


def _int_at_least(low: int):
    def parse(text: str) -> int:
        v = int(text)
        if v < low:
            raise argparse.ArgumentTypeError(f'must be an int >= {low}, got {v}')
        return v
    return parse


def _positive_float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f'must be a finite number > 0, got {text}')
    return v


def _non_negative_float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f'must be a finite number >= 0, got {text}')
    return v


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('out_dir')
    p.add_argument('--clips-per-class', type=_int_at_least(1), default=20)
    p.add_argument('--seed', type=_int_at_least(0), default=0)
    p.add_argument('--num-frames', type=_int_at_least(1), default=48)
    p.add_argument('--lr-size', type=_int_at_least(8), nargs=2, default=(80, 64),
                   metavar=('W', 'H'))
    p.add_argument('--scale', type=_int_at_least(1), default=4, help='HR = LR x scale')
    p.add_argument('--fps', type=_positive_float, default=15)
    p.add_argument('--classes', type=int, nargs='+', default=None,
                   help='class indices (default: all)')
    p.add_argument('--no-hr', action='store_true',
                   help='do not write the HR videos')
    p.add_argument('--lr-noise', type=_non_negative_float, default=2.0,
                   help='std of Gaussian noise added to LR frames')
    p.add_argument('--overwrite', action='store_true',
                   help='replace clips this tool generated with other settings '
                   '(files of any other tool are never touched)')
    p.add_argument('--no-progress', action='store_true')
    a = p.parse_args(argv)
    if a.classes is not None:
        from lrpose_mm.datasets.synthetic.actions import ACTION_CLASSES
        n = len(ACTION_CLASSES)
        if any(not 0 <= c < n for c in a.classes) or len(set(a.classes)) != len(a.classes):
            p.error(f'--classes: distinct indices in 0..{n - 1}, got {a.classes}')
    from lrpose_mm.datasets.synthetic.actions import generate_action_dataset
    meta = generate_action_dataset(
        a.out_dir, clips_per_class=a.clips_per_class, seed=a.seed,
        num_frames=a.num_frames, lr_size=tuple(a.lr_size), scale=a.scale,
        fps=a.fps, classes=a.classes,
        save_hr=not a.no_hr, lr_noise=a.lr_noise, overwrite=a.overwrite,
        progress=not a.no_progress)
    print(json.dumps(meta, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
