"""The adaptive threshold chosen on the sizes-tune split: never-SR and always-SR evaluated
once, every grid threshold composed per person from the two."""
import json
from pathlib import Path
from typing import Dict, Sequence

import numpy as np
from mmengine.config import Config
from mmpose.structures.bbox import bbox_xyxy2cs

from lrpose_mm.datasets.transforms import AdaptiveTopdownAffine
from lrpose_mm.evaluation import load_instances

from ..common.stages import StageRecord, StageRunner
from ..common.stats import CocoKeypointAP, per_image_pck, person_hits
from .evaluate import coco_from, coco_sigmas, match_results
from .pipelines import ALWAYS_SR, NEVER_SR, routed_pipeline, with_pipeline

DUMP_FILES = dict(coco='coco.keypoints.json', instances='instances.npz')
#: candidate thresholds (crop-region height, px) for --tune-threshold
THRESHOLD_GRID = (32.0, 48.0, 64.0, 80.0, 96.0, 112.0, 128.0, 160.0, 192.0, 256.0)


def region_heights(inst: Dict[str, np.ndarray], cfg: Config) -> np.ndarray:
    """Crop-region height of each dumped person, as ``AdaptiveTopdownAffine`` measures it
    (the GT box after ``GetBBoxCenterScale``'s padding and the aspect-ratio fix)."""
    pipe = cfg.test_dataloader.dataset.pipeline
    get = next(t for t in pipe if t['type'] == 'GetBBoxCenterScale')
    crop = next(t for t in pipe if t['type'] == 'AdaptiveTopdownAffine')
    t = AdaptiveTopdownAffine(crop['input_size'], crop['sr_scale'])
    _, scale = bbox_xyxy2cs(inst['bbox'].astype(np.float32), padding=get.get('padding', 1.25))
    return np.array([t.person_size(s[None]) for s in scale])


def routed_ap(never: StageRecord, always: StageRecord, heights: np.ndarray,
              threshold: float, gt_data: dict, image_ids: Sequence[int]) -> float:
    """AP of adaptive routing at ``threshold`` composed from the never-SR and always-SR
    results (each person's prediction depends on its own crop only; the two runs' NMS
    sets may differ slightly, so this serves choosing, not reporting)."""
    picked = []
    for rec, keep in ((never, heights >= threshold), (always, heights < threshold)):
        results = json.loads(Path(rec.files['coco']).read_text())
        person = match_results(results, load_instances(rec.files['instances']))
        picked += [r for r, p in zip(results, person) if keep[p]]
    ap = CocoKeypointAP(coco_from(gt_data), picked, coco_sigmas(), image_ids)
    return ap(np.arange(len(image_ids)))


def routed_pck(never: Dict[str, np.ndarray], always: Dict[str, np.ndarray],
               heights: np.ndarray, threshold: float) -> float:
    """PCK@0.1 (MMPose's ``PCKAccuracy``) of adaptive routing at ``threshold``, composed
    per person from the never-SR and always-SR dumps (same people, same order)."""
    if not (np.array_equal(never['img_id'], always['img_id'])
            and np.allclose(never['bbox'], always['bbox'])):
        raise ValueError('the never-SR and always-SR dumps do not list the same people')
    hits = [person_hits(d['pred'], d['gt'], d['mask'], d['bbox']) for d in (never, always)]
    mixed = np.where((heights >= threshold)[:, None], hits[0], hits[1])
    ids = np.unique(never['img_id'])
    pos = np.searchsorted(ids, never['img_id'])
    return per_image_pck(mixed, pos, len(ids))(np.arange(len(ids)))


def tune_threshold(runner: StageRunner, base: Config, checkpoint: str, data: dict,
                   default: float, stage_prefix: str = 'sizes-tune-') -> dict:
    """Choose the adaptive threshold on the tune split: the grid value with the highest
    composed AP, then PCK@0.1 (an untrained model has AP 0 everywhere); remaining ties go
    to the value nearest the default."""
    gt_data = json.loads(Path(data['ann_file']).read_text())
    image_ids = sorted(im['id'] for im in gt_data['images'])
    recs = {}
    for route, thr in (('never-sr', NEVER_SR), ('always-sr', ALWAYS_SR)):
        cfg = with_pipeline(base, routed_pipeline(base, thr))
        recs[route] = runner.test(f'{stage_prefix}{route}', cfg, checkpoint,
                                  dict(data=data['cache_key']), files=DUMP_FILES)
    never = load_instances(recs['never-sr'].files['instances'])
    always = load_instances(recs['always-sr'].files['instances'])
    heights = region_heights(never, with_pipeline(base, routed_pipeline(base, NEVER_SR)))
    grid = {t: (routed_ap(recs['never-sr'], recs['always-sr'], heights, t, gt_data,
                          image_ids), routed_pck(never, always, heights, t))
            for t in THRESHOLD_GRID}
    best = max(grid.values())
    chosen = min((t for t, v in grid.items() if np.allclose(v, best, atol=1e-12)),
                 key=lambda t: abs(t - default))
    return dict(grid={str(k): dict(AP=v[0], PCK=v[1]) for k, v in grid.items()},
                chosen=chosen, default=default, num_images=data['num_images'],
                num_people=data['num_people'])

