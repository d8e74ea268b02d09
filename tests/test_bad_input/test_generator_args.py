"""Data generators: impossible arguments fail before anything is written, and a generator
never replaces or deletes what it did not write."""
import importlib.util
import json

import pytest

from lrpose_mm.datasets.synthetic import actions as A
from lrpose_mm.datasets.synthetic import generate_coco_people
from lrpose_mm.datasets.synthetic.ownership import MARKER, NotOwnedError

from conftest import ROOT

PEOPLE = dict(img_size=(64, 48), people_per_image=(1, 1), workers=1, progress=False)
ACTIONS = dict(clips_per_class=1, classes=[2], num_frames=4,
               lr_size=(40, 32), save_hr=False, progress=False)


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / 'tools' / 'data' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _listing(root):
    """Every file and folder under ``root`` with its size and modification time."""
    return sorted((str(p.relative_to(root)), p.is_dir() or p.stat().st_size,
                   p.stat().st_mtime_ns) for p in root.rglob('*'))


# ---------------------------------------------------------------- command-line arguments
CLI_CASES = [
    ('generate_people', ['--num-train', '-1'], '--num-train: must be an int >= 0'),
    ('generate_people', ['--num-val', '-3'], '--num-val: must be an int >= 0'),
    ('generate_people', ['--num-train', '0', '--num-val', '0'], 'nothing to generate'),
    ('generate_people', ['--img-size', '0', '48'], '--img-size: must be an int >= 32'),
    ('generate_people', ['--people-per-image', '0', '2'], '--people-per-image: must be'),
    ('generate_people', ['--people-per-image', '3', '1'], 'MIN > MAX'),
    ('generate_people', ['--workers', '0'], '--workers: must be an int >= 1'),
    ('generate_people', ['--seed', '-1'], '--seed: must be an int >= 0'),
    ('generate_people', ['--backgrounds', '/nonexistent/photos'], 'is not a folder'),
    ('generate_actions', ['--num-frames', '0'], '--num-frames: must be an int >= 1'),
    ('generate_actions', ['--fps', '0'], '--fps: must be a finite number > 0'),
    ('generate_actions', ['--fps', 'nan'], '--fps: must be a finite number > 0'),
    ('generate_actions', ['--scale', '0'], '--scale: must be an int >= 1'),
    ('generate_actions', ['--clips-per-class', '-2'], '--clips-per-class: must be an int >= 1'),
    ('generate_actions', ['--lr-size', '0', '32'], '--lr-size: must be an int >= 8'),
    ('generate_actions', ['--lr-noise', '-1'], '--lr-noise: must be a finite number >= 0'),
    ('generate_actions', ['--classes', '2', '99'], '--classes: distinct indices in 0..9'),
    ('generate_actions', ['--seed', '-1'], '--seed: must be an int >= 0'),
]


@pytest.mark.parametrize('tool,args,words', CLI_CASES,
                         ids=[f'{c[0]}{"".join(c[1])}' for c in CLI_CASES])
def test_cli_rejects_impossible_arguments_before_writing(tmp_path, capsys, tool, args, words):
    out = tmp_path / 'out'
    argv = ['--out', str(out)] if tool == 'generate_people' else [str(out)]
    with pytest.raises(SystemExit) as exit_:
        _tool(tool)(argv + args + ['--no-progress'])
    assert exit_.value.code == 2
    assert words in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


LIB_CASES = [
    (dict(num_frames=0), 'num_frames must be an int >= 1'),
    (dict(fps=0.0), 'fps must be a finite number > 0'),
    (dict(scale=0), 'scale must be an int >= 1'),
    (dict(clips_per_class=-1), 'clips_per_class must be an int >= 1'),
    (dict(lr_size=(40, 0)), r'lr_size must be \(width, height\) ints >= 8'),
    (dict(classes=[]), 'classes must be distinct indices'),
    (dict(lr_noise=float('inf')), 'lr_noise must be a finite number >= 0'),
]


