"""The test pipelines of the mixed-size and real-LR evaluations: a config's pipeline routed
through ``AdaptiveTopdownAffine`` at a threshold, or cropping real LR images straight to the
LR size (the library's :func:`lrpose_mm.action.real_lr_pipeline`), and how far real LR crops
are from simulated ones."""
import copy
from types import SimpleNamespace
from typing import List, Tuple, Union

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpose.datasets.transforms import TopdownAffine
from mmpose.registry import DATASETS
from mmpose.structures.bbox import get_warp_matrix

from lrpose_mm.apis import adaptive_pipeline

#: thresholds that make AdaptiveTopdownAffine route every person one way
NEVER_SR, ALWAYS_SR = 1e-6, 1e9
ROUTES = ('never-sr', 'always-sr', 'adaptive')


def routed_pipeline(cfg: Config, threshold: Union[None, float, Tuple[float, ...]]
                    ) -> List[dict]:
    """``cfg``'s test pipeline made resolution-adaptive by ``lrpose_mm.apis``'s
    ``adaptive_pipeline`` (the model's sizes and SR factors, ``extra_sr_necks``
    included, are read from the config, no model built); one threshold per factor."""
    scales = (int(cfg.model.sr_neck.scale), *sorted(
        (int(n['scale']) for n in cfg.model.get('extra_sr_necks') or ()), reverse=True))
    model = SimpleNamespace(sr_scale=scales[0], sr_scales=scales, head=SimpleNamespace(
        decoder=SimpleNamespace(input_size=tuple(cfg.model.head.decoder.input_size))))
    return adaptive_pipeline(model, threshold, cfg.test_dataloader.dataset.pipeline)



def with_pipeline(cfg: Config, pipeline: List[dict]) -> Config:
    """``cfg`` evaluated through ``pipeline``; the SR-quality metric is dropped (no HR
    crop exists to compare the SR image with)."""
    cfg = copy.deepcopy(cfg)
    cfg.test_dataloader.dataset.pipeline = pipeline  # (the pose job's configure drops validation)
    cfg.test_evaluator = [ev for ev in cfg.test_evaluator if ev['type'] != 'SRQualityMetric']
    return cfg


def crop_geometry(cfg: Config) -> Tuple[Tuple[int, int], float]:
    """The (w, h) crop of ``cfg``'s ``TopdownAffine`` and the box padding of its
    ``GetBBoxCenterScale`` (MMPose's default 1.25 when unset)."""
    pipe = cfg.test_dataloader.dataset.pipeline
    w, h = next(t for t in pipe if t['type'] == 'TopdownAffine')['input_size']
    get = next(t for t in pipe if t['type'] == 'GetBBoxCenterScale')
    return (int(w), int(h)), float(get.get('padding', 1.25))


def lr_input_gap(sim_cfg: Config, real_cfg: Config, factor: int,
                 max_people: int = 300) -> dict:
    """How far the real LR crops are from the simulated ones, pixel by pixel, on the same
    people (the first ``max_people``): mean absolute difference (0-255) as cropped, and
    with the real crop moved by the sampling phase of the two routes.

    ``TopdownAffine`` maps the box centre to the crop centre at any size, so a crop taken
    at the HR size and reduced ``factor`` x samples the person ``(factor - 1) / (2 *
    factor)`` LR pixels (0.375 at x4) away from a crop taken at the LR size: same window,
    other sampling phase (the estimator's ``coord_mode`` maps each back exactly). What is
    left after removing that phase is the resampling kernels' difference.
    """

    def dataset(cfg: Config, until: str):
        ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
        pipe = list(ds_cfg.pipeline)
        ds_cfg.pipeline = pipe[:[t['type'] for t in pipe].index(until)]
        return DATASETS.build(ds_cfg)

    (w, h), _ = crop_geometry(real_cfg)
    phase = (factor - 1) / (2 * factor)
    mad = {0.0: [], phase: []}
    with DefaultScope.overwrite_default_scope('mmpose'):
        sim, real = dataset(sim_cfg, 'PackSRPoseInputs'), dataset(real_cfg, 'TopdownAffine')
        if len(sim) != len(real):
            raise ValueError(f'simulated and real LR sets differ: {len(sim)} vs {len(real)} '
                             'people')
        for i in range(min(max_people, len(sim))):
            a, r = np.asarray(sim[i]['img'], np.float64), real[i]
            scale = TopdownAffine._fix_aspect_ratio(r['bbox_scale'], w / h)[0]
            for shift in mad:
                centre = r['bbox_center'][0] + shift * scale / np.array([w, h])
                warp = get_warp_matrix(centre, scale, 0, (w, h))
                x = cv2.warpAffine(r['img'], warp, (int(w), int(h)), flags=cv2.INTER_LINEAR)
                if x.shape != a.shape:
                    raise ValueError(f'real crop {x.shape} vs simulated crop {a.shape}')
                mad[shift].append(float(np.abs(a - x).mean()))
    return dict(people=len(mad[0.0]), crop_size=[int(h), int(w)], phase_lr_px=phase,
                mean_abs_diff=float(np.mean(mad[0.0])),
                mean_abs_diff_phase_aligned=float(np.mean(mad[phase])))

