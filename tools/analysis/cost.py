"""Cost of every variant at the paper-like size, measured side by side in one run.

    python tools/analysis/cost.py [--backbone hrnet-w32] [--batch 8] [--rounds 5] [--out cost.json]
                                  [--no-onnxruntime]

Params and FLOPs come from mmengine.analysis; CPU throughput is the forward pass of
SR + pose network on the same number of crops, interleaved round by round so machine
noise hits every entry alike. A cascaded ESRGAN-sized RRDBNet x4 front end (random
weights, ``rrdbnet.py`` beside this script, timing only) shows what a general-purpose
SR front end would cost. Each variant is also exported to ONNX (lrpose_mm.deploy) and timed
with onnxruntime on CPU in the same interleaved rounds, with the same thread count (img/s side
by side; the max abs difference of its outputs to PyTorch is reported). The configs are the
installed package's (``lrpose_mm::pose/``).
"""
import argparse
from typing import Dict, Tuple

import torch
from rrdbnet import RRDBNet  # beside this script

import lrpose_mm  # noqa: F401
from lrpose_mm.analysis import complexity, estimator_complexity, throughput_side_by_side
from lrpose_mm.config import load_config
from lrpose_mm.fileio import atomic_json_dump

HR_ORACLE = 'hr-oracle (256x192 input)'
CASCADE = 'RRDBNet-x4 + HR pose (cascade)'
ORT = ' [onnxruntime]'


def build(config: str) -> torch.nn.Module:
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    return MODELS.build(load_config(config).model).eval()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--backbone', default='hrnet-w32', choices=['hrnet-w32', 'hrnet-w48', 'res50'])
    p.add_argument('--scale', type=int, default=4, choices=[4, 8])
    p.add_argument('--batch', type=int, default=8, help='crops per forward pass for the throughput')
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out', help='also write the table as JSON here')
    p.add_argument('--no-onnxruntime', action='store_true', help='skip the onnxruntime column')
    args = p.parse_args()
    args.onnxruntime_callable = None
    if not args.no_onnxruntime:
        try:
            from lrpose_mm.deploy import onnxruntime_callable
        except ImportError as e:
            p.error('onnxruntime column needs onnx + onnxruntime (pip install '
                    f'"lrpose_mm[deploy]"), or pass --no-onnxruntime: {e}')
        args.onnxruntime_callable = onnxruntime_callable
    return args


def variants(bb: str, s: int) -> Dict[str, Tuple[str, Tuple[int, int]]]:
    """Row name -> (shipped config, input size) of the five variants."""
    lr = f'{256 // s}x{192 // s}'
    lr_hw = (256 // s, 192 // s)
    cfg = 'lrpose_mm::pose/{}_8xb64-210e_coco-{}.py'.format
    return {
        HR_ORACLE: (cfg(f'hr-oracle_{bb}', '256x192'), (256, 192)),
        f'lr-direct ({lr} input)': (cfg(f'lr-direct_{bb}', f'lr{lr}'), lr_hw),
        f'bicubic-x{s}': (cfg(f'bicubic-x{s}_{bb}', f'lr{lr}'), lr_hw),
        f'two-stage-x{s}': (cfg(f'two-stage-x{s}_{bb}', f'lr{lr}'), lr_hw),
        f'pdsr-x{s}': (cfg(f'pdsr-x{s}_{bb}', f'lr{lr}'), lr_hw),
    }


def measure(args) -> Dict[str, dict]:
    """Params/FLOPs of every variant (and the cascade), then CPU img/s side by side."""
    rows, runs, hr_pose = {}, {}, None
    for name, (cfg, hw) in variants(args.backbone, args.scale).items():
        try:
            model = build(cfg)
        except FileNotFoundError:
            print(f'skip {name}: {cfg} does not exist for this backbone/scale')
            continue
        rows[name] = estimator_complexity(model, hw)
        runs[name] = (lambda t, m=model: m(t, None, mode='tensor'),
                      torch.randn(args.batch, 3, *hw))
        if args.onnxruntime_callable is not None:
            fn, parity = args.onnxruntime_callable(model, 'sr', num_threads=args.threads)
            runs[name + ORT] = (fn, runs[name][1])
            rows[name]['onnx_max_abs_diff'] = parity['max_abs_diff']
        hr_pose = model if name == HR_ORACLE else hr_pose
    if args.scale == 4:   # the RRDBNet front end is x4
        heavy, lr_hw = RRDBNet().eval(), (64, 48)
        params, gflops = complexity(heavy, torch.randn(1, 3, *lr_hw))
        hr = rows[HR_ORACLE]
        rows[CASCADE] = dict(params_M=params + hr['params_M'], gflops=gflops + hr['gflops'],
                             sr_params_M=params, sr_gflops=gflops)
        runs[CASCADE] = (lambda t: hr_pose(heavy(t), None, mode='tensor'),
                         torch.randn(args.batch, 3, *lr_hw))
    print(f'measuring CPU throughput: {len(runs)} entries x {args.rounds} rounds, '
          f'batch {args.batch} ...')
    for name, ips in throughput_side_by_side(runs, rounds=args.rounds).items():
        if name.endswith(ORT):
            rows[name[:-len(ORT)]]['cpu_img_per_s_onnxruntime'] = ips
        else:
            rows[name]['cpu_img_per_s'] = ips
    return rows


def print_table(rows: Dict[str, dict], args) -> None:
    hr = rows[HR_ORACLE]
    s = args.scale
    print(f'\n{args.backbone}, HR 256x192, LR {256 // s}x{192 // s} (x{s}); '
          f'{torch.get_num_threads()} threads, batch {args.batch}')
    print(f'{"variant":34s} {"params(M)":>9s} {"GFLOPs":>8s} {"SR GFLOPs":>9s} {"SR/pose":>8s} '
          f'{"img/s":>8s} {"vs HR":>6s} {"ORT img/s":>9s} {"ORT diff":>9s}')
    for name, r in rows.items():
        r['sr_over_pose_flops'] = r['sr_gflops'] / hr['gflops']
        r['throughput_vs_hr'] = r['cpu_img_per_s'] / hr['cpu_img_per_s']
        print(f'{name:34s} {r["params_M"]:9.3f} {r["gflops"]:8.3f} {r["sr_gflops"]:9.3f} '
              f'{r["sr_over_pose_flops"]:8.3f} {r["cpu_img_per_s"]:8.2f} '
              f'{r["throughput_vs_hr"]:6.2f} '
              f'{r.get("cpu_img_per_s_onnxruntime", float("nan")):9.2f} '
              f'{r.get("onnx_max_abs_diff", float("nan")):9.2g}')
    pd, hv = rows.get(f'pdsr-x{s}'), rows.get(CASCADE)
    if pd and hv:
        print(f'\nPDSR neck / RRDBNet-x4 FLOPs: {pd["sr_gflops"] / hv["sr_gflops"]:.4f}; '
              f'PDSR throughput / cascade throughput: '
              f'{pd["cpu_img_per_s"] / hv["cpu_img_per_s"]:.1f}x')


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    rows = measure(args)
    print_table(rows, args)
    if args.out:
        atomic_json_dump(dict(backbone=args.backbone, scale=args.scale, batch=args.batch,
                              threads=args.threads, rows=rows), args.out)


if __name__ == '__main__':
    main()
