"""Mixed-size and real low-resolution evaluation of the pose benchmark's models (issue 11).

1. Mixed sizes: procedural images shrunk so that people are about 20-300 px tall
   (:mod:`.sizes_data`), evaluated top-down with GT boxes by ``CocoMetric`` on the full
   images, for three routings of the *same* checkpoint through ``AdaptiveTopdownAffine``
   (the jointly fine-tuned PDSR and, where the pose job has it, PDSR in front of the
   frozen HR oracle; one section each): never-SR (every person cropped at the pose input size, pose
   network only: plain resizing), always-SR (every person cropped straight to the LR size,
   SR neck, pose network) and adaptive (the transform's threshold; default the pose input
   height). The HR oracle with plain resizing is a reference row. AP and PCK@0.1 are
   reported per bucket of GT box height; a bucket's AP is COCO keypoint AP against a
   ground truth restricted to that bucket's people, scored on the predictions made for
   those people (each prediction is tied to its GT box through the per-person dump).
2. Real low resolution: val images shrunk 4x *before* cropping, each person cropped
   straight to the LR size (``TopdownAffine`` at 32x24, no HR crop anywhere), next to the
   main table's simulated LR (HR crop degraded by ``LowResDegrade``) on the same people.
   OKS (area-normalised) and PCK (box-normalised) do not change when the whole image is
   scaled, so the two are directly comparable and paired per image.

Every evaluation is a ``StageRunner.test`` stage (reused while its settings are unchanged;
the simulated-LR stages are the main table's own). Intervals: ``stats`` bootstrap over
images, one index matrix per image set shared by every row, so differences are paired.
"""
import contextlib
import copy
import io
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config

from . import instance_dump  # noqa: F401  (registers KeypointInstanceDump)
from .instance_dump import load_instances
from .pose_job import Budget, configure
from .report import machine
from .sizes_data import make_lowres_copy, make_sizes_split, split_cache_keys
from .stages import StageRecord, StageRunner
from .stats import (
    Bootstrapped,
    CocoKeypointAP,
    bootstrap,
    per_image_pck,
    person_hits,
    resample_indices,
)

#: person-height buckets (GT box height in image pixels): (label, low, high), low <= h < high
SIZE_BUCKETS: Tuple[Tuple[str, float, float], ...] = (
    ('<48', 0.0, 48.0), ('48-96', 48.0, 96.0), ('96-160', 96.0, 160.0),
    ('>=160', 160.0, float('inf')))
#: thresholds that make AdaptiveTopdownAffine route every person one way
NEVER_SR, ALWAYS_SR = 1e-6, 1e9
ROUTES = ('never-sr', 'always-sr', 'adaptive')
DUMP_FILES = dict(coco='coco.keypoints.json', instances='instances.npz')


@dataclass
class SizesBudget:
    num_images: int = 300  # about 750 people
    n_resamples: int = 500
    seed: int = 0
    threshold: Optional[float] = None  # None: AdaptiveTopdownAffine's default (HR height)
    img_size: Tuple[int, int] = (240, 320)  # rendered (w, h): people 128-320 px tall
    scale_range: Tuple[float, float] = (0.15, 0.95)  # shrink factors: people ~19-300 px
    lowres_factor: int = 4
    tune_threshold: bool = False  # choose the threshold on the 'sizes-tune' split
    num_tune_images: int = 150
    real_lr_rows: Optional[List[str]] = None  # default every LR row of checkpoints.json


SIZES_BUDGETS = {'default': SizesBudget(),
                 'quick': SizesBudget(num_images=12, n_resamples=50, num_tune_images=8)}
#: candidate thresholds (crop-region height, px) for --tune-threshold
THRESHOLD_GRID = (32.0, 48.0, 64.0, 80.0, 96.0, 112.0, 128.0, 160.0, 192.0, 256.0)


