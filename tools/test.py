"""Test (evaluate) a checkpoint with the mmengine Runner, like MMPose's tools/test.py."""
import argparse
import os
import os.path as osp

import mmengine
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.runner import Runner

import lrpose_mm  # noqa: F401  (registers modules, applies compat fixes)
from lrpose_mm.engine import CheckpointFitHook, check_checkpoint_file
from lrpose_mm.fileio import atomic_path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a (low-resolution) pose or action model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for the evaluation logs')
    parser.add_argument('--out', help='save the metric results to this file (json/yaml/pkl)')
    parser.add_argument('--dump',
                        help='dump the predictions to this .pkl file for offline evaluation')
    parser.add_argument('--show-dir', help='save visualisations here')
    parser.add_argument('--show', action='store_true', help='show visualisations')
    parser.add_argument('--interval', type=int, default=1, help='visualise every N samples')
    parser.add_argument('--wait-time', type=float, default=1, help='display time of a window (s)')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help='load a checkpoint that does not fit the model (missing, unexpected '
                             'or mis-shaped tensors) with a warning instead of an error')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value (xxx.yyy=zzz)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config."""
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.show or args.show_dir is not None:
        vis = cfg.get('default_hooks', {}).get('visualization')
        if vis is None:
            raise ValueError('--show/--show-dir need default_hooks.visualization in the config')
        vis.update(enable=True, show=args.show, out_dir=args.show_dir, interval=args.interval)
        if args.show:
            vis.wait_time = args.wait_time
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must name a .pkl file, got {args.dump!r}')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = [*evaluator, dump] if isinstance(evaluator, (list, tuple)) \
            else [evaluator, dump]
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


class SaveMetricsHook(Hook):
    """Writes the test metrics to ``--out`` once the test epoch ends."""

    priority = 'LOWEST'

    def __init__(self, out_file: str) -> None:
        self.out_file = out_file

    def after_test_epoch(self, runner, metrics=None) -> None:
        if metrics is not None and runner.rank == 0:
            with atomic_path(self.out_file) as tmp:   # no partial result file
                mmengine.dump(metrics, tmp)


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_checkpoint_file(cfg.load_from)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(CheckpointFitHook(allow_partial=args.allow_partial_checkpoint))
    if args.out:
        runner.register_hook(SaveMetricsHook(args.out))
    runner.test()


if __name__ == '__main__':
    main()
