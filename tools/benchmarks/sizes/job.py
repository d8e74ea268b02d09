"""Mixed-size and real low-resolution evaluation of the pose benchmark's models.

1. Mixed sizes: procedural images shrunk so that people are about 20-300 px tall
   (:mod:`.data`), evaluated top-down with GT boxes by ``CocoMetric`` on the full
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
the simulated-LR stages are the main table's own). Intervals: ``common.stats`` bootstrap over
images, one index matrix per image set shared by every row, so differences are paired.
"""
import copy
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config

from lrpose_mm.action import real_lr_pipeline
from lrpose_mm.config import load_config

from ..budget import Budget
from ..common.report import machine
from ..common.stages import StageRunner
from ..common.stats import resample_indices
from ..pose.configure import configure
from . import report as sizes_report
from .data import make_lowres_copy, make_sizes_split, split_cache_keys
from .evaluate import RowStats, ap_gap_crop_filled, evaluate_stage, pck_gap_by_size
from .pipelines import (
    ALWAYS_SR,
    NEVER_SR,
    ROUTES,
    crop_geometry,
    lr_input_gap,
    routed_pipeline,
    with_pipeline,
)
from .scales import (
    ALWAYS_X1,
    ALWAYS_X2,
    CAMERA_CONFIG,
    camera_mix_pipeline,
    default_thresholds,
    extra_neck_config,
    merge_four_path,
    restore_neck_config,
    three_path_config,
    three_path_pipeline,
    train_extra_neck,
    tune_four_path,
    tune_three_path,
)
from .threshold import DUMP_FILES, tune_route_stages, tune_threshold


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
    three_path: bool = True  # train an x2 neck per model; x4 / x2 / direct routing
    four_path: bool = True  # and an x1 neck; x4 / x2 / x1 / direct routing (with three_path)
    camera_rows: bool = True  # SR rows trained on simulated + camera LR, for the real-LR table


SIZES_BUDGETS = {'default': SizesBudget(),
                 'quick': SizesBudget(num_images=12, n_resamples=50, num_tune_images=8)}


def reserve_seconds(sizes: SizesBudget, num_rows: int) -> float:
    """Wall time to keep for this job when the pose job fits its schedule: six mixed-size
    evaluations, one real-LR evaluation per row (the x2 necks and camera rows train in
    ``make sizes``, after the pose job: not reserved)."""
    return 25 * (6 * sizes.num_images / 300 + num_rows)


def load_row_config(entry: dict) -> Config:
    """A ``checkpoints.json`` row's config: the installed (MIM) config plus its overrides,
    exactly as the pose job built it (so the main table's test stages are reused)."""
    cfg = load_config(entry['config'])
    if entry.get('overrides'):
        cfg.merge_from_dict(entry['overrides'])
    return cfg


def pose_job_budget(work_dir: Path) -> Budget:
    """The budget the pose job ran with (``budget.json``)."""
    saved = json.loads((work_dir / 'budget.json').read_text())
    names = {f for f in Budget.__dataclass_fields__}
    return Budget(**{k: v for k, v in saved.items() if k in names})



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


#: the jointly fine-tuned PDSR (the main protocol) and, where the pose job ran with
#: ``--frozen-pose``, PDSR in front of the frozen HR oracle (the plug-in case: the pose
#: network only ever saw HR crops, as in Hardy et al.)
SIZES_MODELS = (
    SizesModel('pdsr', 'sizes', '', 'PDSR jointly fine-tuned with the pose network', 'PDSR'),
    SizesModel('frozen-pdsr', 'sizes_frozen', 'frozen-pdsr-',
               'PDSR in front of the frozen HR oracle (the pose network only ever saw HR crops)',
               'frozen-PDSR'))