def bucket_of(height: float) -> str:
    """The :data:`SIZE_BUCKETS` label of a person ``height`` px tall (low <= h < high)."""
    h = float(height)
    if not np.isfinite(h) or h < 0:
        raise ValueError(f'person height must be a finite number >= 0, got {height!r}')
    return next(label for label, lo, hi in SIZE_BUCKETS if lo <= h < hi)


# ---------------------------------------------------------------------------- pipelines
def _crop_index(pipeline: Sequence[dict]) -> int:
    idx = [i for i, t in enumerate(pipeline) if t.get('type') == 'TopdownAffine']
    if len(idx) != 1:
        raise ValueError(f'expected one TopdownAffine in the test pipeline, found {len(idx)}')
    return idx[0]


def routed_pipeline(cfg: Config, threshold: Optional[float]) -> List[dict]:
    """``cfg``'s test pipeline made resolution-adaptive by ``lrpose_mm.apis``'s
    ``adaptive_pipeline`` (the model's sizes are read from the config, no model built)."""
    from lrpose_mm.apis import adaptive_pipeline
    model = SimpleNamespace(sr_scale=int(cfg.model.sr_neck.scale), head=SimpleNamespace(
        decoder=SimpleNamespace(input_size=tuple(cfg.model.head.decoder.input_size))))
    return adaptive_pipeline(model, threshold, cfg.test_dataloader.dataset.pipeline)


def real_lr_pipeline(cfg: Config, factor: int) -> List[dict]:
    """``cfg``'s simulated-LR test pipeline (``TopdownAffine`` at the HR size, then
    ``LowResDegrade``) with both replaced by one ``TopdownAffine`` at the LR size: the
    image is already low-resolution, the crop goes straight to the network input."""
    pipe = [copy.deepcopy(dict(t)) for t in cfg.test_dataloader.dataset.pipeline]
    deg = [t for t in pipe if t.get('type') == 'LowResDegrade']
    if len(deg) != 1 or deg[0].get('scale') != factor:
        raise ValueError(f'real-LR evaluation needs a test pipeline with one LowResDegrade of '
                         f'scale {factor}, got {[t.get("scale") for t in deg]}')
    i = _crop_index(pipe)
    w, h = pipe[i]['input_size']
    pipe[i] = dict(pipe[i], input_size=(w // factor, h // factor))
    return [t for t in pipe if t.get('type') != 'LowResDegrade']


# ---------------------------------------------------------------------------- statistics
@dataclass
class RowStats:
    """AP / PCK (point + bootstrap samples) of one evaluation, overall and per bucket."""
    label: str
    stage: StageRecord
    ap: Dict[str, Bootstrapped] = field(default_factory=dict)
    pck: Dict[str, Bootstrapped] = field(default_factory=dict)
    people: Dict[str, int] = field(default_factory=dict)
    sr_share: Optional[float] = None  # fraction of people routed to the SR path
    sr_share_by_bucket: Dict[str, float] = field(default_factory=dict)


def _coco_from(data: dict):
    from xtcocotools.coco import COCO
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = data
        gt.createIndex()
    return gt


def _sigmas() -> np.ndarray:
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    return parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))['sigmas']


def match_results(results: List[dict], inst: Dict[str, np.ndarray]) -> np.ndarray:
    """Index into the dump of each ``CocoMetric`` result (same image, same keypoints):
    ties every (post-NMS) prediction to the GT box it was made from."""
    by_img: Dict[int, np.ndarray] = {}
    for i, iid in enumerate(inst['img_id']):
        by_img.setdefault(int(iid), []).append(i)
    out = np.empty(len(results), np.int64)
    for r, res in enumerate(results):
        cand = np.asarray(by_img.get(int(res['image_id']), []), np.int64)
        if not len(cand):
            raise ValueError(f'result for image {res["image_id"]} has no dumped person')
        kp = np.asarray(res['keypoints'], np.float64).reshape(-1, 3)[:, :2]
        err = np.abs(inst['pred'][cand].astype(np.float64) - kp).max(axis=(1, 2))
        if err.min() > 1e-2:
            raise ValueError(f'result for image {res["image_id"]} matches no dumped '
                             f'prediction (closest {err.min():.3g} px)')
        out[r] = cand[int(err.argmin())]
    return out


