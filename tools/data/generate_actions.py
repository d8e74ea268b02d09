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
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                '..', '..')))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('out_dir')
    p.add_argument('--clips-per-class', type=int, default=20)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-frames', type=int, default=48)
    p.add_argument('--lr-size', type=int, nargs=2, default=(80, 64),
                   metavar=('W', 'H'))
    p.add_argument('--scale', type=int, default=4, help='HR = LR x scale')
    p.add_argument('--fps', type=float, default=15)
    p.add_argument('--classes', type=int, nargs='+', default=None,
                   help='class indices (default: all)')
    p.add_argument('--no-hr', action='store_true',
                   help='do not write the HR videos')
    p.add_argument('--lr-noise', type=float, default=2.0,
                   help='std of Gaussian noise added to LR frames')
    p.add_argument('--overwrite', action='store_true')
    p.add_argument('--no-progress', action='store_true')
    a = p.parse_args(argv)
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
