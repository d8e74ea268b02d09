"""Skeleton extraction: batched inference, PoseDataset output, resume,
corrupt input handling, and the real low-resolution video (when present)."""
import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lrpose_mm  # noqa: F401  (compat fixes before mmaction.models)
from lrpose_mm.action import (
    DetectorSettings,
    ExtractJob,
    ExtractSettings,
    FrameReader,
    SettingsMismatchError,
    VideoReadError,
    extract_dataset,
    load_tracks,
    parse_video_list,
    save_tracks,
)
from lrpose_mm.action import extract as extract_mod
from lrpose_mm.apis import (
    compare_batched_vs_per_frame,
    inference_topdown_batched,
    inference_topdown_per_frame,
    samples_to_arrays,
)

from conftest import ROOT, SHARED_DATA
from tiny_config import tiny_topdown_config

BASKETBALL = SHARED_DATA / 'videos' / 'basketball_426x240.mp4'

SETTING_FIELDS = {f.name for f in dataclasses.fields(ExtractSettings)}


def _run(model, videos, out, **kw):
    """extract_dataset with keywords sorted into settings and job options."""
    settings = ExtractSettings(**{k: v for k, v in kw.items() if k in SETTING_FIELDS})
    job = ExtractJob(**dict(dict(progress=False),
                            **{k: v for k, v in kw.items() if k not in SETTING_FIELDS}))
    return extract_dataset(model, None, videos, str(out), settings, job)


# ----------------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------------
@pytest.fixture(scope='module')
def pose_model():
    """A tiny stock MMPose top-down model with seeded random weights."""
    import torch
    from mmpose.apis import init_model
    torch.manual_seed(0)
    return init_model(tiny_topdown_config(), None, device='cpu')


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    """Three short procedural action videos (LR 80x64) with track files."""
    from lrpose_mm.datasets.synthetic.actions import generate_action_dataset
    root = tmp_path_factory.mktemp('clips')
    generate_action_dataset(str(root), clips_per_class=1, classes=[0, 1, 2],
                            num_frames=12, save_hr=False, progress=False)
    return root


def _video_list(clips, tmp_path, extra=()):
    """A text video list with explicit splits (+ extra raw lines)."""
    lines = []
    for i, p in enumerate(sorted((clips / 'videos').glob('*.mp4'))):
        split = 'val' if i == 2 else 'train'
        lines.append(f'{p} {i} {split} {clips / "tracks" / (p.stem + ".json")}')
    lines += list(extra)
    path = tmp_path / 'list.txt'
    path.write_text('# test list\n' + '\n'.join(lines) + '\n')
    return path


def _load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def _same_annotations(a, b):
    assert a['split'] == b['split']
    assert [x['frame_dir'] for x in a['annotations']] == \
        [x['frame_dir'] for x in b['annotations']]
    for x, y in zip(a['annotations'], b['annotations']):
        assert set(x) == set(y)
        for k in x:
            if isinstance(x[k], np.ndarray):
                np.testing.assert_array_equal(x[k], y[k])
            else:
                assert x[k] == y[k], k


# ----------------------------------------------------------------------------
# batched inference API
# ----------------------------------------------------------------------------
def test_batched_matches_per_frame(pose_model):
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)
            for _ in range(5)]
    boxes = [np.array([[5, 5, 40, 60], [30, 2, 75, 62]], np.float32)] * 4 + [
        np.zeros((0, 4), np.float32)]
    res_b = inference_topdown_batched(pose_model, imgs, boxes, batch_size=3)
    res_f = inference_topdown_per_frame(pose_model, imgs, boxes)
    assert [len(r) for r in res_b] == [2, 2, 2, 2, 0] == [len(r) for r in res_f]
    kb, sb = samples_to_arrays([s for r in res_b for s in r])
    kf, sf = samples_to_arrays([s for r in res_f for s in r])
    assert kb.shape == (8, 17, 2) and sb.shape == (8, 17)
    np.testing.assert_allclose(kb, kf, atol=1e-3)
    np.testing.assert_allclose(sb, sf, atol=1e-4)
    # the benchmark helper runs both on the same crops (no timing asserted)
    r = compare_batched_vs_per_frame(pose_model, imgs[:4], boxes[:4],
                                     batch_size=8, warmup=False)
    assert r['n_crops'] == 8 and r['speedup'] > 0
    assert r['max_abs_keypoint_diff'] < 1e-3