def person_annotations(inst: Dict[str, np.ndarray], gt_data: dict) -> List[dict]:
    """The GT annotation of each dumped person (same image, same box as MMPose clips it)."""
    by_img: Dict[int, List[dict]] = {}
    for a in gt_data['annotations']:
        by_img.setdefault(int(a['image_id']), []).append(a)
    size = {int(im['id']): (im['width'], im['height']) for im in gt_data['images']}
    out = []
    for iid, box in zip(inst['img_id'], inst['bbox']):
        anns = by_img.get(int(iid), [])
        if not anns:
            raise ValueError(f'dumped person of image {iid} has no GT annotation')
        xyxy = np.array([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in anns)])
        W, H = size[int(iid)]  # MMPose's CocoDataset clips boxes to the image like this
        xyxy[:, 0::2] = np.clip(xyxy[:, 0::2], 0, W - 1)
        xyxy[:, 1::2] = np.clip(xyxy[:, 1::2], 0, H - 1)
        err = np.abs(xyxy - box[None]).max(1)
        if err.min() > 1e-2:
            raise ValueError(f'dumped person of image {iid} matches no GT box '
                             f'(closest {err.min():.3g} px)')
        out.append(anns[int(err.argmin())])
    return out


def evaluate_stage(label: str, rec: StageRecord, gt_data: dict, image_ids: Sequence[int],
                   idx: np.ndarray, buckets: bool = True) -> RowStats:
    """Overall and per-bucket AP / PCK of one test stage on the shared resamples ``idx``."""
    sigmas = _sigmas()
    pos = {iid: i for i, iid in enumerate(image_ids)}
    inst = load_instances(rec.files['instances'])
    anns = person_annotations(inst, gt_data)
    labels = np.array([bucket_of(a['bbox'][3]) for a in anns])
    hits = person_hits(inst['pred'], inst['gt'], inst['mask'], inst['bbox'])
    img_pos = np.array([pos[int(i)] for i in inst['img_id']])
    results = json.loads(Path(rec.files['coco']).read_text())
    row = RowStats(label, rec)
    ap = CocoKeypointAP(_coco_from(gt_data), copy.deepcopy(results), sigmas, image_ids)
    row.ap['all'] = bootstrap(ap, idx)
    row.pck['all'] = bootstrap(per_image_pck(hits, img_pos, len(image_ids)), idx)
    row.people['all'] = len(anns)
    if 'sr_path' in inst:
        row.sr_share = float(np.mean(inst['sr_path'] == 'sr'))
    if not buckets:
        return row
    res_person = match_results(results, inst)
    ann_bucket = {a['id']: bucket_of(a['bbox'][3]) for a in gt_data['annotations']}
    for b, _, _ in SIZE_BUCKETS:
        sel = labels == b
        row.people[b] = int(sel.sum())
        if not sel.any():
            continue
        if 'sr_path' in inst:
            row.sr_share_by_bucket[b] = float(np.mean(inst['sr_path'][sel] == 'sr'))
        gt_b = dict(gt_data, annotations=[a for a in gt_data['annotations']
                                          if ann_bucket[a['id']] == b])
        res_b = [r for r, p in zip(results, res_person) if labels[p] == b]
        row.pck[b] = bootstrap(per_image_pck(hits[sel], img_pos[sel], len(image_ids)), idx)
        if res_b:
            ap = CocoKeypointAP(_coco_from(gt_b), copy.deepcopy(res_b), sigmas, image_ids)
            row.ap[b] = bootstrap(ap, idx)
    return row


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
    import cv2
    from mmengine.registry import DefaultScope
    from mmpose.datasets.transforms import TopdownAffine
    from mmpose.registry import DATASETS
    from mmpose.structures.bbox import get_warp_matrix

    def dataset(cfg: Config, until: str):
        ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
        pipe = list(ds_cfg.pipeline)
        ds_cfg.pipeline = pipe[:[t['type'] for t in pipe].index(until)]
        return DATASETS.build(ds_cfg)

    w, h = next(t for t in real_cfg.test_dataloader.dataset.pipeline
                if t['type'] == 'TopdownAffine')['input_size']
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


