"""No tool replaces a file that it did not write: the pose demo (its input, existing
outputs, symlinked output folders) and the ``--out`` of skeleton extraction.

Also the demo's drawing canvas for a small input (the JSON stays in input pixels).
"""
import importlib.util
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

import lrpose_mm  # noqa: F401  (compat fixes, registries)
from lrpose_mm.action import ExtractJob, ExtractSettings, extract_dataset
from lrpose_mm.datasets.synthetic.ownership import NotOwnedError

from oracle_pose import draw_people
from tiny_config import tiny_sr_estimator

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

CODEC = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
CFG = dict(
    default_scope='mmpose',
    custom_imports=dict(imports=['lrpose_mm'], allow_failed_imports=False),
    model=tiny_sr_estimator(CODEC, test_cfg=dict(flip_test=False)),
    train_dataloader=dict(dataset=dict(type='CocoDataset')),
    test_dataloader=dict(dataset=dict(type='CocoDataset', pipeline=[
        dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=CODEC['input_size']),
        dict(type='LowResDegrade', scale=4, deterministic=True), dict(type='PackSRPoseInputs')])))


@pytest.fixture(scope='module')
def demo():
    spec = importlib.util.spec_from_file_location('pose_demo_outputs',
                                                  ROOT / 'tools/demo/pose_demo.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def model_files(tmp_path_factory, mmpose_scope_one_thread):
    from mmengine.config import Config
    from mmpose.registry import MODELS
    root = tmp_path_factory.mktemp('demo_model')
    Config(CFG).dump(str(root / 'cfg.py'))
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(root / 'cfg.py')).model)
    model.init_weights()
    for p in model.head.parameters():
        p.data.normal_(0, 0.05)
    save_checkpoint(dict(meta={}, state_dict=model.state_dict()), str(root / 'model.pth'))
    return str(root / 'cfg.py'), str(root / 'model.pth')


def _small_image(folder: Path, name='000000.jpg') -> Path:
    img, _ = draw_people([(60, 10, 100, 85)], size=(90, 160))   # 160x90, one ~75 px person
    path = folder / name
    cv2.imwrite(str(path), img)
    return path


def _user_files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ----------------------------------------------------------------------------- demo
def test_demo_never_writes_over_its_input_image(tmp_path, demo, model_files):
    img = _small_image(tmp_path)
    before = _user_files(tmp_path)
    for extra in ([], ['--overwrite']):
        with pytest.raises(SystemExit, match=r'000000.jpg.*would replace the input'):
            demo.main([*model_files, str(img), '--out-dir', str(tmp_path), *extra])
    assert _user_files(tmp_path) == before


def test_demo_never_writes_over_its_input_video(tmp_path, demo, model_files):
    path = tmp_path / 'clip.mp4'
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, (160, 90))
    for _ in range(2):
        vw.write(draw_people([(60, 10, 100, 85)], size=(90, 160))[0])
    vw.release()
    before = _user_files(tmp_path)
    link = tmp_path.parent / (tmp_path.name + '-link')
    link.symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(SystemExit, match=r'clip.mp4.*would replace the input'):
        demo.main([*model_files, str(path), '--out-dir', str(link), '--overwrite'])
    assert _user_files(tmp_path) == before


def test_demo_out_dir_inside_a_frame_folder_is_refused(tmp_path, demo, model_files):
    frames = tmp_path / 'frames'
    frames.mkdir()
    _small_image(frames, '000001.jpg')
    with pytest.raises(SystemExit, match=r'inside the input frame folder'):
        demo.main([*model_files, str(frames), '--out-dir', str(frames / 'vis')])
    assert sorted(p.name for p in frames.iterdir()) == ['000001.jpg']


@pytest.mark.parametrize('via_symlink', [False, True], ids=['folder', 'symlinked-folder'])
def test_demo_existing_outputs_need_overwrite(tmp_path, demo, model_files, via_symlink):
    (tmp_path / 'in').mkdir()
    img = _small_image(tmp_path / 'in')
    user = tmp_path / 'user'
    user.mkdir()
    (user / '000000.jpg').write_bytes(b'my holiday photo')
    (user / 'results_000000.json').write_text('{"mine": true}')
    out = user
    if via_symlink:
        out = tmp_path / 'out-link'
        out.symlink_to(user, target_is_directory=True)
    before = _user_files(user)
    with pytest.raises(SystemExit, match=r'already holds.*000000.jpg.*--overwrite'):
        demo.main([*model_files, str(img), '--out-dir', str(out)])
    assert _user_files(user) == before
    summary = demo.main([*model_files, str(img), '--out-dir', str(out), '--overwrite'])
    assert os.path.realpath(summary['output']) == str(user / '000000.jpg')
    assert cv2.imread(str(user / '000000.jpg')) is not None
    assert 'instance_info' in json.loads((user / 'results_000000.json').read_text())
    assert sorted(p.name for p in user.iterdir()) == ['000000.jpg', 'results_000000.json']