# ----------------------------------------------------------------------------
# extraction -> PoseDataset
# ----------------------------------------------------------------------------
@pytest.fixture(scope='module')
def extracted(pose_model, clips, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('extracted')
    vlist = _video_list(clips, tmp)
    out = tmp / 'skel.pkl'
    summary = _run(pose_model, str(vlist), out, batch_size=16)
    return dict(out=out, summary=summary, vlist=vlist, tmp=tmp)


def test_annotation_file_loads_in_posedataset(extracted):
    from mmaction.datasets import PoseDataset
    s = extracted['summary']
    assert (s['num_ok'], s['num_failed']) == (3, 0)
    data = _load(extracted['out'])
    assert set(data) == {'split', 'annotations'}
    assert len(data['split']['train']) == 2 and len(data['split']['val']) == 1
    for a in data['annotations']:
        M, T, V, C = a['keypoint'].shape
        assert (M, T, V, C) == (1, 12, 17, 2)
        assert a['keypoint'].dtype == np.float32
        assert a['keypoint_score'].shape == (M, T, V)
        assert a['keypoint_score'].dtype == np.float32
        assert a['img_shape'] == a['original_shape'] == (64, 80)
        assert a['total_frames'] == 12 and 'bad_frames' not in a
    pipeline = [
        dict(type='PreNormalize2D'),
        dict(type='GenSkeFeat', dataset='coco', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=8),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    ds = PoseDataset(str(extracted['out']), pipeline, split='train')
    assert len(ds) == 2
    item = ds[0]
    assert tuple(item['inputs'].shape) == (1, 2, 8, 17, 3)


@pytest.mark.slow
@pytest.mark.long
def test_train_stgcn_on_extracted_skeletons(extracted, tmp_path):
    """Our file trains MMAction2's ST-GCN through tools/train.py."""
    ann = str(extracted['out'])
    cfg = ROOT / 'configs' / 'action' / \
        'stgcn_cpu-tiny-u32-30e_procedural-actions-gt.py'
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'tools' / 'train.py'), str(cfg),
         '--work-dir', str(tmp_path / 'wd'), '--cfg-options',
         f'train_dataloader.dataset.ann_file={ann}',
         f'val_dataloader.dataset.ann_file={ann}',
         f'test_dataloader.dataset.ann_file={ann}',
         'train_dataloader.batch_size=2', 'train_cfg.max_epochs=2',
         'train_cfg.val_interval=1', 'model.cls_head.num_classes=3'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert (tmp_path / 'wd' / 'epoch_2.pth').exists()
    [scalars] = (tmp_path / 'wd').glob('*/vis_data/scalars.json')
    records = [json.loads(line) for line in scalars.read_text().splitlines()]
    top1 = [r['acc/top1'] for r in records if 'acc/top1' in r]
    assert len(top1) == 2 and all(0.0 <= a <= 1.0 for a in top1)  # validated after each epoch


# ----------------------------------------------------------------------------
# resumability
# ----------------------------------------------------------------------------
def test_interrupted_extraction_resumes_identically(pose_model, clips,
                                                    extracted, tmp_path,
                                                    monkeypatch):
    vlist = extracted['vlist']
    out = tmp_path / 'skel.pkl'
    real = extract_mod.extract_video
    calls = []

    def flaky(model, entry, *args, **kwargs):
        calls.append(entry.frame_dir)
        if len(calls) == 2:
            raise KeyboardInterrupt('simulated interruption')
        return real(model, entry, *args, **kwargs)

    monkeypatch.setattr(extract_mod, 'extract_video', flaky)
    with pytest.raises(KeyboardInterrupt):
        _run(pose_model, str(vlist), out, batch_size=16)
    assert not out.exists()  # the final file is only written at the end
    work = tmp_path / 'skel_work' / 'videos'
    assert len(list(work.glob('*.json'))) == len(list(work.glob('*.npz'))) == 1
    assert not list(work.glob('.*tmp'))  # no temp file left behind
    monkeypatch.setattr(extract_mod, 'extract_video', real)
    s = _run(pose_model, str(vlist), out, batch_size=16)
    assert (s['num_ok'], s['num_resumed'], s['num_failed']) == (3, 1, 0)
    resumed = _load(out)
    names = [a['frame_dir'] for a in resumed['annotations']]
    assert len(names) == len(set(names)) == 3
    _same_annotations(resumed, _load(extracted['out']))
    # deleting the final file and rerunning rebuilds it from the work dir
    # (the batch size is not part of the settings: finished videos are kept)
    out.unlink()
    s = _run(pose_model, str(vlist), str(out), batch_size=5)
    assert s['num_resumed'] == 3
    _same_annotations(_load(out), _load(extracted['out']))


def test_changed_settings_are_refused(pose_model, extracted):
    with pytest.raises(SettingsMismatchError, match='lr_scale'):
        _run(pose_model, str(extracted['vlist']), extracted['out'], lr_scale=2)


# ----------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------
@pytest.mark.slow
def test_corrupt_video_is_listed_not_annotated(clips, tmp_path):
    """CLI: a garbage .mp4 is failed and listed; the rest is extracted."""
    bad = tmp_path / 'garbage.mp4'
    bad.write_bytes(np.random.default_rng(0).bytes(5000))
    missing = tmp_path / 'missing.mp4'
    vlist = _video_list(clips, tmp_path, [f'{bad} 0 train',
                                          f'{missing} 1 val'])
    cfg = tmp_path / 'tiny_pose.py'
    tiny_topdown_config().dump(str(cfg))
    out = tmp_path / 'skel.pkl'
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'tools' / 'extract_skeletons.py'),
         str(cfg), '--video-list', str(vlist), '--out', str(out),
         '--batch-size', '8', '--no-progress'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1'))
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-3000:]
    data = _load(out)
    names = [a['frame_dir'] for a in data['annotations']]
    assert len(names) == 3 and 'garbage' not in names
    assert 'garbage' not in sum(data['split'].values(), [])
    failures = json.loads((tmp_path / 'skel.failures.json').read_text())
    assert {f['frame_dir'] for f in failures} == {'garbage', 'missing'}
    assert all('VideoReadError' in f['error'] for f in failures)
    log = (tmp_path / 'skel_work' / 'extract.log').read_text()
    assert 'FAILED' in log and 'garbage.mp4' in log
    assert 'FAILED' in proc.stderr