# ---------------------------------------------------------------------------- threshold
def region_heights(inst: Dict[str, np.ndarray], cfg: Config) -> np.ndarray:
    """Crop-region height of each dumped person, as ``AdaptiveTopdownAffine`` measures it
    (the GT box after ``GetBBoxCenterScale``'s padding and the aspect-ratio fix)."""
    from mmpose.structures.bbox import bbox_xyxy2cs

    from lrpose_mm.datasets.transforms import AdaptiveTopdownAffine
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
    ap = CocoKeypointAP(_coco_from(gt_data), picked, _sigmas(), image_ids)
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
        cfg = _with_pipeline(base, routed_pipeline(base, thr))
        recs[route] = runner.test(f'{stage_prefix}{route}', cfg, checkpoint,
                                  dict(data=data['cache_key']), files=DUMP_FILES)
    never = load_instances(recs['never-sr'].files['instances'])
    always = load_instances(recs['always-sr'].files['instances'])
    heights = region_heights(never, _with_pipeline(base, routed_pipeline(base, NEVER_SR)))
    grid = {t: (routed_ap(recs['never-sr'], recs['always-sr'], heights, t, gt_data,
                          image_ids), routed_pck(never, always, heights, t))
            for t in THRESHOLD_GRID}
    best = max(grid.values())
    chosen = min((t for t, v in grid.items() if np.allclose(v, best, atol=1e-12)),
                 key=lambda t: abs(t - default))
    return dict(grid={str(k): dict(AP=v[0], PCK=v[1]) for k, v in grid.items()},
                chosen=chosen, default=default, num_images=data['num_images'],
                num_people=data['num_people'])


# ---------------------------------------------------------------------------- the job
def load_row_config(entry: dict) -> Config:
    """A ``checkpoints.json`` row's config: the installed (MIM) config plus its overrides,
    exactly as the pose job built it (so the main table's test stages are reused)."""
    from lrpose_mm.config import load_config
    cfg = load_config(entry['config'])
    if entry.get('overrides'):
        cfg.merge_from_dict(entry['overrides'])
    return cfg


def pose_job_budget(work_dir: Path) -> Budget:
    """The budget the pose job ran with (``budget.json``)."""
    saved = json.loads((work_dir / 'budget.json').read_text())
    names = {f for f in Budget.__dataclass_fields__}
    return Budget(**{k: v for k, v in saved.items() if k in names})


def _with_pipeline(cfg: Config, pipeline: List[dict]) -> Config:
    """``cfg`` evaluated through ``pipeline``; the SR-quality metric is dropped (no HR
    crop exists to compare the SR image with)."""
    cfg = copy.deepcopy(cfg)
    cfg.test_dataloader.dataset.pipeline = pipeline  # (pose_job.configure drops validation)
    cfg.test_evaluator = [ev for ev in cfg.test_evaluator if ev['type'] != 'SRQualityMetric']
    return cfg


@dataclass(frozen=True)
class SizesModel:
    """One SR checkpoint of the pose job evaluated on mixed sizes: its ``checkpoints.json``
    row, the report section it fills, the tag of its stage names (``sizes-<tag><route>``,
    ``sizes-tune-<tag><route>``), and its title and short name in the report."""
    row: str
    section: str
    tag: str
    title: str
    short: str