@pytest.mark.parametrize('kwargs,words', LIB_CASES, ids=[next(iter(c[0])) for c in LIB_CASES])
def test_action_writer_rejects_impossible_arguments_before_writing(tmp_path, kwargs, words):
    out = tmp_path / 'actions'
    out.mkdir()
    with pytest.raises(ValueError, match=words):
        A.generate_action_dataset(str(out), **dict(ACTIONS, **kwargs))
    assert list(out.iterdir()) == []          # no settings.json that would refuse a rerun


@pytest.mark.parametrize('kwargs,words', [
    (dict(num_images=0), 'num_images must be a positive int'),
    (dict(num_images=2, seed=-1), 'seed must be a non-negative int'),
    (dict(num_images=2, workers=0), 'workers must be >= 1'),
    (dict(num_images=2, jpeg_quality=0), 'jpeg_quality must be in 1..100'),
])
def test_people_writer_rejects_impossible_arguments_before_writing(tmp_path, kwargs, words):
    out = tmp_path / 'people'
    with pytest.raises(ValueError, match=words):
        generate_coco_people(str(out), **dict(PEOPLE, **kwargs))
    assert not out.exists()


# ---------------------------------------------------------------- folders it does not own
def _users_dataset(root):
    """A user's own COCO dataset, photos and notes."""
    (root / 'annotations').mkdir(parents=True)
    (root / 'annotations' / 'person_keypoints_train.json').write_text('{"images": []}')
    (root / 'train').mkdir()
    (root / 'train' / 'photo.jpg').write_bytes(b'\xff\xd8 my photo')
    (root / 'notes.txt').write_text('my notes')


@pytest.mark.parametrize('overwrite', [False, True])
def test_people_refuses_a_folder_it_did_not_write(tmp_path, overwrite):
    _users_dataset(tmp_path)
    before = _listing(tmp_path)
    argv = ['--out', str(tmp_path), '--num-train', '2', '--num-val', '0', '--img-size', '64',
            '48', '--workers', '1', '--no-progress'] + (['--overwrite'] if overwrite else [])
    with pytest.raises(NotOwnedError, match='is not empty and was not written by'):
        _tool('generate_people')(argv)
    assert _listing(tmp_path) == before


@pytest.mark.parametrize('overwrite', [False, True])
def test_actions_refuses_a_folder_it_did_not_write(tmp_path, overwrite):
    (tmp_path / 'videos').mkdir()
    (tmp_path / 'videos' / 'holiday.mp4').write_bytes(b'my video')
    (tmp_path / 'settings.json').write_text('{"camera": "mine"}')
    before = _listing(tmp_path)
    with pytest.raises(NotOwnedError, match='is not empty and was not written by'):
        A.generate_action_dataset(str(tmp_path), overwrite=overwrite, **ACTIONS)
    assert _listing(tmp_path) == before


def test_people_replaces_only_its_own_output_and_only_with_overwrite(tmp_path):
    first = generate_coco_people(str(tmp_path), 2, seed=0, **PEOPLE)
    (tmp_path / 'notes.txt').write_text('mine')                 # the user adds a file
    (tmp_path / '.tmp-train-deadbeef').mkdir()                  # a killed run's leftover
    before = _listing(tmp_path)
    with pytest.raises(FileExistsError, match='other settings; pass overwrite=True'):
        generate_coco_people(str(tmp_path), 2, seed=1, **PEOPLE)
    assert _listing(tmp_path) == before
    second = generate_coco_people(str(tmp_path), 2, seed=1, overwrite=True, **PEOPLE)
    assert second['cache_key'] != first['cache_key'] and not second['cached']
    assert (tmp_path / 'notes.txt').read_text() == 'mine'
    assert not (tmp_path / '.tmp-train-deadbeef').exists()
    ann = json.loads((tmp_path / 'annotations' / 'person_keypoints_train.json').read_text())
    assert ann['info']['cache_key'] == second['cache_key']