def test_garbage_bytes_raise_video_read_error(tmp_path):
    bad = tmp_path / 'x.mp4'
    bad.write_bytes(b'\x00\x01garbage' * 100)
    for backend in ('cv2', 'auto'):
        with pytest.raises(VideoReadError):
            list(FrameReader(str(bad), backend))


def test_corrupt_frame_and_degenerate_box(pose_model, tmp_path):
    """A corrupt frame keeps its slot with score 0 and is listed; an empty
    box is reported and skipped; nothing is zero-filled silently."""
    import cv2
    folder = tmp_path / 'frames_clip'
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(6):
        img = rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f'{i:05d}.jpg'), img)
    (folder / '00002.jpg').write_bytes(b'not a jpeg')
    tracks = {i: [[10, 5, 50, 60, 7]] for i in range(6)}
    tracks[4] = [[30, 30, 30, 50, 7]]  # empty box
    save_tracks(tracks, str(tmp_path / 'tr.json'))
    assert load_tracks(str(tmp_path / 'tr.json'))[4].shape == (1, 5)
    out = tmp_path / 'o.pkl'
    s = _run(pose_model, [dict(path=str(folder), label=3, tracks=str(tmp_path / 'tr.json'))],
             out)
    assert s['num_ok'] == 1 and s['num_bad_frames'] == 1
    assert s['num_skipped_boxes'] == 1
    a = _load(out)['annotations'][0]
    assert a['total_frames'] == 6 and a['bad_frames'] == [2]
    sc = a['keypoint_score'][0]
    assert (sc[2] == 0).all() and (sc[4] == 0).all()
    assert (a['keypoint'][0, [2, 4]] == 0).all()
    assert (sc[[0, 1, 3, 5]] > 0).any(axis=1).all()
    rep = json.loads(Path(s['report_file']).read_text())['videos'][0]
    assert rep['bad_frames'][0][0] == 2
    assert rep['skipped_boxes'][0][:2] == [4, 7]
    assert 'empty box' in rep['skipped_boxes'][0][2]
    # every box degenerate -> the video fails (listed), it is not zero-filled
    save_tracks({i: [[0, 0, 0.5, 0.5, 1]] for i in range(6)},
                str(tmp_path / 'tr_bad.json'))
    s = _run(pose_model, [dict(path=str(folder), label=3, tracks=str(tmp_path / 'tr_bad.json'))],
             tmp_path / 'o2.pkl')
    assert s['num_ok'] == 0 and 'NoPersonError' in s['failures'][0]['error']
    assert _load(tmp_path / 'o2.pkl')['annotations'] == []