#: the jointly fine-tuned PDSR (the DESIGN protocol) and, where the pose job ran with
#: ``--frozen-pose``, PDSR in front of the frozen HR oracle (the plug-in case: the pose
#: network only ever saw HR crops, as in Hardy et al.)
SIZES_MODELS = (
    SizesModel('pdsr', 'sizes', '', 'PDSR jointly fine-tuned with the pose network', 'PDSR'),
    SizesModel('frozen-pdsr', 'sizes_frozen', 'frozen-pdsr-',
               'PDSR in front of the frozen HR oracle (the pose network only ever saw HR crops)',
               'frozen-PDSR'))


def route_rows(runner: StageRunner, model: SizesModel, entry: dict, budget: Budget,
               data_dir: Path, data: dict, tune: Optional[dict], gt_data: dict,
               image_ids: Sequence[int], idx: np.ndarray, threshold: Optional[float]
               ) -> Tuple[Dict[str, RowStats], float, Optional[dict]]:
    """never-SR / always-SR / adaptive rows of one checkpoint, the adaptive threshold and
    its tuning record (the threshold is chosen on ``tune`` when given)."""
    row_cfg, root = load_row_config(entry), str(data_dir.resolve())
    base = configure(row_cfg, budget, root, 1, budget.seed, 'sizes')
    crop = next(t for t in routed_pipeline(base, threshold)
                if t['type'] == 'AdaptiveTopdownAffine')
    threshold = float(crop.get('size_threshold') or crop['input_size'][1])
    tuning = None
    if tune is not None:
        tcfg = configure(row_cfg, budget, root, 1, budget.seed, 'sizes-tune')
        tuning = tune_threshold(runner, tcfg, entry['checkpoint'], tune, threshold,
                                stage_prefix=f'sizes-tune-{model.tag}')
        threshold = tuning['chosen']
        print(f'            {model.row}: threshold chosen on the tune split: {threshold:g} px',
              flush=True)
    thresholds = {'never-sr': NEVER_SR, 'always-sr': ALWAYS_SR, 'adaptive': threshold}
    rows = {}
    for route in ROUTES:
        cfg = _with_pipeline(base, routed_pipeline(base, thresholds[route]))
        rec = runner.test(f'sizes-{model.tag}{route}', cfg, entry['checkpoint'],
                          dict(data=data['cache_key']), files=DUMP_FILES)
        rows[route] = evaluate_stage(route, rec, gt_data, image_ids, idx)
    return rows, threshold, tuning


