"""A picture of what the SR front end does: LR crop | SR crop | SR crop with the estimated skeleton.

    python tools/analysis/sr_figure.py CONFIG CHECKPOINT --out docs/images/lr_sr_pose.png \
        [--indices 0 5 9] [--magnify 3] [--cfg-options test_dataloader.dataset.data_root=...]

One row per person of the config's test dataset (its own pipeline: the evaluation's
deterministic degradation), the skeleton drawn by MMPose's visualiser (through
``lrpose_mm.visualization.draw_skeletons``). The PNG is written atomically.
"""
import argparse
from typing import List, Tuple

import cv2
import numpy as np
from mmengine.config import Config, DictAction


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', required=True, help='PNG to write')
    p.add_argument('--indices', type=int, nargs='+', default=[0, 1, 2],
                   help='people of the test dataset, one row each')
    p.add_argument('--magnify', type=int, default=3, help='pixels per SR pixel in the picture')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = p.parse_args(argv)
    if args.magnify < 1:
        p.error(f'--magnify must be at least 1, got {args.magnify}')
    if any(i < 0 for i in args.indices):
        p.error(f'--indices must be non-negative, got {args.indices}')
    return args


def _label(img: np.ndarray, text: str) -> np.ndarray:
    img = img.copy()
    cv2.rectangle(img, (0, 0), (img.shape[1], 14), (255, 255, 255), -1)
    cv2.putText(img, text, (3, 11), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def person_row(model, dataset, index: int, magnify: int) -> np.ndarray:
    """LR | SR | SR + skeleton for one person, each at the SR size times ``magnify``."""
    from lrpose_mm.apis import predict_with_sr
    from lrpose_mm.models.utils import image_to_input_coords
    from lrpose_mm.visualization import draw_skeletons
    packed = dataset[index]
    sr, pred = predict_with_sr(model, packed)
    lr = packed['inputs'].numpy().transpose(1, 2, 0).astype(np.uint8)
    h, w = sr.shape[:2]
    size = (w * magnify, h * magnify)
    kpts = image_to_input_coords(pred.pred_instances.keypoints[0], pred.metainfo['input_center'],
                                 pred.metainfo['input_scale'], size)
    big_sr = cv2.resize(sr, size, interpolation=cv2.INTER_NEAREST)
    tiles = [
        _label(cv2.resize(lr, size, interpolation=cv2.INTER_NEAREST),
               f'LR {lr.shape[0]}x{lr.shape[1]}'),
        _label(big_sr, f'SR x{h // lr.shape[0]}'),
        _label(draw_skeletons(big_sr, kpts[None], kpt_thr=0.0, radius=3, line_width=2),
               'pose on SR'),
    ]
    return np.concatenate(tiles, 1)


def render(cfg: Config, checkpoint: str, indices: List[int], magnify: int) -> np.ndarray:
    from mmpose.registry import DATASETS

    from lrpose_mm.apis import init_pose_model
    model = init_pose_model(cfg, checkpoint, device='cpu')
    if getattr(model, 'sr_neck', None) is None:
        raise ValueError(f'{checkpoint}: the model has no SR neck, nothing to show')
    dataset = DATASETS.build(model.cfg.test_dataloader.dataset)
    bad = [i for i in indices if i >= len(dataset)]
    if bad:
        raise ValueError(f'--indices {bad}: the test dataset has {len(dataset)} people')
    rows = [person_row(model, dataset, i, magnify) for i in indices]
    gap = np.full((4, rows[0].shape[1], 3), 255, np.uint8)
    return np.concatenate([x for r in rows for x in (r, gap)][:-1], 0)


def main(argv=None) -> Tuple[str, Tuple[int, ...]]:
    from lrpose_mm.fileio import atomic_path
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    picture = render(cfg, args.checkpoint, args.indices, args.magnify)
    with atomic_path(args.out) as tmp:   # keeps the extension: cv2 picks PNG from it
        if not cv2.imwrite(tmp, picture):
            raise OSError(f'could not write {args.out}')
    print(f'wrote {args.out} ({picture.shape[1]}x{picture.shape[0]})')
    return args.out, picture.shape


if __name__ == '__main__':
    main()