def test_people_refuses_its_own_output_without_the_marker(tmp_path):
    generate_coco_people(str(tmp_path), 2, seed=0, **PEOPLE)
    (tmp_path / MARKER).unlink()
    before = _listing(tmp_path)
    with pytest.raises(NotOwnedError, match='is not empty and was not written by'):
        generate_coco_people(str(tmp_path), 2, seed=0, **PEOPLE)
    assert _listing(tmp_path) == before


def test_actions_overwrite_keeps_foreign_files_and_cleans_own_temporaries(tmp_path):
    A.generate_action_dataset(str(tmp_path), **ACTIONS)
    (tmp_path / 'videos' / 'mine.mp4').write_bytes(b'user video')
    (tmp_path / 'videos' / '.tmp-k1ll3d.mp4').write_bytes(b'partial')
    (tmp_path / '.meta.json.x1y2.tmp').write_text('{')
    with pytest.raises(RuntimeError, match=r'other settings \(seed differ\)'):
        A.generate_action_dataset(str(tmp_path), **dict(ACTIONS, seed=1))
    assert not (tmp_path / 'videos' / '.tmp-k1ll3d.mp4').exists()
    assert not (tmp_path / '.meta.json.x1y2.tmp').exists()
    meta = A.generate_action_dataset(str(tmp_path), overwrite=True, **dict(ACTIONS, seed=1))
    assert meta['num_generated'] == 1 and meta['settings']['seed'] == 1
    assert (tmp_path / 'videos' / 'mine.mp4').read_bytes() == b'user video'


def test_actions_truncated_settings_is_named_and_overwrite_recovers(tmp_path):
    A.generate_action_dataset(str(tmp_path), **ACTIONS)
    settings = tmp_path / 'settings.json'
    settings.write_text(settings.read_text()[:20])
    with pytest.raises(ValueError, match=r'settings\.json is not readable JSON \(truncated'):
        A.generate_action_dataset(str(tmp_path), **ACTIONS)
    meta = A.generate_action_dataset(str(tmp_path), overwrite=True, **ACTIONS)
    assert meta['num_generated'] == 1
    assert json.loads(settings.read_text())['seed'] == 0


@pytest.mark.parametrize('planted', ['pickle', 'broken-npz'])
def test_action_clip_cache_cannot_run_code(tmp_path, planted):
    """A file planted in the clip cache is never unpickled: the clip is rendered again."""
    import pickle
    A.generate_action_dataset(str(tmp_path), **ACTIONS)
    name = '02_clap_0000'
    (tmp_path / 'clips' / f'{name}.npz').unlink()
    proof = tmp_path.parent / f'{tmp_path.name}-pwned'

    class Exploit:
        def __reduce__(self):
            return (open, (str(proof), 'w'))
    if planted == 'pickle':
        (tmp_path / 'clips' / f'{name}.pkl').write_bytes(pickle.dumps(Exploit()))
    else:
        (tmp_path / 'clips' / f'{name}.npz').write_bytes(b'PK\x03\x04 not an npz')
    meta = A.generate_action_dataset(str(tmp_path), **ACTIONS)
    assert not proof.exists()
    assert meta['num_generated'] == 1
    assert (tmp_path / 'clips' / f'{name}.pkl').exists() == (planted == 'pickle')  # not ours: kept
    rec = A.load_clip_record(str(tmp_path / 'clips' / f'{name}.npz'))
    assert rec['name'] == name and rec['keypoints_hr'].shape == (4, 17, 2)


def test_actions_refuses_its_own_output_without_the_marker(tmp_path):
    A.generate_action_dataset(str(tmp_path), **ACTIONS)
    (tmp_path / MARKER).unlink()
    before = _listing(tmp_path)
    with pytest.raises(NotOwnedError, match='is not empty and was not written by'):
        A.generate_action_dataset(str(tmp_path), **ACTIONS)
    assert _listing(tmp_path) == before
