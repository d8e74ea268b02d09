"""A row's config prepared for one stage of the benchmark: its data, schedule, evaluation
(with per-person dumps) and precision on top of the config the user gets, and the data."""
import copy
from typing import Dict, Optional

from mmengine.config import Config

from lrpose_mm.datasets.synthetic import generate_people_splits

from ..budget import Budget

TRAIN_CFG_SPLIT = 'val'  # named in a training config's evaluation fields, never read by it


def configure(cfg: Config, budget: Budget, data_root: str, iters: int, seed: int,
              split: str = 'val', load_from: Optional[str] = None) -> Config:
    """The benchmark's data, schedule and evaluation on top of a variant's config."""
    cfg = copy.deepcopy(cfg)
    root = data_root.rstrip('/') + '/'
    ann = f'{root}annotations/person_keypoints_{split}.json'
    cfg.train_dataloader.dataset.data_root = root
    cfg.train_dataloader.batch_size = budget.batch_size
    for name in ('train_dataloader', 'test_dataloader'):
        dl = cfg[name]
        dl.num_workers = budget.workers
        dl.persistent_workers = budget.workers > 0
    test = cfg.test_dataloader.dataset
    test.data_root = root
    test.ann_file = f'annotations/person_keypoints_{split}.json'
    test.data_prefix = dict(img=f'{split}/')
    evaluators = []
    for ev in cfg.test_evaluator:
        ev = dict(ev)
        if ev['type'] == 'CocoMetric':
            ev.update(ann_file=ann, outfile_prefix='{stage_dir}/coco')
        evaluators.append(ev)
    evaluators.append(dict(type='KeypointInstanceDump', out_file='{stage_dir}/instances.npz'))
    cfg.test_evaluator = evaluators
    # no validation loop at all (mmengine's iteration loop would validate at the last
    # iteration whatever val_interval says): the split is read only by the test stage
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.pop('val_interval', None)
    warmup = max(1, min(100, iters // 10))
    cfg.param_scheduler[0].end = warmup
    cfg.param_scheduler[1].end = iters
    cfg.param_scheduler[1].T_max = iters
    cfg.default_hooks.checkpoint.interval = max(1, iters // 3)
    cfg.default_hooks.logger.interval = max(1, min(50, iters // 5))
    if not isinstance(budget.amp, bool) or not isinstance(budget.channels_last, bool):
        raise ValueError('resolve the budget\'s amp/channels_last (resolve_precision) '
                         f'before configuring a stage: {budget.amp!r}, {budget.channels_last!r}')
    if budget.amp:
        cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'
    if budget.channels_last:
        cfg.custom_hooks = [*(cfg.get('custom_hooks') or []), dict(type='ChannelsLastHook')]
    cfg.randomness = dict(seed=seed)
    cfg.load_from = load_from
    teacher = cfg.model.get('teacher')
    if teacher is not None and not teacher.get('checkpoint') and load_from:
        teacher['checkpoint'] = load_from  # the teacher is the network the row starts from
    cfg.launcher = 'none'
    return cfg


def ensure_data(budget: Budget) -> Dict[str, dict]:
    """Generate (or reuse) the procedural train/tune/val people."""
    return generate_people_splits(budget.data_root, num_train=budget.num_train_images,
                                  num_val=budget.num_val_images, num_tune=budget.num_tune_images,
                                  seed=budget.seed, progress=True, overwrite=True,
                                  workers=max(2, budget.workers))
