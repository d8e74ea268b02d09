#!/usr/bin/env python
"""Generate (or reuse) the procedural COCO-format people dataset.

Example::

    python tools/data/generate_people.py --out data/synthetic_people \\
        --num-train 2000 --num-val 300 --seed 0 --img-size 256 192

writes ``annotations/person_keypoints_{train,val}.json`` and ``{train,val}/``
under ``--out``; a second run with the same parameters reuses the data.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))


def _int_at_least(low: int):
    def parse(text: str) -> int:
        v = int(text)
        if v < low:
            raise argparse.ArgumentTypeError(f'must be an int >= {low}, got {v}')
        return v
    return parse


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True, help='dataset root folder')
    p.add_argument('--num-train', type=_int_at_least(0), default=2000,
                   help='training images (0: none)')
    p.add_argument('--num-val', type=_int_at_least(0), default=300,
                   help='validation images (0: none)')
    p.add_argument('--seed', type=_int_at_least(0), default=0)
    p.add_argument('--img-size', type=_int_at_least(32), nargs=2, default=(256, 192),
                   metavar=('W', 'H'))
    p.add_argument('--people-per-image', type=_int_at_least(1), nargs=2, default=(1, 4),
                   metavar=('MIN', 'MAX'))
    p.add_argument('--backgrounds', default=None,
                   help='optional folder of photos used as backgrounds')
    p.add_argument('--workers', type=_int_at_least(1), default=2)
    p.add_argument('--format', choices=('jpg', 'png'), default='jpg')
    p.add_argument('--overwrite', action='store_true',
                   help='replace a split this tool generated with other settings (a folder '
                   'written by anything else is always refused)')
    p.add_argument('--force', action='store_true',
                   help='regenerate even if cached (implies --overwrite)')
    p.add_argument('--no-progress', action='store_true')
    p.add_argument('--preview', default=None, metavar='PNG',
                   help='also write a grid of annotated sample scenes here')
    args = p.parse_args(argv)
    if args.num_train == 0 and args.num_val == 0:
        p.error('--num-train and --num-val are both 0: nothing to generate')
    if args.people_per_image[0] > args.people_per_image[1]:
        p.error(f'--people-per-image: MIN > MAX ({args.people_per_image})')
    if args.backgrounds is not None and not os.path.isdir(args.backgrounds):
        p.error(f'--backgrounds: {args.backgrounds} is not a folder')
    return args


def main(argv=None):
    args = parse_args(argv)
    # import the subpackage only (no MMPose registration needed)
    from lrpose_mm.datasets.synthetic import generate_coco_people, make_preview_grid
    kw = dict(seed=args.seed, img_size=tuple(args.img_size),
              people_per_image=tuple(args.people_per_image),
              backgrounds_dir=args.backgrounds, workers=args.workers,
              progress=not args.no_progress, image_format=args.format, force=args.force,
              overwrite=args.overwrite)
    out = {}
    t0 = time.time()
    for split, n in (('train', args.num_train), ('val', args.num_val)):
        if n <= 0:
            continue
        info = generate_coco_people(args.out, n, split_name=split, **kw)
        out[split] = info
        state = 'reused (cache key matches)' if info['cached'] else \
            f'generated in {info["seconds"]:.1f}s'
        print(f'[{split}] {info["num_images"]} images, {info["num_people"]} people, '
              f'keypoints visible/occluded/outside = {info["keypoints_visible"]}/'
              f'{info["keypoints_occluded"]}/{info["keypoints_outside"]}: {state}')
        print(f'  ann_file: {info["ann_file"]}')
        print(f'  images:   {info["img_dir"]}')
    if args.preview:
        make_preview_grid(args.preview, seed=args.seed, img_size=tuple(args.img_size),
                          backgrounds_dir=args.backgrounds,
                          people_per_image=tuple(args.people_per_image))
        print(f'preview: {args.preview}')
    print(f'total {time.time() - t0:.1f}s')
    print(json.dumps({k: {kk: v[kk] for kk in ('ann_file', 'data_prefix', 'cache_key')}
                      for k, v in out.items()}))
    return out


if __name__ == '__main__':
    main()
