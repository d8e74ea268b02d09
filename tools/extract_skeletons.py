"""Extract skeletons from (low-resolution) videos into an MMAction2
PoseDataset annotation file, with any MMPose top-down model batched over
frames. Resumable: rerun the same command after an interruption.

Examples::

    # one video, full-frame box, simulated x4 LR
    python tools/extract_skeletons.py POSE_CFG POSE_CKPT \\
        --video demo.mp4 --label 0 --out skel.pkl --lr-scale 4

    # a video list (path label [split] [tracks.json]) with track files
    python tools/extract_skeletons.py POSE_CFG POSE_CKPT \\
        --video-list data/actions/video_list.txt --out skel.pkl \\
        --batch-size 64 --boxes tracks

    # real LR video with an SR config of this project (no double degradation)
    python tools/extract_skeletons.py configs/synthetic/pdsr-x4_...py CKPT \\
        --video-list data/actions/video_list.txt --out pdsr.pkl --real-lr

    # boxes from an MMDetection detector
    python tools/extract_skeletons.py POSE_CFG POSE_CKPT --video-list L.txt \\
        --out skel.pkl --det-config DET_CFG --det-checkpoint DET_CKPT

Exit status: 0 when every video was extracted, 3 when some failed (they are
listed in ``<out>.failures.json``; the annotation file holds the others).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                '..')))


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Videos -> MMAction2 skeleton annotations (PoseDataset)',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('pose_config', help='MMPose top-down config')
    p.add_argument('pose_checkpoint', nargs='?', default=None,
                   help='its checkpoint (omit only for smoke tests: random '
                   'weights)')
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--video-list', help='text (path label [split] '
                     '[tracks]) or JSON video list')
    src.add_argument('--video', help='a single video file or frame folder')
    p.add_argument('--label', type=int, default=0,
                   help='label of --video')
    p.add_argument('--tracks', help='track file of --video')
    p.add_argument('--out', required=True, help='annotation pickle to write')
    p.add_argument('--work-dir', help='per-video results, log, report '
                   '(default: <out>_work)')
    p.add_argument('--batch-size', type=int, default=64,
                   help='crops per forward pass')
    p.add_argument('--lr-scale', type=float, default=1,
                   help='downscale frames by N first (simulate LR video)')
    p.add_argument('--lr-interp', default='area',
                   choices=['area', 'bicubic', 'bilinear'])
    p.add_argument('--keypoint-space', default='original',
                   choices=['original', 'input'],
                   help='coordinates of the written keypoints: the video '
                   "file's pixels, or the (downscaled) model input frame")
    p.add_argument('--real-lr', action='store_true',
                   help='the frames are REAL low-resolution video: drop the '
                   "config's simulated LowResDegrade and warp crops straight "
                   'to the LR input size (HR size / SR scale), so the input '
                   'is not degraded twice (use it for the SR / LR-direct '
                   'configs of this project)')
    p.add_argument('--boxes', default='auto',
                   choices=['auto', 'tracks', 'full-frame', 'detector'],
                   help='auto: track file if any, else detector if given, '
                   'else full frame')
    p.add_argument('--tracks-dir', help='folder of <video stem>.json track '
                   'files')
    p.add_argument('--det-config', help='MMDetection config')
    p.add_argument('--det-checkpoint', help='MMDetection checkpoint')
    p.add_argument('--det-score-thr', type=float, default=0.5)
    p.add_argument('--det-cat-id', type=int, default=0,
                   help='person class index of the detector')
    p.add_argument('--max-persons', type=int, default=2)
    p.add_argument('--device', default='cpu')
    p.add_argument('--video-backend', default='auto',
                   choices=['auto', 'decord', 'cv2'])
    p.add_argument('--min-box-size', type=float, default=2.0,
                   help='boxes smaller (px, in the model input frame) are '
                   'reported and skipped')
    p.add_argument('--max-bad-frame-ratio', type=float, default=0.5,
                   help='fail a video with more corrupt frames than this')
    p.add_argument('--split', default='train',
                   help='split of videos whose entry has none')
    p.add_argument('--val-ratio', type=float, default=0.0,
                   help='assign videos without a split to val by hash with '
                   'this probability')
    p.add_argument('--overwrite', action='store_true',
                   help='discard work-dir results made with other settings')
    p.add_argument('--no-retry-failed', action='store_true',
                   help='do not retry videos that failed in a previous run')
    p.add_argument('--no-progress', action='store_true')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import lrpose_mm  # noqa: F401  (compat fixes + SR modules registered)
    from lrpose_mm.action import SettingsMismatchError, extract_dataset
    if args.video:
        video_list = [dict(path=os.path.abspath(args.video), label=args.label,
                           split=args.split, tracks=args.tracks and
                           os.path.abspath(args.tracks))]
    else:
        video_list = args.video_list
    try:
        summary = _run(args, extract_dataset, video_list)
    except SettingsMismatchError as e:
        print(f'ERROR: {e}', file=sys.stderr)
        return 2
    short = {k: v for k, v in summary.items() if k != 'failures'}
    print(json.dumps(short, indent=1))
    for f in summary['failures']:
        print(f"FAILED {f['path']}: {f['error']}", file=sys.stderr)
    return 3 if summary['num_failed'] else 0


def _run(args, extract_dataset, video_list):
    pipeline = None
    if args.real_lr:
        from lrpose_mm.action import real_lr_pipeline
        pipeline = real_lr_pipeline(args.pose_config)
        print('real-LR pipeline: ' + ' -> '.join(
            t['type'] + (f"{tuple(t['input_size'])}" if 'input_size' in t
                         else '') for t in pipeline), file=sys.stderr)
    return extract_dataset(
        args.pose_config, args.pose_checkpoint, video_list, args.out,
        lr_scale=args.lr_scale, batch_size=args.batch_size,
        work_dir=args.work_dir, device=args.device, boxes=args.boxes,
        tracks_dir=args.tracks_dir, det_config=args.det_config,
        det_checkpoint=args.det_checkpoint, det_score_thr=args.det_score_thr,
        det_cat_id=args.det_cat_id, max_persons=args.max_persons,
        keypoint_space=args.keypoint_space, lr_interp=args.lr_interp,
        video_backend=args.video_backend, min_box_size=args.min_box_size,
        max_bad_frame_ratio=args.max_bad_frame_ratio,
        default_split=args.split, val_ratio=args.val_ratio,
        overwrite=args.overwrite, retry_failed=not args.no_retry_failed,
        pipeline=pipeline, progress=not args.no_progress)


if __name__ == '__main__':
    sys.exit(main())