def test_demo_draws_small_input_on_a_readable_canvas(tmp_path, demo, model_files):
    """A 160x90 input is drawn with its short side at --draw-short-side (480), 854x480;
    the JSON stays in input pixels."""
    img = _small_image(tmp_path)
    (tmp_path / 'tracks.json').write_text(json.dumps(dict(
        format='lrpose_mm.tracks.v1', frames={'0': [[60, 10, 100, 85, 0]]})))
    common = [*model_files, str(img), '--kpt-thr', '0', '--tracks', str(tmp_path / 'tracks.json')]
    big = demo.main([*common, '--out-dir', str(tmp_path / 'big')])
    small = demo.main([*common, '--out-dir', str(tmp_path / 'small'), '--draw-short-side', '0'])
    assert cv2.imread(big['output']).shape == (480, 854, 3)
    assert cv2.imread(small['output']).shape == (90, 160, 3)
    res_big, res_small = (json.loads((tmp_path / d / 'results_000000.json').read_text())
                          for d in ('big', 'small'))
    assert res_big['instance_info'] == res_small['instance_info']
    kpts = np.asarray(res_big['instance_info'][0]['keypoints'])
    box = res_big['instance_info'][0]['bbox'][0]
    assert kpts.shape == (17, 2) and box == [60, 10, 100, 85]   # input pixels, not x5.3
    # the box is drawn on the canvas at 5.3x its input-pixel position
    vis = cv2.imread(big['output']).astype(int)
    canvas = cv2.resize(cv2.imread(str(img)), (854, 480), interpolation=cv2.INTER_LINEAR)
    sx, sy = 854 / 160, 480 / 90
    changed = np.abs(vis - canvas).sum(-1) > 60
    x = round(sx * 60)
    left = changed[round(sy * 10) + 5:round(sy * 85) - 5, x - 2:x + 3].any(axis=1)
    assert left.mean() > 0.9
    assert not changed[:, :x - 27].any() or kpts[:, 0].min() < 55


def test_demo_draw_short_side_must_not_be_negative(tmp_path, demo, model_files, capsys):
    img = _small_image(tmp_path)
    with pytest.raises(SystemExit):
        demo.main([*model_files, str(img), '--out-dir', str(tmp_path / 'o'),
                   '--draw-short-side', '-1'])
    assert '--draw-short-side' in capsys.readouterr().err


# ----------------------------------------------------------------------------- extraction --out
@pytest.fixture(scope='module')
def pose_model():
    from mmpose.apis import init_model

    from tiny_config import tiny_topdown_config
    torch.manual_seed(0)
    return init_model(tiny_topdown_config(), None, device='cpu')


@pytest.fixture(scope='module')
def video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('video') / 'clip.mp4'
    rng = np.random.default_rng(0)
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, (64, 48))
    for _ in range(3):
        vw.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    vw.release()
    return path


def _extract(model, video, out, **job):
    return extract_dataset(model, None, [dict(path=str(video), label=0)], str(out),
                           ExtractSettings(), ExtractJob(progress=False, **job))


@pytest.mark.parametrize('name', ['thesis.pkl', 'thesis.failures.json'])
def test_extraction_refuses_a_user_file_at_out(pose_model, video, tmp_path, name):
    notes = tmp_path / 'notes'
    notes.mkdir()
    (notes / name).write_bytes(b'chapter 1: my thesis')
    with pytest.raises(NotOwnedError, match=rf'{name} exists and was not written by this '
                                            r'extraction.*--overwrite'):
        _extract(pose_model, video, notes / 'thesis.pkl')
    assert _user_files(notes) == {name: b'chapter 1: my thesis'}
    assert sorted(p.name for p in notes.iterdir()) == [name]   # no work folder either


def test_extraction_replaces_its_own_out_and_a_user_file_only_with_overwrite(
        pose_model, video, tmp_path):
    out = tmp_path / 'skel.pkl'
    first = _extract(pose_model, video, out)
    assert first['num_ok'] == 1
    again = _extract(pose_model, video, out)          # its own result: a rerun replaces it
    assert again['num_resumed'] == 1
    out.write_bytes(b'edited by the user')
    with pytest.raises(NotOwnedError, match='skel.pkl exists'):
        _extract(pose_model, video, out)
    assert out.read_bytes() == b'edited by the user'
    _extract(pose_model, video, out, overwrite=True)
    assert out.read_bytes() != b'edited by the user'


def test_extraction_cli_exits_2_on_a_user_file(video, tmp_path, capsys):

    from tiny_config import tiny_topdown_config
    spec = importlib.util.spec_from_file_location('extract_cli_outputs',
                                                  ROOT / 'tools/extract_skeletons.py')
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    cfg = tmp_path / 'pose.py'
    tiny_topdown_config().dump(str(cfg))
    out = tmp_path / 'thesis.pkl'
    out.write_text('my notes')
    assert cli.main([str(cfg), '--video', str(video), '--out', str(out), '--no-progress']) == 2
    assert 'thesis.pkl exists' in capsys.readouterr().err
    assert out.read_text() == 'my notes'
