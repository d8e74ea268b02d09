"""Trained benchmark models in-process: cost table and the picture grid."""
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Tuple

import cv2
import numpy as np
import torch

# COCO-17 limbs, left side (odd indices) drawn in one colour, right side in another
_LIMBS = [(15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7),
          (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6)]


@dataclass
class LoadedModel:
    key: str
    model: torch.nn.Module
    cfg: object
    dataset: object


def load_models(specs: Sequence[Tuple[str, Path, str, Mapping]]) -> Dict[str, LoadedModel]:
    """Build each (key, config, checkpoint, cfg_options) model on CPU with its val dataset."""
    from mmpose.apis import init_model
    from mmpose.registry import DATASETS
    out = {}
    for key, config, ckpt, options in specs:
        model = init_model(str(config), ckpt, device='cpu', cfg_options=dict(options))
        dataset = DATASETS.build(model.cfg.val_dataloader.dataset)
        out[key] = LoadedModel(key, model, model.cfg, dataset)
    return out


def _input_hw(lm: LoadedModel) -> Tuple[int, int]:
    sample = lm.dataset[0]
    return tuple(sample['inputs'].shape[-2:])


def cost_table(models: Dict[str, LoadedModel], batch: int = 32, rounds: int = 5) -> Dict[str, dict]:
    """Params/GFLOPs per model and CPU images/s measured side by side in one run."""
    from .cost import estimator_complexity, throughput_side_by_side
    costs, runs = {}, {}
    for key, lm in models.items():
        hw = _input_hw(lm)
        costs[key] = estimator_complexity(lm.model, hw)
        x = torch.randn(batch, 3, *hw)
        runs[key] = (lambda t, m=lm.model: m(t, None, mode='tensor'), x)
    for key, ips in throughput_side_by_side(runs, rounds=rounds).items():
        costs[key]['cpu_img_per_s'] = ips
    return costs


def _to_bgr_uint8(img: torch.Tensor) -> np.ndarray:
    """(3,H,W) tensor in BGR 0..255 (a packed input) -> HxWx3 uint8."""
    arr = img.detach().cpu().float().numpy().transpose(1, 2, 0)
    return np.clip(arr, 0, 255).astype(np.uint8).copy()


def _sr_image_bgr(sample) -> np.ndarray:
    """The SR output attached to a prediction (``pred_sr_img``: float 3xHxW, 0..255, BGR)."""
    return _to_bgr_uint8(sample.pred_sr_img)


def _draw(img: np.ndarray, kpts: np.ndarray, scores: np.ndarray, thr: float = 0.2) -> np.ndarray:
    img = img.copy()
    for a, b in _LIMBS:
        if scores[a] > thr and scores[b] > thr:
            color = (255, 128, 0) if a % 2 == 1 and b % 2 == 1 else (
                (0, 128, 255) if a % 2 == 0 and b % 2 == 0 and a > 0 else (0, 255, 0))
            cv2.line(img, tuple(int(v) for v in kpts[a]), tuple(int(v) for v in kpts[b]), color, 1,
                     cv2.LINE_AA)
    for j in range(17):
        if scores[j] > thr:
            cv2.circle(img, tuple(int(v) for v in kpts[j]), 2,
                       (255, 128, 0) if j % 2 == 1 else (0, 128, 255), -1, cv2.LINE_AA)
    return img


def _image_to_crop(kpts: np.ndarray, meta: dict, crop_wh: Tuple[int, int]) -> np.ndarray:
    """Map image-space keypoints into the crop frame of a top-down sample."""
    center = np.asarray(meta['input_center'], np.float32)
    scale = np.asarray(meta['input_scale'], np.float32)
    return (kpts - center + 0.5 * scale) / scale * np.asarray(crop_wh, np.float32)


@torch.no_grad()
def picture_grid(models: Dict[str, LoadedModel], columns: List[Tuple[str, str]], path: Path,
                 num_samples: int = 6, cell: Tuple[int, int] = (96, 128)) -> Path:
    """Rows = val people; columns = each variant's network input/SR output with its keypoints."""
    from mmengine.dataset import pseudo_collate
    any_ds = next(iter(models.values())).dataset
    n = len(any_ds)
    idx = np.linspace(0, n - 1, num=min(num_samples, n)).round().astype(int).tolist()
    cw, ch = cell
    rows = []
    for i in idx:
        tiles = []
        for key, title in columns:
            lm = models[key]
            data = pseudo_collate([lm.dataset[i]])
            lm.model.test_cfg['output_sr'] = True
            pred = lm.model.test_step(data)[0]
            inp = _to_bgr_uint8(data['inputs'][0])
            if key in ('lr-direct', 'hr-oracle', 'lr-direct-simcc'):
                view = inp  # the network input itself (the LR crop, or the HR crop)
            else:
                view = _sr_image_bgr(pred)
            view = cv2.resize(view, (cw, ch), interpolation=cv2.INTER_NEAREST)
            kp = _image_to_crop(pred.pred_instances.keypoints[0], pred.metainfo, (cw, ch))
            tiles.append(_draw(view, kp, pred.pred_instances.keypoint_scores[0]))
        rows.append(np.concatenate(tiles, 1))
    grid = np.concatenate(rows, 0)
    header = np.full((22, grid.shape[1], 3), 255, np.uint8)
    for c, (_, title) in enumerate(columns):
        cv2.putText(header, title[:16], (c * cw + 2, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (0, 0, 0), 1,
                    cv2.LINE_AA)
    grid = np.concatenate([header, grid], 0)
    grid = cv2.resize(grid, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(path) + '.tmp.png'
    cv2.imwrite(tmp, grid)
    os.replace(tmp, path)
    return path
