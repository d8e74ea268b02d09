"""Bad input to skeleton extraction: each case ends in a clear error naming
the problem, or in one failed video listed with its reason while the others
are extracted, or in a counted, reported finding; nothing in the work folder
can run code.

Families: work-folder files, track files, truncated videos, arguments.
"""
import importlib.util
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest

import lrpose_mm  # noqa: F401  (compat fixes, registries)
from lrpose_mm.action import (
    ExtractJob,
    ExtractSettings,
    FrameReader,
    extract_dataset,
    parse_video_list,
)
from lrpose_mm.action.extract import video_key
from lrpose_mm.action.video import decord_available

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def pose_model():
    """A tiny stock MMPose top-down model with seeded random weights."""
    import torch
    from mmpose.apis import init_model

    from tiny_config import tiny_topdown_config
    torch.manual_seed(0)
    return init_model(tiny_topdown_config(), None, device='cpu')


def _write_video(path: Path, frames: int = 6, fourcc: str = 'mp4v', size=(64, 48)) -> Path:
    import cv2
    rng = np.random.default_rng(0)
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10, size)
    for _ in range(frames):
        vw.write(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    vw.release()
    return path


@pytest.fixture(scope='module')
def video(tmp_path_factory) -> Path:
    return _write_video(tmp_path_factory.mktemp('video') / 'clip.mp4')


def _extract(model, videos, out, **job):
    return extract_dataset(model, None, videos, str(out), ExtractSettings(),
                           ExtractJob(progress=False, **job))


class _Planted:
    """Unpickling this creates ``path``: the proof that a pickle ran code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (Path.touch, (Path(self.path), ))


# ----------------------------------------------------------------------------
# work folder: nothing read back can run code
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('planted', ['pkl', 'npz'])
def test_planted_file_in_work_folder_runs_no_code(pose_model, video, tmp_path, planted):
    """A hostile ``videos/<key>.pkl`` (the old result format) or an ``.npz``
    holding a pickled object array is never unpickled: the video is
    extracted again and no code runs."""
    out = tmp_path / 'skel.pkl'
    entries = [dict(path=str(video), label=0)]
    assert _extract(pose_model, entries, out)['num_ok'] == 1
    key = video_key(parse_video_list(entries)[0])
    videos = tmp_path / 'skel_work' / 'videos'
    marker = tmp_path / 'code_ran'
    if planted == 'pkl':
        (videos / f'{key}.pkl').write_bytes(pickle.dumps(_Planted(marker)))
    else:
        arr = np.empty(1, object)
        arr[0] = _Planted(marker)
        with open(videos / f'{key}.npz', 'wb') as f:
            np.savez(f, keypoint=arr, keypoint_score=arr)
    s = _extract(pose_model, entries, out)
    assert not marker.exists()
    assert s['num_ok'] == 1 and s['num_failed'] == 0
    assert s['num_resumed'] == (1 if planted == 'pkl' else 0)   # a bad .npz is redone
    # the job's own files are JSON + npz; the planted .pkl is left alone, not deleted
    assert sorted(p.suffix for p in videos.iterdir() if p.name != f'{key}.pkl') == \
        ['.json', '.npz']
    assert (videos / f'{key}.pkl').exists() == (planted == 'pkl')


# ----------------------------------------------------------------------------
# track files: a malformed one fails its video only
# ----------------------------------------------------------------------------
GOOD_BOX = [4, 4, 40, 44, 0]


@pytest.mark.parametrize('frames,words', [
    ({'0': [[4, 4, 'abc', 44, 0]]}, 'x2'),                       # non-numeric coordinate
    ({'0': [[4, 4, 40, 44, math.nan]]}, 'track_id'),             # NaN track id
    ({'0': 5}, 'expected a list of boxes'),                      # frame entry not a list
    ({'0': [[4, 4, 40, 44, 2.5]]}, 'track_id 2.5'),              # fractional track id
    ({'0': [GOOD_BOX, 'box']}, 'box 1'),                         # box not a list
    ({'0': [[4, 4, 40, 44, -1]]}, 'non-negative integer'),       # negative track id
], ids=['non-numeric-coordinate', 'nan-track-id', 'frame-not-a-list', 'fractional-track-id',
        'box-not-a-list', 'negative-track-id'])
def test_malformed_track_file_fails_that_video_only(pose_model, video, tmp_path, frames,
                                                    words):
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(format='lrpose_mm.tracks.v1', frames=frames)))
    good = tmp_path / 'good.json'
    good.write_text(json.dumps(dict(frames={str(i): [GOOD_BOX] for i in range(6)})))
    entries = [dict(path=str(video), label=0, frame_dir='bad', tracks=str(bad)),
               dict(path=str(video), label=1, frame_dir='good', tracks=str(good))]
    out = tmp_path / 'skel.pkl'
    s = _extract(pose_model, entries, out)
    assert (s['num_ok'], s['num_failed']) == (1, 1)
    failures = json.loads(Path(s['failures_file']).read_text())
    assert [f['frame_dir'] for f in failures] == ['bad']
    assert 'BoxFileError' in failures[0]['error'] and words in failures[0]['error']
    assert str(bad) in failures[0]['error']
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert [a['frame_dir'] for a in data['annotations']] == ['good']


# ----------------------------------------------------------------------------
# truncated video files
# ----------------------------------------------------------------------------
def _truncated_avi(tmp_path) -> Path:
    """A 30-frame MJPG AVI cut to 60% of its bytes (decord indexes 18 frames
    without complaint; the container header still says 30)."""
    path = _write_video(tmp_path / 'full.avi', frames=30, fourcc='MJPG')
    cut = tmp_path / 'truncated.avi'
    data = path.read_bytes()
    cut.write_bytes(data[:len(data) * 6 // 10])
    return cut


@pytest.mark.parametrize('backend', [
    'cv2', pytest.param('decord', marks=pytest.mark.skipif(not decord_available(),
                                                            reason='decord not installed'))])
def test_truncated_video_is_detected_and_reported(pose_model, tmp_path, backend):
    cut = _truncated_avi(tmp_path)
    reader = FrameReader(str(cut), backend)
    n = sum(1 for _ in reader)
    assert reader.container_frames == 30 and n < 30
    assert reader.missing_frames == 30 - n
    assert any('truncated' in w and '30 frames' in w for w in reader.warnings)
    s = extract_dataset(pose_model, None, [dict(path=str(cut), label=0)], str(tmp_path / 'o.pkl'),
                        ExtractSettings(video_backend=backend), ExtractJob(progress=False))
    assert s['num_ok'] == 1 and s['num_truncated_videos'] == 1
    rep = json.loads(Path(s['report_file']).read_text())['videos'][0]
    assert rep['container_frames'] == 30 and rep['missing_frames'] == 30 - rep['total_frames']
    assert any('truncated' in w for w in rep['warnings'])
    # a complete file is not reported
    full = FrameReader(str(tmp_path / 'full.avi'), backend)
    assert sum(1 for _ in full) == 30 and full.missing_frames == 0 and not full.warnings


# ----------------------------------------------------------------------------
# arguments: rejected before anything is written
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('field,value,words', [
    ('max_persons', 0, 'max_persons must be an integer >= 1'),
    ('max_persons', 1.5, 'max_persons must be an integer >= 1'),
    ('lr_scale', 0, 'lr_scale must be > 0'),
    ('boxes', 'magic', 'boxes must be one of'),
    ('max_bad_frame_ratio', 2, 'max_bad_frame_ratio must be in [0, 1]'),
])
def test_settings_rejected_up_front(field, value, words):
    with pytest.raises(ValueError, match=words.replace('[', r'\[').replace(']', r'\]')):
        ExtractSettings(**{field: value})


def _cli():
    spec = importlib.util.spec_from_file_location('extract_skeletons_cli',
                                                  ROOT / 'tools' / 'extract_skeletons.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('args,words', [
    (['--max-persons', '0'], '--max-persons: must be >= 1'),
    (['--batch-size', '0'], '--batch-size: must be >= 1'),
    (['--lr-scale', '-2'], '--lr-scale: must be > 0'),
    (['--max-bad-frame-ratio', '1.5'], '--max-bad-frame-ratio: must be in [0, 1]'),
])
def test_cli_rejects_arguments_up_front(tmp_path, capsys, args, words):
    out = tmp_path / 'skel.pkl'
    with pytest.raises(SystemExit) as e:
        _cli().main(['cfg.py', '--video', str(tmp_path / 'v.mp4'), '--out', str(out)] + args)
    assert e.value.code == 2
    assert words in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []   # nothing written


# ----------------------------------------------------------------------------
# video lists: an error naming the file (and line) before any video runs
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('name,text,words', [
    ('l.json', '42', 'expected a list of objects'),
    ('l.json', '["a.mp4 0"]', 'expected a list of objects'),
    ('l.json', '{"videos": [', 'not valid JSON'),
    ('l.txt', 'only_a_path.mp4\n', 'l.txt:1: expected "path label'),
    ('l.txt', 'a.mp4 cat\n', "l.txt:1: label 'cat' is not an integer"),
    ('l.txt', 'x/a.mp4 0\ny/a.mp4 1\n', "l.txt:2: frame_dir 'a' already used"),
], ids=['json-number', 'json-strings', 'json-truncated', 'text-one-field', 'text-label',
        'text-duplicate-name'])
def test_malformed_video_list_names_the_file(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=words.replace('[', r'\[')) as e:
        parse_video_list(str(path))
    assert name in str(e.value)


def test_work_dir_of_the_user_is_refused(pose_model, video, tmp_path):
    """A work folder that holds someone else's files is refused before
    anything is written into it (nothing there can be replaced or deleted)."""
    from lrpose_mm.datasets.synthetic.ownership import NotOwnedError
    mine = tmp_path / 'my_data'
    (mine / 'videos').mkdir(parents=True)
    (mine / 'videos' / 'notes.json').write_text('{"keep": true}')
    before = sorted(p.relative_to(mine) for p in mine.rglob('*'))
    with pytest.raises(NotOwnedError, match='not empty and was not written'):
        _extract(pose_model, [dict(path=str(video), label=0)], tmp_path / 'o.pkl',
                 work_dir=str(mine))
    assert sorted(p.relative_to(mine) for p in mine.rglob('*')) == before
    assert not (tmp_path / 'o.pkl').exists()