def test_lr_scale_and_keypoint_space(pose_model, clips, tmp_path):
    v = sorted((clips / 'videos').glob('*.mp4'))[0]
    entry = [dict(path=str(v), label=0)]
    s1 = _run(pose_model, entry, tmp_path / 'a.pkl', lr_scale=2)
    s2 = _run(pose_model, entry, tmp_path / 'b.pkl', lr_scale=2, keypoint_space='input')
    assert s1['num_ok'] == s2['num_ok'] == 1
    a = _load(tmp_path / 'a.pkl')['annotations'][0]
    b = _load(tmp_path / 'b.pkl')['annotations'][0]
    assert a['img_shape'] == (64, 80) and b['img_shape'] == (32, 40)
    assert a['original_shape'] == b['original_shape'] == (64, 80)
    np.testing.assert_allclose(a['keypoint'], (b['keypoint'] + 0.5) * 2 - 0.5,
                               atol=1e-4)
    np.testing.assert_array_equal(a['keypoint_score'], b['keypoint_score'])


def test_video_list_formats(tmp_path):
    (tmp_path / 'a b.mp4').write_bytes(b'')
    txt = tmp_path / 'l.txt'
    txt.write_text('# comment\n"a b.mp4" 2 val  # trailing\n\nsub/c.mp4 1\n')
    e = parse_video_list(str(txt))
    assert [(x.frame_dir, x.label, x.split) for x in e] == [
        ('a b', 2, 'val'), ('c', 1, 'train')]
    assert e[0].path == str(tmp_path / 'a b.mp4')
    js = tmp_path / 'l.json'
    js.write_text(json.dumps({'videos': [
        dict(path='x/v.mp4', label=0, frame_dir='v1'),
        dict(path='y/v.mp4', label=1, frame_dir='v2')]}))
    assert [x.frame_dir for x in parse_video_list(str(js))] == ['v1', 'v2']
    with pytest.raises(ValueError, match='frame_dir'):
        parse_video_list([('x/v.mp4', 0), ('y/v.mp4', 1)])
    with pytest.raises(ValueError, match='label'):
        parse_video_list([('x/v.mp4', 'cat')])
    many = [(f'v{i}.mp4', 0) for i in range(200)]
    s1 = [x.split for x in parse_video_list(many, val_ratio=0.3)]
    s2 = [x.split for x in parse_video_list(many, val_ratio=0.3)]
    assert s1 == s2 and 30 < s1.count('val') < 90


# ----------------------------------------------------------------------------
# the real low-resolution video (shared data; skipped when absent)
# ----------------------------------------------------------------------------
@pytest.mark.skipif(not BASKETBALL.exists(),
                    reason=f'shared test video not found at {BASKETBALL}')
