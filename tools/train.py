"""Train an lrpose_mm (or any MMPose/MMAction2) config with the mmengine Runner.

Same command line as MMPose's ``tools/train.py``; importing ``lrpose_mm``
registers the plugin's modules and applies the upstream compatibility fixes.
"""
import argparse
import os
import os.path as osp
import warnings

from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.runner import Runner

import lrpose_mm  # noqa: F401  (registers modules, applies compat fixes)
from lrpose_mm.engine import check_checkpoint_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a (low-resolution) pose or action model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from this checkpoint, or (no value) from the latest one '
                        'in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (float16 on a GPU, bfloat16 on a CPU)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the actual total batch size')
    parser.add_argument('--show-dir', help='save validation visualisations here')
    parser.add_argument('--show', action='store_true', help='show validation visualisations')
    parser.add_argument('--interval', type=int, default=1, help='visualise every N samples')
    parser.add_argument('--wait-time', type=float, default=1, help='display time of a window (s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value (xxx.yyy=zzz)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config (CLI > config > defaults)."""
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper', 'BF16AutocastOptimWrapper'):
            raise ValueError(f'--amp does not support optim_wrapper.type={wrapper!r}')
        import torch
        if torch.cuda.is_available():  # MMPose's choice: float16 with dynamic loss scaling
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:  # mmengine's AmpOptimWrapper refuses a CPU: bfloat16 autocast instead
            cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'
            cfg.optim_wrapper.pop('loss_scale', None)
            if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
                warnings.warn('--amp: oneDNN finds no native bfloat16 on this CPU (no AVX-512 '
                              'BF16/AMX): autocast is emulated here and is likely slower than '
                              'float32 (tools/benchmarks/common/precision.py times both)')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr=dict(base_batch_size=...)` '
                             'in the config')
        cfg.auto_scale_lr.enable = True
    if args.show or args.show_dir is not None:
        vis = cfg.get('default_hooks', {}).get('visualization')
        if vis is None:
            raise ValueError('--show/--show-dir need default_hooks.visualization in the config')
        vis.update(enable=True, show=args.show, out_dir=args.show_dir, interval=args.interval)
        if args.show:
            vis.wait_time = args.wait_time
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def check_train_length(cfg: Config) -> None:
    """A training whose loop would run no iteration is an error naming the option."""
    loop = cfg.get('train_cfg') or {}
    by_epoch = loop.get('by_epoch', loop.get('type') == 'EpochBasedTrainLoop')
    for key in (('max_epochs', ) if by_epoch else ('max_iters', 'max_epochs')):
        if key in loop:
            value = loop[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'train_cfg.{key}={value!r}: a training needs at least one '
                                 f'{"epoch" if key == "max_epochs" else "iteration"} '
                                 '(an integer >= 1)')


class _CountIters(Hook):
    """Counts the training iterations this run really performs."""
    priority = 'LOWEST'

    def __init__(self) -> None:
        self.count = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.count += 1


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    try:
        check_train_length(cfg)
    except ValueError as e:
        raise SystemExit(f'error: {e}') from None
    check_checkpoint_file(cfg.get('load_from'), 'load_from' if not cfg.get('resume') else 'resume')
    runner = Runner.from_cfg(cfg)
    counter = _CountIters()
    runner.register_hook(counter)
    runner.train()
    if counter.count == 0:
        loop = runner.train_loop
        raise SystemExit(
            f'error: the training ran no iteration (iteration {loop.iter} of '
            f'train_cfg.max_iters={loop.max_iters}, {len(loop.dataloader)} batches per epoch): '
            'an empty training set, a resume from a finished training, or a schedule of '
            'length 0; no checkpoint was written')
    # end the process group before the interpreter exits: with gloo (CPU) a rank that exits while
    # the group's threads still run aborts ("terminate called without an active exception")
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
