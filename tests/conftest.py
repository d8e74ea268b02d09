"""Shared fixtures: a tiny generated COCO-format keypoint dataset and a tiny MMPose config."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# the package first, as a user's config does (custom_imports): on the default mmcv-lite install
# its compat module supplies the mmcv.ops placeholder that `import mmpose.models` needs, so a
# test module that imports MMPose before lrpose_mm also runs alone
import lrpose_mm  # noqa: E402,F401

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / 'shared' / 'data'
COCO_MINI = SHARED_DATA / 'coco_mini'

MMCV_OPS_SKIP_REASON = ("needs mmcv's compiled ops (mmcv.ops); this install has mmcv-lite or "
                        "an mmcv without ops: bash tools/install.sh --with-ops")


def pytest_collection_modifyitems(config, items):
    """Skip the tests marked ``mmcv_ops`` where mmcv's compiled extension is absent."""
    marked = [item for item in items if item.get_closest_marker('mmcv_ops')]
    if not marked:
        return
    from lrpose_mm.compat import mmcv_ops_available
    if not mmcv_ops_available():
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=MMCV_OPS_SKIP_REASON))


# COCO-17 limbs used to draw stick figures in the tiny test images
_LIMBS = [(5, 7), (7, 9), (6, 8), (8, 10), (5, 6), (5, 11), (6, 12), (11, 12), (11, 13), (13, 15),
          (12, 14), (14, 16), (0, 5), (0, 6)]
# a standing person in a unit box (x right, y down), COCO-17 order
_TEMPLATE = np.array([
    [0.50, 0.08], [0.46, 0.06], [0.54, 0.06], [0.42, 0.08], [0.58, 0.08],
    [0.35, 0.22], [0.65, 0.22], [0.28, 0.40], [0.72, 0.40], [0.25, 0.55], [0.75, 0.55],
    [0.40, 0.55], [0.60, 0.55], [0.40, 0.75], [0.60, 0.75], [0.40, 0.95], [0.60, 0.95]])


def write_tiny_coco(root: Path, num_images: int = 6, size=(96, 128), seed: int = 0) -> Path:
    """Write a few stick-figure images with exact COCO keypoint annotations."""
    import cv2
    rng = np.random.default_rng(seed)
    img_dir = root / 'images'
    img_dir.mkdir(parents=True, exist_ok=True)
    (root / 'annotations').mkdir(exist_ok=True)
    images, anns = [], []
    w, h = size
    for i in range(num_images):
        img = np.full((h, w, 3), 40, np.uint8) + rng.integers(0, 30, (h, w, 3), dtype=np.uint8)
        bw, bh = rng.uniform(30, 45), rng.uniform(70, 100)
        x0, y0 = rng.uniform(2, w - bw - 2), rng.uniform(2, h - bh - 2)
        kpts = _TEMPLATE * [bw, bh] + [x0, y0] + rng.normal(0, 1.0, (17, 2))
        for a, b in _LIMBS:
            color = (0, 0, 255) if a % 2 == 1 and b % 2 == 1 else (0, 255, 0)
            cv2.line(img, tuple(int(v) for v in kpts[a]), tuple(int(v) for v in kpts[b]), color, 3)
        cv2.circle(img, tuple(int(v) for v in kpts[0]), 6, (255, 200, 150), -1)
        name = f'{i:06d}.jpg'
        cv2.imwrite(str(img_dir / name), img)
        images.append(dict(id=i + 1, file_name=name, width=w, height=h))
        kp = np.concatenate([kpts, np.full((17, 1), 2.0)], 1)
        anns.append(dict(id=i + 1, image_id=i + 1, category_id=1, iscrowd=0, num_keypoints=17,
                         bbox=[float(x0), float(y0), float(bw), float(bh)], area=float(bw * bh),
                         keypoints=[round(float(v), 2) for v in kp.reshape(-1)]))
    ann_file = root / 'annotations' / 'train.json'
    ann_file.write_text(json.dumps(dict(
        images=images, annotations=anns,
        categories=[dict(id=1, name='person', supercategory='person',
                         keypoints=[f'k{j}' for j in range(17)], skeleton=[])])))
    return ann_file


@pytest.fixture(scope='module')
def mmpose_scope_one_thread():
    """MMPose default scope and one torch thread for a module only (no global leftovers)."""
    import torch
    from mmengine.registry import DefaultScope
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with DefaultScope.overwrite_default_scope('mmpose'):
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def tiny_coco(tmp_path_factory) -> Path:
    """Root folder of a tiny COCO-format dataset: annotations/train.json + images/."""
    root = tmp_path_factory.mktemp('tiny_coco')
    write_tiny_coco(root)
    return root


def run_train_pipeline(root: Path, steps, num: int = 10, seed: int = 0) -> list:
    """``steps`` (a training pipeline, ``PackSRPoseInputs`` left out) run on ``num`` samples of
    the tiny COCO set at ``root``, cycling through its people; the results, in order."""
    from mmengine.dataset import Compose
    from mmpose.datasets import CocoDataset
    ds = CocoDataset(data_root=str(root), data_mode='topdown', ann_file='annotations/train.json',
                     data_prefix=dict(img='images/'), pipeline=[], test_mode=False)
    pipe = Compose(list(steps))
    np.random.seed(seed)
    return [pipe(ds.get_data_info(i % len(ds))) for i in range(num)]


TINY_TOPDOWN_CFG = '''
default_scope = 'mmpose'
custom_imports = dict(imports=['lrpose_mm'], allow_failed_imports=False)
data_root = {data_root!r}
codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0,), strides=(1,),
                  dilations=(1,)),
    head=dict(type='HeatmapHead', in_channels=64, out_channels=17, deconv_out_channels=None,
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
train_pipeline = [
    dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec), dict(type='PackPoseInputs')]
val_pipeline = [
    dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']), dict(type='PackPoseInputs')]
dataset = dict(type='CocoDataset', data_root=data_root, data_mode='topdown',
               ann_file='annotations/train.json', data_prefix=dict(img='images/'))
train_dataloader = dict(batch_size=3, num_workers=0, persistent_workers=False,
                        sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(**dataset, pipeline=train_pipeline))
val_dataloader = dict(batch_size=3, num_workers=0, persistent_workers=False, drop_last=False,
                      sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
                      dataset=dict(**dataset, pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + '/annotations/train.json',
                     use_area=False, score_mode='bbox', nms_mode='none')
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=2)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = []
default_hooks = dict(timer=dict(type='IterTimerHook'), logger=dict(type='LoggerHook', interval=1),
                     param_scheduler=dict(type='ParamSchedulerHook'),
                     checkpoint=dict(type='CheckpointHook', interval=1),
                     sampler_seed=dict(type='DistSamplerSeedHook'))
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=1, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
'''


@pytest.fixture(scope='session')
def tiny_topdown_cfg(tiny_coco, tmp_path_factory) -> Path:
    """A tiny plain-MMPose top-down config file training on ``tiny_coco``."""
    path = tmp_path_factory.mktemp('cfg') / 'td-hm_res18_tiny.py'
    path.write_text(TINY_TOPDOWN_CFG.format(data_root=str(tiny_coco)))
    return path


def run_tool(*args: str, timeout: int = 600, env: dict = None) -> subprocess.CompletedProcess:
    """Run a project tool with the current interpreter; fail with its output on error."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1', **(env or {}))
    proc = subprocess.run([*args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=full_env)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}')
    return proc


PY = sys.executable
