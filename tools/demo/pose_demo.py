"""Skeletons on an image, a video or a folder of frames, with the resolution-adaptive SR model.

    python tools/demo/pose_demo.py CONFIG CHECKPOINT INPUT --out-dir OUT
        [--tracks TRACKS.json | --det-config DET.py --det-checkpoint DET.pth]  # else full frame
        [--size-threshold PX [PX ...] | --always-sr] [--show-sr]
        [--backend onnxruntime --onnx-prefix work_dirs/onnx/pdsr]
        [--draw-short-side 480] [--overwrite]

Like MMPose's ``demo/topdown_demo_with_mmdet.py``: person boxes come from a track
file (``lrpose_mm.tracks.v1``), an MMDetection detector (config + local checkpoint)
or the full frame; each person goes through an SR path (small: the largest factor;
mid-size: a smaller factor, when the model has ``extra_sr_necks``) or the direct path
(large), see ``AdaptiveTopdownAffine``; MMPose's ``PoseLocalVisualizer`` draws the
skeletons. Writes ``OUT/<name>.jpg`` (image) or ``OUT/<name>.mp4`` (video, frame
folder) and ``OUT/results_<name>.json`` (MMPose's prediction format, plus each
person's ``sr_path`` and ``track_id``). ``--show-sr`` adds a panel with the LR crop
and its super-resolved crop for the first SR-path people of each frame.

A small input (the use case: people of 20-40 px) is drawn on the frame scaled up so
that its short side is ``--draw-short-side`` pixels (a 160x90 video is drawn at
854x480), so that the skeletons stay readable; the JSON keeps the coordinates of the
input's pixels. The demo never writes over its input, and
replaces an existing output (``OUT/<name>.jpg``, ``OUT/results_<name>.json``) only
with ``--overwrite``; ``--out-dir`` is resolved (symlinks followed) before both checks.
"""
import argparse
import json
import os
import sys
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')


class DemoError(Exception):
    """Bad input: the message names the file or option and the problem."""


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', help='pose config (an SRTopdownPoseEstimator)')
    p.add_argument('checkpoint', help='checkpoint of that config')
    p.add_argument('input', help='image file, video file or folder of frames')
    p.add_argument('--out-dir', required=True, help='folder for the picture/video and the JSON')
    p.add_argument('--overwrite', action='store_true',
                   help='replace existing outputs of the same name in --out-dir (never the input)')
    p.add_argument('--draw-short-side', type=int, default=480,
                   help='draw on the frame scaled up so that its short side is this many '
                        'pixels, when it is smaller (0: draw at the input size); the JSON '
                        'stays in input pixels')
    src = p.add_mutually_exclusive_group()
    src.add_argument('--tracks', help='track file (lrpose_mm.tracks.v1); frame 0 for an image')
    src.add_argument('--det-config', help='MMDetection config for person boxes')
    p.add_argument('--det-checkpoint', help='local MMDetection checkpoint (with --det-config)')
    p.add_argument('--det-score-thr', type=float, default=0.5)
    p.add_argument('--max-persons', type=int, default=10, help='detector boxes kept per frame')
    route = p.add_mutually_exclusive_group()
    route.add_argument('--size-threshold', type=float, nargs='+',
                       help='person region height (px) from which no SR is used (default: '
                            'the pose input height); one value per SR factor of a model '
                            'with extra SR necks, increasing (the upper end of each '
                            "factor's sizes, largest factor first)")
    route.add_argument('--always-sr', action='store_true',
                       help='use the SR path of the largest factor for everyone')
    p.add_argument('--show-sr', action='store_true', help='draw LR and SR crops beside the frame')
    p.add_argument('--sr-slots', type=int, default=3, help='people shown by --show-sr')
    p.add_argument('--backend', choices=['pytorch', 'onnxruntime'], default='pytorch')
    p.add_argument('--onnx-prefix', help='<prefix>_sr.onnx, <prefix>_sr_x<k>.onnx, '
                                         '<prefix>_direct.onnx (tools/deploy/export_onnx.py) '
                                         'for --backend onnxruntime')
    p.add_argument('--batch-size', type=int, default=32, help='crops per forward pass')
    p.add_argument('--kpt-thr', type=float, default=0.3, help='keypoint score to draw')
    p.add_argument('--radius', type=int, default=3)
    p.add_argument('--thickness', type=int, default=1)
    p.add_argument('--fps', type=float, default=25.0, help='output fps for a frame folder')
    p.add_argument('--max-frames', type=int, help='stop after this many frames')
    p.add_argument('--device', default='cpu')
    p.add_argument('--allow-partial-checkpoint', action='store_true')
    args = p.parse_args(argv)
    for name in ('config', 'checkpoint'):
        if not os.path.isfile(getattr(args, name)):
            p.error(f'{name} {getattr(args, name)!r} is not a file')
    if not os.path.exists(args.input):
        p.error(f'input {args.input!r} does not exist')
    if args.tracks is not None and not os.path.isfile(args.tracks):
        p.error(f'--tracks {args.tracks!r} is not a file')
    if args.det_config is not None:
        if not os.path.isfile(args.det_config):
            p.error(f'--det-config {args.det_config!r} is not a file')
        if not args.det_checkpoint or not os.path.isfile(args.det_checkpoint):
            p.error('--det-config needs --det-checkpoint with a local checkpoint file '
                    f'(got {args.det_checkpoint!r}; nothing is downloaded)')
    if args.backend == 'onnxruntime' and not args.onnx_prefix:
        p.error('--backend onnxruntime needs --onnx-prefix')
    for name in ('batch_size', 'sr_slots', 'max_persons', 'radius', 'thickness'):
        if getattr(args, name) < 1:
            p.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.max_frames is not None and args.max_frames < 1:
        p.error('--max-frames must be >= 1')
    if args.size_threshold is not None:
        if not all(t > 0 for t in args.size_threshold):
            p.error('--size-threshold must be > 0')
        if any(a >= b for a, b in zip(args.size_threshold, args.size_threshold[1:])):
            p.error('--size-threshold values must be increasing (one per SR factor, the '
                    'largest factor first)')
    if not args.fps > 0:
        p.error('--fps must be > 0')
    if args.draw_short_side < 0:
        p.error('--draw-short-side must be >= 0 (0: draw at the input size)')
    return args


