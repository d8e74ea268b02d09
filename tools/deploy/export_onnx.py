"""Export an SR pose model to ONNX and check it against PyTorch.

    python tools/deploy/export_onnx.py CONFIG CHECKPOINT --out-prefix work_dirs/onnx/pdsr \
        [--paths sr sr_x2 direct] [--opset 17] [--max-diff 1e-3]

Writes ``<out-prefix>_sr.onnx`` (LR crops in, heatmaps or SimCC vectors out),
``<out-prefix>_sr_x<k>.onnx`` for each extra SR neck (crops at the pose input
size / k), ``<out-prefix>_direct.onnx`` (crops at the pose input size, no SR;
the large people of resolution-adaptive inference) and ``<out-prefix>.json`` (input sizes,
output names, parity). Inputs are normalised like the model's data
preprocessor output. Exits with an error when a path's max abs difference to
PyTorch on random crops exceeds ``--max-diff``.
"""
import argparse
import os
import sys

import lrpose_mm  # noqa: F401  (registers modules, applies compat fixes)
from lrpose_mm.apis import init_pose_model
from lrpose_mm.fileio import atomic_json_dump


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', help='pose config (an SRTopdownPoseEstimator)')
    p.add_argument('checkpoint', help='checkpoint of that config')
    p.add_argument('--out-prefix', required=True, help='output files: <prefix>_<path>.onnx')
    p.add_argument('--paths', nargs='+', default=None,
                   help="routes to export: 'sr', 'sr_x<k>' (an extra SR neck), 'direct' "
                        '(default: every route of the model)')
    p.add_argument('--opset', type=int, default=17)
    p.add_argument('--max-diff', type=float, default=1e-3,
                   help='largest allowed abs difference to PyTorch (head outputs)')
    p.add_argument('--check-batch', type=int, default=4, help='random crops for the check')
    p.add_argument('--allow-partial-checkpoint', action='store_true',
                   help='export even if the checkpoint does not fit the model (warning)')
    args = p.parse_args(argv)
    for name in ('config', 'checkpoint'):
        if not os.path.isfile(getattr(args, name)):
            p.error(f'{name} {getattr(args, name)!r} is not a file')
    if args.max_diff <= 0 or args.check_batch < 1 or args.opset < 9:
        p.error('--max-diff must be > 0, --check-batch >= 1, --opset >= 9')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        from lrpose_mm.deploy import export_onnx, onnx_parity
    except ImportError as e:
        sys.exit(f'export needs onnx and onnxruntime: pip install "lrpose_mm[deploy]" ({e})')
    model = init_pose_model(args.config, args.checkpoint, device='cpu',
                            allow_partial=args.allow_partial_checkpoint)
    if not hasattr(model, 'forward_network'):
        sys.exit(f'{type(model).__name__} is not an SRTopdownPoseEstimator: nothing to export')
    paths = args.paths or list(model.sr_routes)
    unknown = [p for p in paths if p not in model.sr_routes]
    if unknown:
        sys.exit(f'--paths {unknown}: the model has the routes {list(model.sr_routes)}')
    report = dict(config=args.config, checkpoint=args.checkpoint, sr_scale=model.sr_scale,
                  sr_scales=list(model.sr_scales), paths={})
    failed = []
    for path in paths:
        info = export_onnx(model, f'{args.out_prefix}_{path}.onnx', path, args.opset)
        parity = onnx_parity(model, info['file'], path, batch_size=args.check_batch)
        report['paths'][path] = dict(info, parity=parity)
        w, h = info['input_size']
        print(f'{path:6s}: {info["file"]}  input (N,3,{h},{w}) -> {", ".join(info["outputs"])}; '
              f'max abs diff vs PyTorch {parity["max_abs_diff"]:.3g} '
              f'(outputs up to {parity["max_abs_ref"]:.3g})')
        if not parity['max_abs_diff'] <= args.max_diff:
            failed.append(path)
    atomic_json_dump(report, args.out_prefix + '.json', indent=2)
    if failed:
        sys.exit(f'ONNX output differs from PyTorch by more than --max-diff={args.max_diff} '
                 f'on path(s) {failed}')
    return 0


if __name__ == '__main__':
    main()