def route_rows(runner: StageRunner, model: SizesModel, entry: dict, budget: Budget,
               data_dir: Path, data: dict, tune: Optional[dict], gt_data: dict,
               image_ids: Sequence[int], idx: np.ndarray, threshold: Optional[float],
               three_path: bool = False, four_path: bool = False
               ) -> Tuple[Dict[str, RowStats], float, Optional[dict], Optional[dict]]:
    """never-SR / always-SR / adaptive rows of one checkpoint, the adaptive threshold and
    its tuning record (the threshold is chosen on ``tune`` when given); with ``three_path``
    also always-x2 and the three-path adaptive row (an x2 neck trained in front of the
    checkpoint's pose network, thresholds chosen on ``tune``) and its record; with
    ``four_path`` too, always-x1 and the four-path row (an x1 neck beside both), whose
    record is the three-path record's ``four_path``."""
    row_cfg, root = load_row_config(entry), str(data_dir.resolve())
    base = configure(row_cfg, budget, root, 1, budget.seed, 'sizes')
    crop = next(t for t in routed_pipeline(base, threshold)
                if t['type'] == 'AdaptiveTopdownAffine')
    threshold = float(crop.get('size_threshold') or crop['input_size'][1])
    tuning, tcfg = None, None
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
        cfg = with_pipeline(base, routed_pipeline(base, thresholds[route]))
        rec = runner.test(f'sizes-{model.tag}{route}', cfg, entry['checkpoint'],
                          dict(data=data['cache_key']), files=DUMP_FILES)
        rows[route] = evaluate_stage(route, rec, gt_data, image_ids, idx)
    if not three_path:
        return rows, threshold, tuning, None
    data_root = str(Path(budget.data_root).resolve())
    data_key = split_cache_keys(data_root)
    neck_cfg = extra_neck_config(row_cfg, entry['checkpoint'])
    trained, merged = train_extra_neck(runner, f'sizes-{model.row}', neck_cfg, entry, budget,
                                       data_root, data_key)
    ckpt3 = merged.files['checkpoint']
    row3 = three_path_config(row_cfg, neck_cfg.model.sr_neck)
    base3 = configure(row3, budget, root, 1, budget.seed, 'sizes')
    chosen3, tuning3 = default_thresholds(base3), None
    if tune is not None:
        tcfg3 = configure(row3, budget, root, 1, budget.seed, 'sizes-tune')
        prefix = f'sizes-tune-{model.tag}'
        two = tune_route_stages(runner, tcfg, entry['checkpoint'], tune, prefix)  # reused
        tuning3 = tune_three_path(runner, tcfg, tcfg3, ckpt3, tune, two, chosen3,
                                  stage_prefix=prefix)
        chosen3 = tuple(tuning3['chosen'])
        print(f'            {model.row}: three-path thresholds chosen on the tune split: '
              f'x4 below {chosen3[0]:g} px, x2 below {chosen3[1]:g} px', flush=True)
    for route, thr in (('always-x2', ALWAYS_X2), ('adaptive-3', chosen3)):
        cfg = with_pipeline(base3, three_path_pipeline(base3, thr))
        rec = runner.test(f'sizes-{model.tag}{route}', cfg, ckpt3,
                          dict(data=data['cache_key']), files=DUMP_FILES)
        rows[route] = evaluate_stage(route, rec, gt_data, image_ids, idx)
    three = dict(thresholds=list(chosen3), tuning=tuning3, neck_checkpoint=trained.checkpoint,
                 train_seconds=trained.seconds)
    if not four_path:
        return rows, threshold, tuning, three
    neck1_cfg = restore_neck_config(row_cfg, entry['checkpoint'])
    trained1, _ = train_extra_neck(runner, f'sizes-{model.row}', neck1_cfg, entry, budget,
                                   data_root, data_key)
    ckpt4 = merge_four_path(runner, f'sizes-{model.row}', entry, trained,
                            trained1).files['checkpoint']
    row4 = three_path_config(row_cfg, neck_cfg.model.sr_neck, neck1_cfg.model.sr_neck)
    base4 = configure(row4, budget, root, 1, budget.seed, 'sizes')
    chosen4, tuning4 = default_thresholds(base4), None
    if tune is not None:
        tcfg4 = configure(row4, budget, root, 1, budget.seed, 'sizes-tune')
        tuning4 = tune_four_path(runner, tcfg, tcfg3, ckpt3, tcfg4, ckpt4, tune, two,
                                 (*chosen3, chosen4[-1]), stage_prefix=prefix)
        chosen4 = tuple(tuning4['chosen'])
        print(f'            {model.row}: four-path thresholds chosen on the tune split: '
              f'x4 below {chosen4[0]:g} px, x2 below {chosen4[1]:g} px, x1 below '
              f'{chosen4[2]:g} px', flush=True)
    for route, thr in (('always-x1', ALWAYS_X1), ('adaptive-4', chosen4)):
        cfg = with_pipeline(base4, three_path_pipeline(base4, thr))
        rec = runner.test(f'sizes-{model.tag}{route}', cfg, ckpt4,
                          dict(data=data['cache_key']), files=DUMP_FILES)
        rows[route] = evaluate_stage(route, rec, gt_data, image_ids, idx)
    three['four_path'] = dict(thresholds=list(chosen4), tuning=tuning4,
                              neck_checkpoint=trained1.checkpoint,
                              train_seconds=trained1.seconds)
    return rows, threshold, tuning, three


#: the SR rows trained again on simulated + camera LR for the real-LR table (every row with
#: something to train; frozen-bicubic has none): {camera row: the row of checkpoints.json it
#: mirrors}
CAMERA_ROWS = {f'{row}-camera': row
               for row in ('bicubic', 'two-stage', 'pdsr', 'frozen-two-stage', 'frozen-pdsr')}


def camera_row_config(row_cfg: Config) -> Config:
    """``row_cfg`` trained as the camera-mix config trains PDSR: its simulated LR drawn
    against that config's camera LR with that config's camera share (everything else, and
    evaluation, the row's)."""
    camera_cfg = load_config(CAMERA_CONFIG)
    mix = next(t for t in camera_cfg.train_dataloader.dataset.pipeline
               if t['type'] == 'RandomChoice')
    cfg = copy.deepcopy(row_cfg)
    dataset = cfg.train_dataloader.dataset
    dataset.pipeline = camera_mix_pipeline(dataset.pipeline, camera_cfg.camera_degrade,
                                           mix['prob'][1])
    return cfg


