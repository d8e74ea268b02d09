"""Skeletons from the LR videos with each pose model, their keypoint error, extraction speed.

Both stages run through :meth:`StageRunner.compute`: reused only when the checkpoint's
content, the config, the video list and the extraction settings are unchanged; an
interrupted extraction resumes per video (the library's work folder inside the stage folder).
"""
import hashlib
from pathlib import Path
from typing import Dict, Optional

import torch

from lrpose_mm.action import (
    ExtractJob,
    ExtractSettings,
    TrackBoxes,
    extract_dataset,
    parse_video_list,
    read_all_frames,
)
from lrpose_mm.apis import compare_batched_vs_per_frame
from lrpose_mm.evaluation import skeleton_keypoint_error
from lrpose_mm.fileio import load_pickle

from ..common.stages import StageRecord, StageRunner, file_digest
from .pose import load_real_lr_model, pose_config


def config_digest(pose: dict) -> str:
    """sha1 of a pose entry's resolved config text (``_base_`` files and overrides included)."""
    return hashlib.sha1(pose_config(pose).pretty_text.encode()).hexdigest()


def _extract_dataset(model, video_list: str, out_file: str, batch_size: int, work_dir: str):
    """The library's ``extract_dataset`` with tracked boxes, keypoints in video pixels (the
    model's test pipeline is already the real-LR one)."""
    return extract_dataset(model, None, video_list, out_file,
                           ExtractSettings(boxes='tracks', keypoint_space='original'),
                           ExtractJob(batch_size=batch_size, work_dir=work_dir, overwrite=True))


def extract_source(runner: StageRunner, key: str, pose: dict, video_list: Path,
                   batch_size: int, flip_test: bool) -> StageRecord:
    """Skeletons of every video of ``video_list`` with one pose model (``files['skeletons']``)."""
    settings = dict(config=config_digest(pose),
                    checkpoint=file_digest(pose['checkpoint']),
                    video_list=file_digest(str(video_list)), batch_size=batch_size,
                    flip_test=flip_test, boxes='tracks', keypoint_space='original')

    def run(stage_dir: Path) -> dict:
        model, _ = load_real_lr_model(pose, flip_test=flip_test)
        out = stage_dir / 'skeletons.pkl'
        summary = _extract_dataset(model, str(video_list), str(out), batch_size,
                                   str(stage_dir / 'work'))
        if summary['num_failed']:
            raise RuntimeError(f'extract {key}: {summary["num_failed"]} videos failed, see '
                               f'{summary["failures_file"]}')
        return dict(metrics=dict(num_videos=summary['num_ok'], seconds=summary['seconds']),
                    files=dict(skeletons=out))

    return runner.compute(f'extract/{key}', settings, run)


def keypoint_error(pred_file: str, gt_file: str) -> Dict[str, Optional[float]]:
    """End-point error (LR px) and PCK@0.1 x person height of a skeleton set against GT, over
    every frame of every clip (the library's MMPose-based ``skeleton_keypoint_error``)."""
    return skeleton_keypoint_error(load_pickle(pred_file)['annotations'],
                                   load_pickle(gt_file)['annotations'])


def throughput(runner: StageRunner, model_key: str, pose: dict, video_list: Path, frames: int,
               batch_size: int, repeats: int, threads: int, flip_test: bool) -> StageRecord:
    """Batched vs per-frame ``inference_topdown`` on the same real-LR crops (frames of the val
    videos, one tracked person each), timed in one process."""
    settings = dict(model=model_key, checkpoint=file_digest(pose['checkpoint']),
                    config=config_digest(pose), video_list=file_digest(str(video_list)),
                    frames=frames, batch_size=batch_size, repeats=repeats, threads=threads,
                    flip_test=flip_test)

    def run(stage_dir: Path) -> dict:

        entries = parse_video_list(str(video_list))
        entries = [e for e in entries if e.split == 'val'] or entries
        imgs, boxes = [], []
        for e in entries:
            tb = TrackBoxes(e.tracks)
            for i, f in enumerate(read_all_frames(e.path)[0]):
                b = tb(i, f, 1.0, 1.0) if f is not None else []
                if len(b) and len(imgs) < frames:
                    imgs.append(f)
                    boxes.append(b[:1, :4])
            if len(imgs) >= frames:
                break
        model, pipe = load_real_lr_model(pose, flip_test=flip_test)
        torch.set_num_threads(threads)
        res = compare_batched_vs_per_frame(model, imgs, boxes, batch_size=batch_size,
                                           repeats=repeats)
        size = [t for t in pipe if t['type'] == 'TopdownAffine'][0]['input_size']
        keep = ('n_images', 'n_crops', 'batched_s', 'per_frame_s', 'batched_crops_per_s',
                'per_frame_crops_per_s', 'speedup', 'max_abs_keypoint_diff', 'torch_threads')
        metrics = {k: float(res[k]) for k in keep}
        metrics.update(input_w=float(size[0]), input_h=float(size[1]))
        return dict(metrics=metrics)

    return runner.compute(f'throughput/{model_key}', settings, run)
