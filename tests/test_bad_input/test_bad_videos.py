"""One bad video fails that video only, with a message naming the cause, whatever its
size: an 8x8 video, a video of one frame, a track file whose frames lie past the end.
The other videos of the list are extracted; the failure is listed in
``<out>.failures.json``."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import lrpose_mm  # noqa: F401  (compat fixes, registries)
from lrpose_mm.action import ExtractJob, ExtractSettings, FrameReader, extract_dataset
from lrpose_mm.action.video import VideoReadError, decord_available

from conftest import ROOT

SR_CONFIG = ROOT / 'configs/synthetic/pdsr-x4_hrnet-tiny_synthetic-lr32x24.py'


def _video(path: Path, frames: int, size) -> str:
    rng = np.random.default_rng(0)
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, size)
    for _ in range(frames):
        vw.write(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    vw.release()
    return str(path)


@pytest.fixture(scope='module')
def sr_model(mmpose_scope_one_thread):
    """The project's smallest PDSR model (its data preprocessor stacks HR crops), seeded."""
    from lrpose_mm.action.extract import build_pose_model
    torch.manual_seed(0)
    return build_pose_model(str(SR_CONFIG), None)


def _extract(model, videos, out, backend='auto', **settings):
    return extract_dataset(model, None, videos, str(out),
                           ExtractSettings(video_backend=backend, **settings),
                           ExtractJob(progress=False))


def _failures(summary):
    return {f['frame_dir']: f['error'] for f in
            json.loads(Path(summary['failures_file']).read_text())}


@pytest.mark.skipif(not decord_available(), reason='decord is not installed')
def test_tiny_video_mis_decoded_by_decord_fails_alone(sr_model, tmp_path):
    """decord returns (8, 8, 12) frames for an 8x8 video; the job went down with a
    tensor-size error in the data preprocessor."""
    good = _video(tmp_path / 'good.mp4', 3, (64, 48))
    tiny = _video(tmp_path / 'tiny.mp4', 3, (8, 8))
    summary = _extract(sr_model, [dict(path=good, label=0), dict(path=tiny, label=1)],
                       tmp_path / 'out.pkl', backend='decord')
    assert summary['num_ok'] == 1 and summary['num_failed'] == 1
    error = _failures(summary)['tiny']
    assert 'tiny.mp4' in error and 'shape (8, 8, 12)' in error and '--video-backend cv2' in error


@pytest.mark.parametrize('size,frames,lr_scale', [((8, 8), 3, 1), ((8, 8), 3, 4),
                                                  ((64, 48), 1, 1), ((64, 48), 1, 4)],
                         ids=['8x8', '8x8-lr4', '1-frame', '1-frame-lr4'])
def test_tiny_or_one_frame_video_is_extracted_with_cv2(sr_model, tmp_path, size, frames,
                                                       lr_scale):
    path = _video(tmp_path / 'v.mp4', frames, size)
    summary = _extract(sr_model, [dict(path=path, label=0)], tmp_path / 'out.pkl',
                       backend='cv2', lr_scale=lr_scale)
    assert summary['num_ok'] == 1, summary['failures']
    import pickle
    ann = pickle.loads((tmp_path / 'out.pkl').read_bytes())['annotations'][0]
    assert ann['keypoint'].shape == (1, frames, 17, 2) and ann['total_frames'] == frames


def test_frame_of_a_wrong_layout_is_named(tmp_path, monkeypatch):
    path = _video(tmp_path / 'v.mp4', 2, (16, 16))
    reader = FrameReader(path, 'cv2')
    monkeypatch.setattr(reader, '_iter_cv2', lambda: iter([np.zeros((8, 8, 12), np.uint8)]))
    with pytest.raises(VideoReadError, match=r'v.mp4: the cv2 backend decoded a frame of '
                                             r'shape \(8, 8, 12\)'):
        list(reader)


def test_track_frames_past_the_end_are_named(sr_model, tmp_path):
    video = _video(tmp_path / 'v.mp4', 3, (64, 48))
    tracks = tmp_path / 'late.json'
    tracks.write_text(json.dumps(dict(format='lrpose_mm.tracks.v1', frames={
        '10': [[1, 1, 30, 40, 0]], '11': [[1, 1, 30, 40, 0]]})))
    partly = tmp_path / 'partly.json'
    partly.write_text(json.dumps(dict(format='lrpose_mm.tracks.v1', frames={
        '1': [[1, 1, 30, 40, 0]], '3': [[1, 1, 30, 40, 0]]})))
    summary = _extract(sr_model, [dict(path=video, label=0, frame_dir='late', tracks=str(tracks)),
                                  dict(path=video, label=0, frame_dir='partly',
                                       tracks=str(partly))], tmp_path / 'out.pkl', backend='cv2')
    assert summary['num_ok'] == 1
    error = _failures(summary)['late']
    assert 'late.json has boxes for 2 of its 2 frames at or past the end' in error
    assert 'frames 10..11; the video has frames 0..2' in error
    report = json.loads(Path(summary['report_file']).read_text())
    warning, = [w for v in report['videos'] for w in v['warnings']]
    assert 'partly.json has boxes for 1 of its 2 frames at or past the end' in warning


def test_an_unexpected_error_fails_one_video_only(sr_model, tmp_path, monkeypatch):
    """Whatever else goes wrong inside one video is that video's failure, with a pointer
    to the traceback in the log; the others are extracted."""
    import lrpose_mm.action.extract as extract_mod
    good = _video(tmp_path / 'good.mp4', 2, (64, 48))
    bad = _video(tmp_path / 'bad.mp4', 2, (64, 48))
    real = extract_mod.extract_video

    def flaky(runner, entry, *args, **kwargs):
        if entry.path.endswith('bad.mp4'):
            raise RuntimeError('The size of tensor a (12) must match the size of tensor b (3)')
        return real(runner, entry, *args, **kwargs)

    monkeypatch.setattr(extract_mod, 'extract_video', flaky)
    summary = _extract(sr_model, [dict(path=good, label=0), dict(path=bad, label=0)],
                       tmp_path / 'out.pkl', backend='cv2')
    assert summary['num_ok'] == 1
    error = _failures(summary)['bad']
    assert error.startswith('RuntimeError: The size of tensor a (12)')
    assert 'unexpected error while extracting' in error and 'extract.log' in error
