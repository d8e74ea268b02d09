"""Cost of every variant at the paper-like size, measured side by side in one run.

    python tools/analysis/cost.py [--backbone hrnet-w32] [--batch 8] [--rounds 5] [--out cost.json]

Params and FLOPs come from mmengine.analysis; CPU throughput is the forward pass of
SR + pose network on the same number of crops, interleaved round by round so machine
noise hits every entry alike. A cascaded ESRGAN-sized RRDBNet x4 front end (random
weights, built here, timing only) shows what a general-purpose SR front end would cost.
"""
import argparse
from pathlib import Path

import torch
from rrdbnet import RRDBNet   # beside this script

import lrpose_mm  # noqa: F401
from lrpose_mm.benchmark.cost import complexity, estimator_complexity, throughput_side_by_side
from lrpose_mm.fileio import atomic_json_dump

CFG = Path(__file__).resolve().parents[2] / 'configs' / 'pose'


def build(config: Path) -> torch.nn.Module:
    from mmengine.config import Config
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    model = MODELS.build(Config.fromfile(str(config)).model)
    return model.eval()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--backbone', default='hrnet-w32', choices=['hrnet-w32', 'hrnet-w48', 'res50'])
    p.add_argument('--scale', type=int, default=4, choices=[4, 8])
    p.add_argument('--batch', type=int, default=8, help='crops per forward pass for the throughput')
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out', help='also write the table as JSON here')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    bb, s = args.backbone, args.scale
    lr = f'{256 // s}x{192 // s}'
    variants = {
        'hr-oracle (256x192 input)': (CFG / f'hr-oracle_{bb}_8xb64-210e_coco-256x192.py', (256, 192)),
        f'lr-direct ({lr} input)': (CFG / f'lr-direct_{bb}_8xb64-210e_coco-lr{lr}.py', (256 // s, 192 // s)),
        f'bicubic-x{s}': (CFG / f'bicubic-x{s}_{bb}_8xb64-210e_coco-lr{lr}.py', (256 // s, 192 // s)),
        f'two-stage-x{s}': (CFG / f'two-stage-x{s}_{bb}_8xb64-210e_coco-lr{lr}.py', (256 // s, 192 // s)),
        f'pdsr-x{s}': (CFG / f'pdsr-x{s}_{bb}_8xb64-210e_coco-lr{lr}.py', (256 // s, 192 // s)),
    }
    rows, runs = {}, {}
    hr_pose = None
    for name, (cfg, hw) in variants.items():
        if not cfg.is_file():
            print(f'skip {name}: {cfg.name} does not exist for this backbone/scale')
            continue
        model = build(cfg)
        rows[name] = estimator_complexity(model, hw)
        runs[name] = (lambda t, m=model: m(t, None, mode='tensor'), torch.randn(args.batch, 3, *hw))
        if name.startswith('hr-oracle'):
            hr_pose = model
    heavy = RRDBNet().eval()
    lr_hw = (256 // s, 192 // s) if s == 4 else None
    if lr_hw is not None:  # the RRDBNet front end is x4
        heavy_params, heavy_gflops = complexity(heavy, torch.randn(1, 3, *lr_hw))
        rows['RRDBNet-x4 + HR pose (cascade)'] = dict(
            params_M=heavy_params + rows['hr-oracle (256x192 input)']['params_M'],
            gflops=heavy_gflops + rows['hr-oracle (256x192 input)']['gflops'],
            sr_params_M=heavy_params, sr_gflops=heavy_gflops)
        runs['RRDBNet-x4 + HR pose (cascade)'] = (
            lambda t: hr_pose(heavy(t), None, mode='tensor'), torch.randn(args.batch, 3, *lr_hw))
    print(f'measuring CPU throughput: {len(runs)} entries x {args.rounds} rounds, batch {args.batch} ...')
    for name, ips in throughput_side_by_side(runs, rounds=args.rounds).items():
        rows[name]['cpu_img_per_s'] = ips
    hr = rows['hr-oracle (256x192 input)']
    pose_gflops = hr['gflops']
    print(f'\n{bb}, HR 256x192, LR {lr} (x{s}); {torch.get_num_threads()} threads, batch {args.batch}')
    head = f'{"variant":34s} {"params(M)":>9s} {"GFLOPs":>8s} {"SR GFLOPs":>9s} {"SR/pose":>8s} {"img/s":>8s} {"vs HR":>6s}'
    print(head)
    for name, r in rows.items():
        r['sr_over_pose_flops'] = r['sr_gflops'] / pose_gflops
        r['throughput_vs_hr'] = r['cpu_img_per_s'] / hr['cpu_img_per_s']
        print(f'{name:34s} {r["params_M"]:9.3f} {r["gflops"]:8.3f} {r["sr_gflops"]:9.3f} '
              f'{r["sr_over_pose_flops"]:8.3f} {r["cpu_img_per_s"]:8.2f} {r["throughput_vs_hr"]:6.2f}')
    pd = rows.get(f'pdsr-x{s}')
    if pd and 'RRDBNet-x4 + HR pose (cascade)' in rows:
        hv = rows['RRDBNet-x4 + HR pose (cascade)']
        print(f'\nPDSR neck / RRDBNet-x4 FLOPs: {pd["sr_gflops"] / hv["sr_gflops"]:.4f}; '
              f'PDSR throughput / cascade throughput: {pd["cpu_img_per_s"] / hv["cpu_img_per_s"]:.1f}x')
    if args.out:
        atomic_json_dump(dict(backbone=bb, scale=s, batch=args.batch, threads=args.threads,
                              rows=rows), args.out)


if __name__ == '__main__':
    main()