# ----------------------------------------------------------------------------- outputs
def output_paths(args, kind: str) -> Dict[str, str]:
    """The files the demo writes, in the resolved ``--out-dir``; refuses (DemoError)
    any that is the input or lies in a frame-folder input, and existing ones
    without ``--overwrite``: checked before anything is written."""
    out_dir = os.path.realpath(args.out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise DemoError(f'--out-dir {args.out_dir!r} exists and is not a folder')
    src = os.path.realpath(args.input)
    if kind == 'frames' and (out_dir == src or out_dir.startswith(src + os.sep)):
        raise DemoError(f'--out-dir {args.out_dir!r} is inside the input frame folder '
                        f'{args.input!r}: choose another folder')
    stem = os.path.splitext(os.path.basename(os.path.normpath(args.input)))[0]
    paths = dict(out_dir=out_dir,
                 visual=os.path.join(out_dir, stem + ('.jpg' if kind == 'image' else '.mp4')),
                 json=os.path.join(out_dir, f'results_{stem}.json'), stem=stem)
    for key in ('visual', 'json'):
        path = paths[key]
        if os.path.realpath(path) == src or (os.path.exists(path)
                                             and os.path.samefile(path, src)):
            raise DemoError(f'--out-dir {args.out_dir!r}: the output {path!r} would replace '
                            f'the input {args.input!r}; choose another folder')
    existing = [paths[k] for k in ('visual', 'json') if os.path.lexists(paths[k])]
    if existing and not args.overwrite:
        raise DemoError(f'--out-dir {args.out_dir!r} already holds {existing}: pass '
                        '--overwrite to replace them, or choose another folder')
    return paths


# ----------------------------------------------------------------------------- inputs
def input_kind(path: str) -> str:
    from lrpose_mm.fileio import IMAGE_EXTS
    if os.path.isdir(path):
        return 'frames'
    ext = os.path.splitext(path)[1].lower()
    if ext in IMAGE_EXTS:
        return 'image'
    if ext in VIDEO_EXTS:
        return 'video'
    raise DemoError(f'input {path!r}: unknown file type {ext!r} (images: {IMAGE_EXTS}, '
                    f'videos: {VIDEO_EXTS}, or a folder of frames)')


def read_image(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None or not img.size:
        raise DemoError(f'input {path!r}: not a readable image (corrupt or truncated)')
    return img


def box_source(args):
    """callable(frame_idx, frame) -> (N, 5) [x1, y1, x2, y2, track_id]."""
    from lrpose_mm.action import DetectorBoxes, FullFrameBoxes, TrackBoxes
    if args.tracks:
        src = TrackBoxes(args.tracks)
    elif args.det_config:
        src = DetectorBoxes(args.det_config, args.det_checkpoint, device=args.device,
                            score_thr=args.det_score_thr, max_persons=args.max_persons)
    else:
        src = FullFrameBoxes()
    return lambda idx, frame: src(idx, frame, 1.0, 1.0)


def clean_boxes(boxes: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Clip to the frame; drop empty/degenerate boxes (counted by the caller)."""
    from lrpose_mm.action import sanitize_box
    h, w = frame.shape[:2]
    keep = []
    for b in boxes:
        box, _ = sanitize_box(b, w, h)
        if box is not None:
            keep.append([*box, b[4]])
    return np.array(keep, np.float32).reshape(-1, 5)


# ----------------------------------------------------------------------------- model
def build_model(args):
    import lrpose_mm  # noqa: F401
    from lrpose_mm.action import real_lr_pipeline
    from lrpose_mm.apis import adaptive_pipeline, init_pose_model
    model = init_pose_model(args.config, args.checkpoint, device=args.device,
                            allow_partial=args.allow_partial_checkpoint)
    if getattr(model, 'sr_scale', 1) > 1:
        n = len(model.sr_scales)
        thr = args.size_threshold
        if args.always_sr:  # everyone below the largest factor's threshold
            thr = tuple(1e12 * (i + 1) for i in range(n))
        elif thr is not None and len(thr) != n:
            raise DemoError(f'--size-threshold: the model has SR factors {model.sr_scales}, '
                            f'give {n} value(s), got {len(thr)}')
        elif thr is not None:
            thr = thr[0] if n == 1 else tuple(thr)
        pipeline = adaptive_pipeline(model, size_threshold=thr)
    else:  # LR-direct / HR oracle: crop straight to the model's input size
        pipeline = real_lr_pipeline(model.cfg)
    model.cfg.test_dataloader.dataset.pipeline = pipeline
    return model, pipeline


def onnx_files(args, pipeline, routes=('sr', 'direct')) -> Dict[str, str]:
    """The ONNX file of each route the pipeline can send people to."""
    files = {p: f'{args.onnx_prefix}_{p}.onnx' for p in routes}
    adaptive = any(t.get('type') == 'AdaptiveTopdownAffine' for t in pipeline)
    need = list(routes) if adaptive and not args.always_sr else ['sr']
    missing = [files[p] for p in need if not os.path.isfile(files[p])]
    if missing:
        raise DemoError(f'--onnx-prefix: {missing} not found (export with '
                        f'tools/deploy/export_onnx.py --out-prefix {args.onnx_prefix})')
    return {p: files[p] for p in need}


# ----------------------------------------------------------------------------- drawing
def sr_panel(frame: np.ndarray, samples: List, slots: int, denorm_hw,
             height: Optional[int] = None) -> np.ndarray:
    """LR crop (nearest-upsampled) beside its SR crop for the first SR-path people,
    ``height`` (default: the frame's) pixels tall."""
    from mmpose.structures.bbox import get_warp_matrix
    fh = height or frame.shape[0]
    hr_h, hr_w = denorm_hw
    tile_h = max(8, fh // slots)
    tile_w = max(4, int(round(tile_h * hr_w / hr_h)))
    panel = np.full((fh, 2 * tile_w, 3), 32, np.uint8)
    k = 0
    for s in samples:
        if k >= slots or 'pred_sr_img' not in s:
            continue
        m = s.metainfo
        w, h = (int(v) for v in m['input_size'])
        warp = get_warp_matrix(np.asarray(m['input_center'], np.float32),
                               np.asarray(m['input_scale'], np.float32), 0, output_size=(w, h))
        lr = cv2.warpAffine(frame, warp, (w, h), flags=cv2.INTER_LINEAR)
        sr = s.pred_sr_img.permute(1, 2, 0).cpu().numpy().round().astype(np.uint8)
        sr_label = f'SR x{sr.shape[0] // max(h, 1)}'
        for j, (img, label) in enumerate(((lr, 'LR'), (sr, sr_label))):
            tile = cv2.resize(img, (tile_w, tile_h), interpolation=cv2.INTER_NEAREST)
            cv2.putText(tile, label, (2, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
            panel[k * tile_h:(k + 1) * tile_h, j * tile_w:(j + 1) * tile_w] = tile
        k += 1
    return panel


class Drawer:
    def __init__(self, model, args) -> None:
        from mmpose.visualization import PoseLocalVisualizer
        self.vis = PoseLocalVisualizer(radius=args.radius, line_width=args.thickness)
        self.vis.set_dataset_meta(model.dataset_meta, skeleton_style='mmpose')
        self.args = args
        size = model.head.decoder.input_size
        self.hr_hw = (int(size[1]), int(size[0]))

    def canvas_size(self, frame: np.ndarray) -> Tuple[int, int]:
        """(w, h) of the drawing canvas: the frame scaled up so that its short
        side is ``--draw-short-side`` pixels when it is smaller (rounded to even
        sizes, which video codecs need), else the frame's own size."""
        h, w = frame.shape[:2]
        side = self.args.draw_short_side
        if not side or side <= min(h, w):
            return w, h
        s = side / min(h, w)
        return 2 * round(w * s / 2), 2 * round(h * s / 2)

    def __call__(self, frame: np.ndarray, samples: List) -> np.ndarray:
        from mmpose.structures import merge_data_samples
        h, w = frame.shape[:2]
        cw, ch = self.canvas_size(frame)
        sx, sy = cw / w, ch / h
        canvas = frame if (cw, ch) == (w, h) else \
            cv2.resize(frame, (cw, ch), interpolation=cv2.INTER_LINEAR)
        if samples:
            merged = merge_data_samples(samples)
            if (cw, ch) != (w, h):  # a copy in canvas pixels: the JSON keeps input pixels
                pred = merged.pred_instances.clone()   # InstanceData.cat of one is the input
                pred.keypoints = (np.asarray(pred.keypoints) + 0.5) * [sx, sy] - 0.5
                if 'bboxes' in pred:
                    pred.bboxes = np.asarray(pred.bboxes) * [sx, sy, sx, sy]
                merged.pred_instances = pred
            self.vis.add_datasample('result', cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB),
                                    data_sample=merged, draw_gt=False,
                                    draw_heatmap=False, draw_bbox=True, show=False,
                                    kpt_thr=self.args.kpt_thr)
            out = cv2.cvtColor(self.vis.get_image(), cv2.COLOR_RGB2BGR)
        else:
            out = canvas.copy()
        if self.args.show_sr:
            out = np.concatenate([out, sr_panel(frame, samples, self.args.sr_slots,
                                                self.hr_hw, out.shape[0])], axis=1)
        return out


# ----------------------------------------------------------------------------- results
def instances(samples: List, track_ids: np.ndarray) -> List[dict]:
    """MMPose's ``split_instances`` records, plus ``sr_path`` and ``track_id``."""
    from mmpose.structures import merge_data_samples, split_instances
    if not samples:
        return []
    merged = merge_data_samples(samples).pred_instances
    records = split_instances(merged)
    paths = merged.sr_path if 'sr_path' in merged else ['sr'] * len(records)
    for r, p, t in zip(records, paths, track_ids):
        r['sr_path'] = str(p)
        r['track_id'] = int(t)
    return records


def write_json(path: str, meta: dict, info) -> None:
    """MMPose's demo result file (``meta_info``, ``instance_info``), written atomically."""
    from lrpose_mm.fileio import atomic_json_dump
    atomic_json_dump(dict(meta_info=meta, instance_info=info), path, indent='\t')


def predict(model, frames: List[np.ndarray], boxes: List[np.ndarray], batch_size: int):
    from lrpose_mm.apis import inference_topdown_batched
    return inference_topdown_batched(model, frames, [b[:, :4] for b in boxes],
                                     batch_size=batch_size,
                                     pipeline=model.cfg.test_dataloader.dataset.pipeline)


# ----------------------------------------------------------------------------- runs
def run_image(model, args, boxes_of, draw, out: Dict[str, str]) -> Dict:
    frame = read_image(args.input)
    boxes = clean_boxes(boxes_of(0, frame), frame)
    samples = predict(model, [frame], [boxes], args.batch_size)[0]
    from lrpose_mm.fileio import atomic_path
    out_img = out['visual']
    with atomic_path(out_img) as tmp_img:
        if not cv2.imwrite(tmp_img, draw(frame, samples)):
            raise DemoError(f'cannot write {out_img!r}')
    write_json(out['json'], model.dataset_meta, instances(samples, boxes[:, 4]))
    return dict(output=out_img, frames=1, people=len(samples), paths=_paths(samples))


def _paths(samples) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for s in samples:
        p = str(s.pred_instances.sr_path[0]) if 'sr_path' in s.pred_instances else 'sr'
        out[p] = out.get(p, 0) + 1
    return out


def run_video(model, args, boxes_of, draw, out: Dict[str, str], kind: str) -> Dict:
    from tqdm import tqdm

    from lrpose_mm.action import FrameReader
    from lrpose_mm.fileio import atomic_path
    reader = FrameReader(args.input, backend='frames' if kind == 'frames' else 'cv2')
    out_video = out['visual']
    writer, records, people, bad, paths = None, [], 0, 0, {}
    chunk: List = []
    bar = tqdm(desc=f'pose {os.path.basename(args.input)}', unit='frame', dynamic_ncols=True)

    def flush(tmp_video: str) -> None:
        nonlocal writer, people
        frames = [f for _, f, _ in chunk]
        boxes = [b for _, _, b in chunk]
        for (idx, frame, b), samples in zip(chunk, predict(model, frames, boxes,
                                                           args.batch_size)):
            vis = draw(frame, samples)
            if writer is None:
                fps = reader.fps if kind == 'video' and reader.fps > 0 else args.fps
                writer = cv2.VideoWriter(tmp_video, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                         (vis.shape[1], vis.shape[0]))
                if not writer.isOpened():
                    raise DemoError(f'cannot open a video writer for {out_video!r}')
            writer.write(vis)
            records.append(dict(frame_id=idx, instances=instances(samples, b[:, 4])))
            people += len(samples)
            for k, v in _paths(samples).items():
                paths[k] = paths.get(k, 0) + v
        bar.update(len(chunk))
        chunk.clear()

    with atomic_path(out_video) as tmp_video:   # moved onto out_video once complete
        try:
            for idx, frame in reader:
                if bar.total is None and reader.num_frames_hint:
                    bar.total = min(reader.num_frames_hint, args.max_frames or 1 << 30)
                if args.max_frames is not None and idx >= args.max_frames:
                    break
                if frame is None:  # undecodable frame: counted, kept out of the video
                    bad += 1
                    continue
                chunk.append((idx, frame, clean_boxes(boxes_of(idx, frame), frame)))
                if len(chunk) >= 16:
                    flush(tmp_video)
            if chunk:
                flush(tmp_video)
        finally:
            bar.close()
            if writer is not None:
                writer.release()
        if not records:
            raise DemoError(f'input {args.input!r}: no frame could be decoded')
    write_json(out['json'], model.dataset_meta, records)
    return dict(output=out_video, frames=len(records), people=people, paths=paths,
                undecodable_frames=bad)


def main(argv=None) -> Optional[Dict]:
    args = parse_args(argv)
    from lrpose_mm.action import BoxFileError, VideoReadError
    from lrpose_mm.models.checkpoint_fit import CheckpointMismatchError
    try:
        kind = input_kind(args.input)
        out = output_paths(args, kind)
        model, pipeline = build_model(args)
        boxes_of = box_source(args)
        draw = Drawer(model, args)
        if args.show_sr:
            model.test_cfg['output_sr'] = True
        os.makedirs(out['out_dir'], exist_ok=True)
        run = (lambda: run_image(model, args, boxes_of, draw, out)) if kind == 'image' else \
            (lambda: run_video(model, args, boxes_of, draw, out, kind))
        if args.backend == 'onnxruntime':
            from lrpose_mm.deploy import use_onnxruntime
            with use_onnxruntime(model, onnx_files(args, pipeline, model.sr_routes)):
                summary = run()
        else:
            summary = run()
    except (DemoError, BoxFileError, VideoReadError, CheckpointMismatchError) as e:
        sys.exit(f'error: {e}')
    print(json.dumps(summary))
    return summary


if __name__ == '__main__':
    main()
