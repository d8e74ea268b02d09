"""The adaptive threshold chosen on the sizes-tune split: each route evaluated once, every
grid threshold composed per person from the routes' predictions."""
import copy
import json
from pathlib import Path
from typing import Callable, Dict, Hashable, Sequence, Tuple

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


class ComposedRoutes:
    """The tune-split predictions of the same people through several routes, composed per
    person: ``which[p]`` names the route (an index into ``recs``) that person ``p`` of the
    dumps takes. Each person's prediction depends on its own crop only; the routes' NMS sets
    may differ slightly, so a composed score serves choosing, not reporting."""

    def __init__(self, recs: Sequence[StageRecord], gt_data: dict) -> None:
        self.instances = [load_instances(r.files['instances']) for r in recs]
        ref = self.instances[0]
        for rec, d in zip(recs[1:], self.instances[1:]):
            if not (np.array_equal(ref['img_id'], d['img_id'])
                    and np.allclose(ref['bbox'], d['bbox'])):
                raise ValueError(f'the dumps of {recs[0].name} and {rec.name} do not list the '
                                 'same people')
        self.results = [json.loads(Path(r.files['coco']).read_text()) for r in recs]
        self.person = [match_results(res, d) for res, d in zip(self.results, self.instances)]
        self.hits = [person_hits(d['pred'], d['gt'], d['mask'], d['bbox'])
                     for d in self.instances]
        ids = np.unique(ref['img_id'])
        self._pos, self._num_images = np.searchsorted(ids, ref['img_id']), len(ids)
        self._gt = coco_from(gt_data)
        self._image_ids = sorted(im['id'] for im in gt_data['images'])

    def ap(self, which: np.ndarray) -> float:
        """COCO keypoint AP of the composed predictions."""
        picked = [r for i, (results, person) in enumerate(zip(self.results, self.person))
                  for r, p in zip(results, person) if which[p] == i]
        ap = CocoKeypointAP(self._gt, copy.deepcopy(picked), coco_sigmas(), self._image_ids)
        return ap(np.arange(len(self._image_ids)))

    def pck(self, which: np.ndarray) -> float:
        """PCK@0.1 (MMPose's ``PCKAccuracy``) of the composed predictions."""
        mixed = np.choose(np.asarray(which)[:, None], self.hits)
        return per_image_pck(mixed, self._pos, self._num_images)(np.arange(self._num_images))


def choose(grid: Dict[Hashable, Tuple[float, float]],
           distance: Callable[[Hashable], float]) -> Hashable:
    """The grid key with the highest (AP, PCK@0.1); remaining ties go to the smallest
    ``distance`` (from the default)."""
    best = max(grid.values())
    return min((k for k, v in grid.items() if np.allclose(v, best, atol=1e-12)), key=distance)


def tune_route_stages(runner: StageRunner, base: Config, checkpoint: str, data: dict,
                      stage_prefix: str) -> Dict[str, StageRecord]:
    """The never-SR and always-SR evaluations of the tune split (``StageRunner`` reuses
    them for every caller with the same settings)."""
    return {route: runner.test(f'{stage_prefix}{route}',
                               with_pipeline(base, routed_pipeline(base, thr)), checkpoint,
                               dict(data=data['cache_key']), files=DUMP_FILES)
            for route, thr in (('never-sr', NEVER_SR), ('always-sr', ALWAYS_SR))}


def tune_threshold(runner: StageRunner, base: Config, checkpoint: str, data: dict,
                   default: float, stage_prefix: str = 'sizes-tune-') -> dict:
    """Choose the adaptive threshold on the tune split: the grid value with the highest
    composed AP, then PCK@0.1 (an untrained model has AP 0 everywhere); remaining ties go
    to the value nearest the default."""
    gt_data = json.loads(Path(data['ann_file']).read_text())
    recs = tune_route_stages(runner, base, checkpoint, data, stage_prefix)
    routes = ComposedRoutes([recs['never-sr'], recs['always-sr']], gt_data)
    heights = region_heights(routes.instances[0],
                             with_pipeline(base, routed_pipeline(base, NEVER_SR)))
    grid = {}
    for t in THRESHOLD_GRID:
        which = (heights < t).astype(np.int64)  # 0: never-SR, 1: always-SR
        grid[t] = (routes.ap(which), routes.pck(which))
    chosen = choose(grid, lambda t: abs(t - default))
    return dict(grid={str(k): dict(AP=v[0], PCK=v[1]) for k, v in grid.items()},
                chosen=chosen, default=default, num_images=data['num_images'],
                num_people=data['num_people'])