def run_sizes_benchmark(out_dir: Path, work_dir: Path, sizes: SizesBudget, command: str,
                        parts: Sequence[str] = ('sizes', 'real-lr')) -> dict:
    """Run (or reuse) both evaluations on the pose job's checkpoints; write the report."""
    import torch

    from . import sizes_report
    t0 = time.time()
    out_dir, work_dir = Path(out_dir), Path(work_dir)
    ckpt_file = work_dir / 'checkpoints.json'
    if not ckpt_file.is_file():
        raise FileNotFoundError(f'{ckpt_file} not found: run the pose benchmark (make benchmark'
                                ' or tools/benchmark.py --work-dir ...) first')
    ckpts = json.loads(ckpt_file.read_text())
    budget = pose_job_budget(work_dir)
    torch.set_num_threads(budget.threads)
    runner = StageRunner(work_dir)
    data_dir = work_dir / 'sizes-data'
    report: dict = {}

    if 'sizes' in parts:
        for key in ('pdsr', 'hr-oracle'):
            if key not in ckpts:
                raise KeyError(f'{ckpt_file} has no {key!r} row')
        print(f'[sizes 1/3] {sizes.num_images} mixed-size images under {data_dir}', flush=True)
        data = make_sizes_split(str(data_dir), sizes.num_images, sizes.seed, sizes.img_size,
                                sizes.scale_range)
        gt_data = json.loads(Path(data['ann_file']).read_text())
        image_ids = sorted(im['id'] for im in gt_data['images'])
        idx = resample_indices(len(image_ids), sizes.n_resamples, sizes.seed)
        tune = None
        if sizes.tune_threshold:
            tune = make_sizes_split(str(data_dir), sizes.num_tune_images, sizes.seed,
                                    sizes.img_size, sizes.scale_range, split='sizes-tune')
        ocfg = configure(load_row_config(ckpts['hr-oracle']), budget, str(data_dir.resolve()),
                         1, budget.seed, 'sizes')
        rec = runner.test('sizes-hr-oracle', ocfg, ckpts['hr-oracle']['checkpoint'],
                          dict(data=data['cache_key']), files=DUMP_FILES)
        oracle = evaluate_stage('hr-oracle', rec, gt_data, image_ids, idx)
        oracle.sr_share = None  # no SR neck: its sr_path is nominal
        oracle.sr_share_by_bucket = {}
        models = [m for m in SIZES_MODELS if m.row in ckpts]
        for i, model in enumerate(models):
            print(f'[sizes 2/3] {model.row} ({i + 1}/{len(models)}): never-SR, always-SR, '
                  'adaptive', flush=True)
            rows, threshold, tuning = route_rows(runner, model, ckpts[model.row], budget,
                                                 data_dir, data, tune, gt_data, image_ids,
                                                 idx, sizes.threshold)
            rows['hr-oracle'] = oracle
            report[model.section] = sizes_report.sizes_section(
                rows, data, threshold, tuning, model.row, model.title, model.short)
        print('[sizes 3/3] done', flush=True)

    if 'real-lr' in parts:
        keys = sizes.real_lr_rows or [k for k in ckpts if k != 'hr-oracle']
        print(f'[real-LR 1/2] val images x1/{sizes.lowres_factor} for {", ".join(keys)}',
              flush=True)
        data_root = str(Path(budget.data_root).resolve())
        data_key = split_cache_keys(data_root)
        lr_split = f'val-lr{sizes.lowres_factor}'
        lr = make_lowres_copy(data_root, 'val', str(data_dir), sizes.lowres_factor, lr_split)
        sim_gt = json.loads((Path(data_root) / 'annotations/person_keypoints_val.json')
                            .read_text())
        real_gt = json.loads(Path(lr['ann_file']).read_text())
        image_ids = sorted(im['id'] for im in sim_gt['images'])
        idx = resample_indices(len(image_ids), budget.n_resamples, budget.seed)
        pairs, gap = {}, None
        for key in keys:
            cfg = load_row_config(ckpts[key])
            sim_cfg = configure(cfg, budget, data_root, 1, budget.seed, 'val')
            sim = runner.test(f'test-{key}', sim_cfg, ckpts[key]['checkpoint'],
                              dict(data=data_key), files=DUMP_FILES)  # the main table's stage
            real_cfg = configure(cfg, budget, str(data_dir.resolve()), 1, budget.seed, lr_split)
            real_cfg = _with_pipeline(real_cfg, real_lr_pipeline(real_cfg, sizes.lowres_factor))
            real = runner.test(f'real-lr-{key}', real_cfg, ckpts[key]['checkpoint'],
                               dict(data=lr['cache_key']), files=DUMP_FILES)
            pairs[key] = (evaluate_stage(key, sim, sim_gt, image_ids, idx, buckets=False),
                          evaluate_stage(key, real, real_gt, image_ids, idx, buckets=False))
            if gap is None:  # the same two pipelines for every row
                gap = lr_input_gap(sim_cfg, real_cfg, sizes.lowres_factor)
        print('[real-LR 2/2] done', flush=True)
        report['real_lr'] = sizes_report.real_lr_section(pairs, sizes.lowres_factor, gap)

    report['meta'] = dict(
        command=command, machine=machine(), sizes_budget=asdict(sizes),
        pose_budget=asdict(budget), checkpoints={k: v['checkpoint'] for k, v in ckpts.items()},
        reused_stages=runner.reused(), stage_seconds={r.name: r.seconds for r in runner.log},
        wall_seconds=round(time.time() - t0, 1))
    return sizes_report.write_report(out_dir, report)