@pytest.mark.slow
def test_real_video_decoding_and_extraction(pose_model, tmp_path):
    from lrpose_mm.action.video import decord_available
    backends = ['cv2'] + (['decord'] if decord_available() else [])
    counts = {}
    for b in backends:
        r = FrameReader(str(BASKETBALL), b)
        n = 0
        for i, f in r:
            assert f is not None and f.shape == (240, 426, 3)
            n += 1
        counts[b] = n
    assert set(counts.values()) == {300}, counts
    # track file in original pixels + simulated x2 LR
    save_tracks({i: [[100, 40, 190, 235, 0], [250, 35, 340, 235, 1]]
                 for i in range(0, 300)}, str(tmp_path / 'bb.json'))
    s = _run(pose_model, [dict(path=str(BASKETBALL), label=0, tracks=str(tmp_path / 'bb.json'))],
             tmp_path / 'bb.pkl', lr_scale=2, batch_size=64)
    assert s['num_ok'] == 1, s['failures']
    a = _load(tmp_path / 'bb.pkl')['annotations'][0]
    assert a['keypoint'].shape == (2, 300, 17, 2)
    assert a['img_shape'] == a['original_shape'] == (240, 426)


def test_detector_boxes_are_ranked_and_filtered(pose_model, clips, tmp_path,
                                                monkeypatch):
    """The detector path (mmdet.apis, lazily imported), with a stand-in
    detector so no checkpoint is needed."""
    import torch
    from mmdet import apis as det_apis
    from mmengine.structures import InstanceData

    class Result:
        def __init__(self):
            self.pred_instances = InstanceData(
                bboxes=torch.tensor([[1., 1., 30., 60.], [40., 2., 78., 62.],
                                     [5., 5., 9., 9.]]),
                scores=torch.tensor([0.6, 0.9, 0.95]),
                labels=torch.tensor([0, 0, 3]))  # the third is not a person

    monkeypatch.setattr(det_apis, 'init_detector',
                        lambda cfg, ckpt, device='cpu': object())
    monkeypatch.setattr(det_apis, 'inference_detector',
                        lambda model, img: Result())
    v = sorted((clips / 'videos').glob('*.mp4'))[0]
    s = _run(pose_model, [dict(path=str(v), label=0)], tmp_path / 'd.pkl',
             detector=DetectorSettings('fake_det.py'), boxes='detector', max_persons=2)
    assert s['num_ok'] == 1
    a = _load(tmp_path / 'd.pkl')['annotations'][0]
    assert a['keypoint'].shape[0] == 2  # two persons: the 0.9 box, then 0.6
    rep = json.loads(Path(s['report_file']).read_text())['videos'][0]
    assert rep['boxes'] == 'detector' and rep['crops'] == 2 * 12


def test_real_lr_setting_runs_the_sr_model_on_lr_crops(clips, tmp_path):
    """``ExtractSettings(real_lr=True)``: the SR model's test pipeline loses its
    simulated degradation and warps crops straight to the LR size; the
    pipeline is part of the saved settings (a plain rerun is refused)."""
    from mmpose.apis import init_model

    from lrpose_mm.action import PoseRunner
    from lrpose_mm.config import load_config
    cfg = load_config('lrpose_mm::synthetic/pdsr-x4_hrnet-tiny_synthetic-lr32x24.py')
    model = init_model(cfg, None, device='cpu')
    runner = PoseRunner(model, real_lr=True)
    assert 'LowResDegrade' not in runner.describe_pipeline()
    assert 'TopdownAffine(24, 32)' in runner.describe_pipeline()
    v = sorted((clips / 'videos').glob('*.mp4'))[0]
    entry = [dict(path=str(v), label=0)]
    s = _run(model, entry, tmp_path / 'r.pkl', real_lr=True, batch_size=8)
    assert s['num_ok'] == 1
    a = _load(tmp_path / 'r.pkl')['annotations'][0]
    assert a['keypoint'].shape == (1, 12, 17, 2) and np.isfinite(a['keypoint']).all()
    with pytest.raises(SettingsMismatchError, match='model|real_lr'):
        _run(model, entry, tmp_path / 'r.pkl', batch_size=8)