def train_camera_rows(runner: StageRunner, ckpts: dict, budget: Budget, data_root: str,
                      data_key: dict) -> Dict[str, dict]:
    """Train the :data:`CAMERA_ROWS` whose row exists (:func:`camera_row_config`), from the
    HR oracle as the pose job trains that row (same overrides, iterations and seed); their
    checkpoints.json-like entries (the row's own, with the new checkpoint)."""
    out = {}
    for key, of in CAMERA_ROWS.items():
        if of not in ckpts:
            continue
        cfg = configure(camera_row_config(load_row_config(ckpts[of])), budget, data_root,
                        budget.ft_iters, budget.seed, 'val',
                        load_from=ckpts['hr-oracle']['checkpoint'])
        print(f'[real-LR 0/2] {key}: {budget.ft_iters} iterations on simulated + camera LR',
              flush=True)
        rec = runner.train(key, cfg, dict(data=data_key,
                                          parent=ckpts['hr-oracle']['checkpoint']))
        out[key] = dict(ckpts[of], checkpoint=rec.checkpoint)
    return out


def run_sizes_benchmark(out_dir: Path, work_dir: Path, sizes: SizesBudget, command: str,
                        parts: Sequence[str] = ('sizes', 'real-lr')) -> dict:
    """Run (or reuse) both evaluations on the pose job's checkpoints; write the report."""
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
            rows, threshold, tuning, three = route_rows(
                runner, model, ckpts[model.row], budget, data_dir, data, tune, gt_data,
                image_ids, idx, sizes.threshold, sizes.three_path,
                sizes.three_path and sizes.four_path)
            rows['hr-oracle'] = oracle
            report[model.section] = sizes_report.sizes_section(
                rows, data, threshold, tuning, model.row, model.title, model.short, three)
        print('[sizes 3/3] done', flush=True)

    if 'real-lr' in parts:
        keys = sizes.real_lr_rows or [k for k in ckpts if k != 'hr-oracle']
        data_root = str(Path(budget.data_root).resolve())
        data_key = split_cache_keys(data_root)
        if sizes.camera_rows:
            camera = train_camera_rows(runner, ckpts, budget, data_root, data_key)
            ckpts = dict(ckpts, **camera)
            mirrored = [CAMERA_ROWS[k] for k in camera]  # each compared with its own row
            keys = keys + [k for k in [*mirrored, *camera] if k not in keys]
        print(f'[real-LR 1/2] val images x1/{sizes.lowres_factor} for {", ".join(keys)}',
              flush=True)
        lr_split = f'val-lr{sizes.lowres_factor}'
        lr = make_lowres_copy(data_root, 'val', str(data_dir), sizes.lowres_factor, lr_split)
        sim_gt = json.loads((Path(data_root) / 'annotations/person_keypoints_val.json')
                            .read_text())
        real_gt = json.loads(Path(lr['ann_file']).read_text())
        image_ids = sorted(im['id'] for im in sim_gt['images'])
        idx = resample_indices(len(image_ids), budget.n_resamples, budget.seed)
        pairs, gap, by_size, crop_filled = {}, None, {}, {}
        for key in keys:
            cfg = load_row_config(ckpts[key])
            sim_cfg = configure(cfg, budget, data_root, 1, budget.seed, 'val')
            sim = runner.test(f'test-{key}', sim_cfg, ckpts[key]['checkpoint'],
                              dict(data=data_key), files=DUMP_FILES)  # the main table's stage
            real_cfg = configure(cfg, budget, str(data_dir.resolve()), 1, budget.seed, lr_split)
            real_cfg = with_pipeline(real_cfg,
                                     real_lr_pipeline(real_cfg, scale=sizes.lowres_factor))
            real = runner.test(f'real-lr-{key}', real_cfg, ckpts[key]['checkpoint'],
                               dict(data=lr['cache_key']), files=DUMP_FILES)
            pairs[key] = (evaluate_stage(key, sim, sim_gt, image_ids, idx, buckets=False),
                          evaluate_stage(key, real, real_gt, image_ids, idx, buckets=False))
            by_size[key] = pck_gap_by_size(sim, real, image_ids, idx)
            crop_filled[key] = ap_gap_crop_filled(sim, real, sim_gt, real_gt, image_ids, idx,
                                                  *crop_geometry(real_cfg))
            if gap is None:  # the same two pipelines for every row
                gap = lr_input_gap(sim_cfg, real_cfg, sizes.lowres_factor)
        print('[real-LR 2/2] done', flush=True)
        report['real_lr'] = sizes_report.real_lr_section(pairs, sizes.lowres_factor, gap,
                                                         CAMERA_ROWS, by_size, crop_filled)

    report['meta'] = dict(
        command=command, machine=machine(), sizes_budget=asdict(sizes),
        pose_budget=asdict(budget), checkpoints={k: v['checkpoint'] for k, v in ckpts.items()},
        reused_stages=runner.reused(), stage_seconds={r.name: r.seconds for r in runner.log},
        wall_seconds=round(time.time() - t0, 1))
    return sizes_report.write_report(out_dir, report)
