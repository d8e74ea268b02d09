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
listed in ``<out>.failures.json`` with the reason; the annotation file holds
the others), 2 for invalid arguments, a work folder made with other settings,
a work folder that is not the extractor's, or an existing ``--out`` file that
it did not write (the work folder's ``outputs.json`` records what it wrote;
``--overwrite`` replaces such a file). The annotation file is
MMAction2's PoseDataset pickle (PoseDataset reads nothing else); the work
folder holds only JSON and ``.npz``.
"""
import argparse
import json
import os
import sys


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not an integer') from None
    if v < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {v}')
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f'must be > 0, got {text}')
    return v


def _ratio(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f'must be in [0, 1], got {text}')
    return v


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
    p.add_argument('--out', required=True,
                   help='annotation pickle to write (an existing file there that an earlier '
                   'run of this extraction did not write is refused without --overwrite)')
    p.add_argument('--work-dir', help='per-video results, log, report '
                   '(default: <out>_work)')
    p.add_argument('--batch-size', type=_positive_int, default=64,
                   help='crops per forward pass')
    p.add_argument('--lr-scale', type=_positive_float, default=1,
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
    p.add_argument('--det-score-thr', type=_ratio, default=0.5)
    p.add_argument('--det-cat-id', type=int, default=0,
                   help='person class index of the detector')
    p.add_argument('--max-persons', type=_positive_int, default=2,
                   help='persons kept per video (the most frequent track ids)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--video-backend', default='auto',
                   choices=['auto', 'decord', 'cv2'])
    p.add_argument('--min-box-size', type=float, default=2.0,
                   help='boxes smaller (px, in the model input frame) are '
                   'reported and skipped')
    p.add_argument('--max-bad-frame-ratio', type=_ratio, default=0.5,
                   help='fail a video with more corrupt frames than this')
    p.add_argument('--split', default='train',
                   help='split of videos whose entry has none')
    p.add_argument('--val-ratio', type=_ratio, default=0.0,
                   help='assign videos without a split to val by hash with '
                   'this probability')
    p.add_argument('--overwrite', action='store_true',
                   help='discard work-dir results made with other settings, and replace an '
                   'existing --out (and <out>.failures.json) that this extraction did not '
                   'write')
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
        settings, job = _settings(args)
        summary = extract_dataset(args.pose_config, args.pose_checkpoint, video_list, args.out,
                                  settings, job)
    except (SettingsMismatchError, ValueError, FileExistsError) as e:   # incl. NotOwnedError
        print(f'ERROR: {e}', file=sys.stderr)
        return 2
    short = {k: v for k, v in summary.items() if k != 'failures'}
    print(json.dumps(short, indent=1))
    for f in summary['failures']:
        print(f"FAILED {f['path']}: {f['error']}", file=sys.stderr)
    return 3 if summary['num_failed'] else 0


def _settings(args):
    from lrpose_mm.action import DetectorSettings, ExtractJob, ExtractSettings
    det = None if not args.det_config else DetectorSettings(
        args.det_config, args.det_checkpoint, args.det_score_thr, args.det_cat_id)
    settings = ExtractSettings(
        lr_scale=args.lr_scale, lr_interp=args.lr_interp, real_lr=args.real_lr,
        keypoint_space=args.keypoint_space, boxes=args.boxes, detector=det,
        max_persons=args.max_persons, min_box_size=args.min_box_size,
        max_bad_frame_ratio=args.max_bad_frame_ratio, video_backend=args.video_backend)
    job = ExtractJob(work_dir=args.work_dir, device=args.device, batch_size=args.batch_size,
                     tracks_dir=args.tracks_dir, default_split=args.split,
                     val_ratio=args.val_ratio, overwrite=args.overwrite,
                     retry_failed=not args.no_retry_failed, progress=not args.no_progress)
    return settings, job


if __name__ == '__main__':
    sys.exit(main())
