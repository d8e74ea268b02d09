"""Trained benchmark models in-process: the cost table and the PDSR-vs-bicubic picture grid."""
import os
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.registry import DATASETS
from mmpose.structures import PoseDataSample
from mmpose.visualization import PoseLocalVisualizer

from lrpose_mm.analysis import estimator_complexity, throughput_side_by_side
from lrpose_mm.apis import init_pose_model, predict_with_sr
from lrpose_mm.evaluation import load_instances
from lrpose_mm.models.utils import image_to_input_coords


class LoadedModel:
    """A checkpoint built for inference with its val dataset."""

    def __init__(self, cfg: Config, checkpoint: str) -> None:
        self.model = init_pose_model(cfg, checkpoint, device='cpu')
        self.dataset = DATASETS.build(self.model.cfg.test_dataloader.dataset)

    def input_hw(self) -> Tuple[int, int]:
        return tuple(self.dataset[0]['inputs'].shape[-2:])


def load_models(specs: Mapping[str, Tuple[Config, str]]) -> Dict[str, LoadedModel]:
    return {k: LoadedModel(cfg, ckpt) for k, (cfg, ckpt) in specs.items()}


def cost_table(models: Dict[str, LoadedModel], batch: int = 32, rounds: int = 5
               ) -> Dict[str, dict]:
    """Params/GFLOPs per model (mmengine.analysis) and CPU img/s timed side by side."""
    costs, runs = {}, {}
    for key, lm in models.items():
        hw = lm.input_hw()
        costs[key] = estimator_complexity(lm.model, hw)
        runs[key] = (lambda t, m=lm.model: m(t, None, mode='tensor'), torch.randn(batch, 3, *hw))
    for key, ips in throughput_side_by_side(runs, rounds=rounds).items():
        costs[key]['cpu_img_per_s'] = ips
    return costs


def person_error(inst: Dict[str, np.ndarray]) -> np.ndarray:
    """Mean keypoint error of each person over its labelled keypoints, in units of the
    larger side of its GT box (NaN where nothing is labelled)."""
    d = np.linalg.norm(inst['pred'] - inst['gt'], axis=-1)
    size = np.max(inst['bbox'][:, 2:] - inst['bbox'][:, :2], axis=1)
    m = inst['mask'].astype(bool)
    with np.errstate(invalid='ignore'):
        return np.where(m.any(1), (d * m).sum(1) / np.maximum(m.sum(1), 1), np.nan) / size


def _visualizer(metainfo: dict):
    vis = PoseLocalVisualizer(name=f'grid_{id(metainfo)}', radius=1, line_width=1)
    vis.set_dataset_meta(metainfo)
    return vis


def _tile(vis, img: np.ndarray, kpts: Optional[np.ndarray], text: str,
          cell: Tuple[int, int]) -> np.ndarray:
    """``img`` (BGR) resized to ``cell`` with ``kpts`` (crop pixels of ``img``) drawn by
    MMPose's visualiser and ``text`` written on top."""
    cw, ch = cell
    sx, sy = cw / img.shape[1], ch / img.shape[0]
    view = cv2.resize(img, (cw, ch), interpolation=cv2.INTER_NEAREST)
    if kpts is not None:
        ds = PoseDataSample()
        ds.pred_instances = InstanceData(keypoints=(kpts * [sx, sy])[None],
                                         keypoint_scores=np.ones((1, len(kpts))))
        vis.add_datasample('tile', view[..., ::-1].copy(), ds, draw_gt=False, draw_bbox=False,
                           show=False, kpt_thr=0.0)
        view = vis.get_image()[..., ::-1].copy()
    cv2.rectangle(view, (0, 0), (cw, 12), (255, 255, 255), -1)
    cv2.putText(view, text, (2, 9), cv2.FONT_HERSHEY_SIMPLEX, 0.3, (0, 0, 0), 1, cv2.LINE_AA)
    return view


def _to_crop(kpts: np.ndarray, meta: dict, crop_wh: Tuple[int, int]) -> np.ndarray:
    """Image-space keypoints -> pixels of a top-down crop of size ``crop_wh``."""
    return image_to_input_coords(kpts, meta['input_center'], meta['input_scale'], crop_wh)


def _sr_view(lm: LoadedModel, index: int) -> Tuple[np.ndarray, dict, dict]:
    """(SR output as BGR uint8, metainfo, the packed sample) of val sample ``index``."""
    packed = lm.dataset[index]
    sr, pred = predict_with_sr(lm.model, packed)
    return sr, pred.metainfo, packed


def difference_grid(models: Dict[str, LoadedModel], rows: Mapping, path: Path,
                    per_side: int = 3, cell: Tuple[int, int] = (96, 128)) -> Path:
    """The val people where PDSR and bicubic differ most in keypoint error, both ways.

    Columns: LR input | bicubic | PDSR | HR crop with GT. Each SR tile shows that row's
    predicted keypoints and its error (mean over labelled keypoints, in % of the box).
    """
    err = {k: person_error(load_instances(rows[k].test[0].files['instances']))
           for k in ('bicubic', 'pdsr')}
    gt_inst = load_instances(rows['pdsr'].test[0].files['instances'])
    diff = err['pdsr'] - err['bicubic']
    order = np.argsort(np.where(np.isnan(diff), 0, diff))
    wins, losses = order[:per_side], order[::-1][:per_side]
    vis = _visualizer(models['pdsr'].dataset.metainfo)
    lines = []
    for group, idx in (('PDSR better', wins), ('PDSR worse', losses)):
        for i in idx:
            i = int(i)
            tiles = []
            bic_img, meta, data = _sr_view(models['bicubic'], i)
            lr = data['inputs'].numpy().transpose(1, 2, 0).astype(np.uint8).copy()
            tiles.append(_tile(vis, lr, None, f'{group}: LR', cell))
            for key in ('bicubic', 'pdsr'):
                img, meta, _ = _sr_view(models[key], i)
                kp = load_instances(rows[key].test[0].files['instances'])['pred'][i]
                crop = _to_crop(kp, meta, (img.shape[1], img.shape[0]))
                tiles.append(_tile(vis, img, crop, f'{key} err {100 * err[key][i]:.1f}%', cell))
            hr = models['hr-oracle'].dataset[i]['inputs'].numpy().transpose(1, 2, 0)
            hr = np.ascontiguousarray(hr.astype(np.uint8))
            gt = _to_crop(gt_inst['gt'][i], meta, (hr.shape[1], hr.shape[0]))
            tiles.append(_tile(vis, hr, gt, 'HR + GT', cell))
            lines.append(np.concatenate(tiles, 1))
    grid = cv2.resize(np.concatenate(lines, 0), None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(path) + '.tmp.png'
    cv2.imwrite(tmp, grid)
    os.replace(tmp, path)
    return path
