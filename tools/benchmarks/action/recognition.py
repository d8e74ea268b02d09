"""Skeleton action recognizers (ST-GCN, PoseC3D) trained and tested through the shared StageRunner.

The recognizer configs ship with the library (``lrpose_mm::action/...``); this module only
points them at one annotation file, sets the schedule and seed, turns validation off (the last
checkpoint is tested: no checkpoint is picked on val), and adds the per-clip dump metric.
"""
import copy
from dataclasses import dataclass
from typing import Dict, Optional

from mmengine.config import Config

from lrpose_mm.action import prediction_dump
from lrpose_mm.action.prediction_dump import correct_by_clip
from lrpose_mm.config import load_config

from ..common.stages import StageRunner


@dataclass(frozen=True)
class Recognizer:
    key: str  # folder name
    label: str  # report name
    config: str  # lrpose_mm:: name


STGCN = Recognizer('stgcn', 'ST-GCN',
                   'lrpose_mm::action/stgcn_cpu-tiny-u32-30e_procedural-actions-gt.py')
POSEC3D = Recognizer('posec3d', 'PoseC3D',
                     'lrpose_mm::action/slowonly_cpu-tiny-u16-30e_procedural-actions-gt.py')
META_KEYS = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')


def _pipelines(cfg: Config):
    for loader in ('train_dataloader', 'test_dataloader'):
        yield cfg[loader].dataset.pipeline


def recognizer_config(rec: Recognizer, ann_file: str, epochs: int, seed: int, batch_size: int,
                      window: Optional[int]) -> Config:
    """The recognizer's config on ``ann_file``: train split 'train', no validation."""
    cfg = load_config(rec.config)
    cfg.train_dataloader.dataset.ann_file = ann_file
    cfg.train_dataloader.dataset.split = 'train'
    cfg.train_dataloader.batch_size = batch_size
    cfg.test_dataloader = copy.deepcopy(cfg.test_dataloader)  # not shared with val_dataloader
    cfg.test_dataloader.dataset.ann_file = ann_file
    for pipe in _pipelines(cfg):
        for t in pipe:
            if t['type'] == 'UniformSampleFrames' and window is not None:
                t['clip_len'] = min(int(t['clip_len']), int(window))
            if t['type'] == 'PackActionInputs':
                t['meta_keys'] = META_KEYS
    cfg.val_dataloader = None
    cfg.val_cfg = None
    cfg.val_evaluator = None
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=epochs)
    for s in cfg.param_scheduler:
        if s['type'] == 'CosineAnnealingLR':
            s['T_max'] = epochs
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs, max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = 10
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.visualizer = dict(type='ActionVisualizer', vis_backends=[])
    return cfg


DUMP_MODULE = prediction_dump.__name__  # registers ActionPredictionDump


def test_config(cfg: Config, split: str) -> Config:
    """``cfg`` testing the ``split`` clips, with the per-clip dump next to ``AccMetric``."""
    cfg = cfg.copy()
    cfg.test_dataloader.dataset.split = split
    cfg.test_evaluator = [dict(type='AccMetric'),
                          dict(type='ActionPredictionDump', out_file='{stage_dir}/predictions.npz')]
    # the dump is the library's, so the saved stage config reruns with tools/test.py
    cfg.custom_imports = dict(imports=['lrpose_mm', DUMP_MODULE], allow_failed_imports=False)
    return cfg


def train_and_test(runner: StageRunner, rec: Recognizer, source: str, ann_file: str,
                   ann_key: str, epochs: int, seed: int, batch_size: int,
                   window: Optional[int], splits=('val', )) -> Dict[str, dict]:
    """Train ``rec`` on the train clips of ``ann_file`` and test the last checkpoint on each of
    ``splits``; ``ann_key`` identifies the file's content (part of the settings key).

    Returns ``{split: dict(top1, top5, mean1, correct={frame_dir: bool}, train_seconds)}``.
    """
    cfg = recognizer_config(rec, ann_file, epochs, seed, batch_size, window)
    name = f'{rec.key}/{source}/seed{seed}'
    cfg.experiment_name = name.replace('/', '-') + '-train'  # one mmengine logger per stage
    tr = runner.train(f'{name}/train', cfg, inputs=dict(annotations=ann_key))
    out = {}
    for split in splits:
        tcfg = test_config(cfg, split)
        tcfg.experiment_name = name.replace('/', '-') + f'-test-{split}'
        te = runner.test(f'{name}/test-{split}', tcfg, tr.checkpoint,
                         inputs=dict(annotations=ann_key),
                         files=dict(predictions='predictions.npz'))
        m = te.metrics
        out[split] = dict(top1=m['acc/top1'], top5=m.get('acc/top5'), mean1=m.get('acc/mean1'),
                          correct=correct_by_clip(te.files['predictions']),
                          train_seconds=tr.seconds, test_seconds=te.seconds)
    return out
