"""tools/demo/pose_demo.py on a small generated image and video; tools/deploy/export_onnx.py."""
import importlib.util
import json
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

from conftest import ROOT
from oracle_pose import draw_people
from tiny_config import tiny_sr_estimator

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

CODEC = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
CFG = dict(
    default_scope='mmpose',
    custom_imports=dict(imports=['lrpose_mm'], allow_failed_imports=False),
    model=tiny_sr_estimator(CODEC, test_cfg=dict(flip_test=True, flip_mode='heatmap',
                                                  shift_heatmap=False)),
    train_dataloader=dict(dataset=dict(type='CocoDataset')),
    test_dataloader=dict(dataset=dict(type='CocoDataset', pipeline=[
        dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=CODEC['input_size']),
        dict(type='LowResDegrade', scale=4, deterministic=True), dict(type='PackSRPoseInputs')])))
BOXES = [(20, 20, 44, 52), (100, 30, 220, 190)]  # small (SR path), large (direct path)


def _load_tool(rel):
    spec = importlib.util.spec_from_file_location(rel.replace('/', '_')[:-3], ROOT / rel)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def tools():
    return _load_tool('tools/demo/pose_demo.py'), _load_tool('tools/deploy/export_onnx.py')


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


def _image_and_tracks(tmp_path):
    img, _ = draw_people(BOXES)
    cv2.imwrite(str(tmp_path / 'people.png'), img)
    tracks = dict(format='lrpose_mm.tracks.v1',
                  frames={'0': [[*b, i] for i, b in enumerate(BOXES)]})
    (tmp_path / 'tracks.json').write_text(json.dumps(tracks))
    return img


def test_demo_image_with_tracks_and_sr_panel(tmp_path, tools, model_files):
    demo, _ = tools
    img = _image_and_tracks(tmp_path)
    summary = demo.main([*model_files, str(tmp_path / 'people.png'), '--out-dir',
                         str(tmp_path / 'out'), '--tracks', str(tmp_path / 'tracks.json'),
                         '--show-sr', '--sr-slots', '2', '--kpt-thr', '0',
                         '--draw-short-side', '0'])
    assert summary['paths'] == {'sr': 1, 'direct': 1}
    vis = cv2.imread(summary['output'])
    # the frame plus a panel of LR | SR tiles, 2 slots of frame height / 2
    tile_w = round(img.shape[0] // 2 * 48 / 64)
    assert vis.shape == (img.shape[0], img.shape[1] + 2 * tile_w, 3)
    # boxes and skeletons drawn: clearly more changed pixels than the box outlines alone
    changed = (np.abs(vis[:, :img.shape[1]].astype(int) - img).sum(-1) > 60).sum()
    assert changed > 1.3 * sum(2 * (x2 - x1 + y2 - y1) for x1, y1, x2, y2 in BOXES)
    res = json.loads((tmp_path / 'out' / 'results_people.json').read_text())
    inst = res['instance_info']
    assert [i['sr_path'] for i in inst] == ['sr', 'direct']
    assert [i['track_id'] for i in inst] == [0, 1]
    assert all(np.asarray(i['keypoints']).shape == (17, 2) for i in inst)
    assert len(inst[0]['keypoint_scores']) == 17 and len(inst[0]['bbox'][0]) == 4
    assert res['meta_info']['dataset_name'] == 'coco'


def test_demo_video_full_frame(tmp_path, tools, model_files):
    demo, _ = tools
    path = str(tmp_path / 'clip.mp4')
    w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (96, 128))
    for t in range(5):
        img, _ = draw_people([(20 + 4 * t, 10, 70 + 4 * t, 110)], size=(128, 96))
        w.write(img)
    w.release()
    summary = demo.main([*model_files, path, '--out-dir', str(tmp_path / 'out'),
                         '--batch-size', '3'])
    assert summary['frames'] == 5 and summary['people'] == 5 and summary['paths'] == {'direct': 5}
    cap = cv2.VideoCapture(summary['output'])
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == 5
    res = json.loads((tmp_path / 'out' / 'results_clip.json').read_text())
    assert [r['frame_id'] for r in res['instance_info']] == list(range(5))


def _frame_size(path):
    cap = cv2.VideoCapture(path)
    ok, frame = cap.read()
    cap.release()
    assert ok, path
    return frame.shape[:2]


def test_demo_draws_small_video_at_a_readable_size(tmp_path, tools, model_files):
    demo, _ = tools
    path = str(tmp_path / 'tiny.mp4')
    w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (160, 90))
    for t in range(3):
        w.write(draw_people([(60 + 2 * t, 8, 90 + 2 * t, 84)], size=(90, 160))[0])
    w.release()
    summary = demo.main([*model_files, path, '--out-dir', str(tmp_path / 'out')])
    assert summary['frames'] == 3
    assert _frame_size(summary['output']) == (480, 854)   # short side 90 -> 480, even
    res = json.loads((tmp_path / 'out' / 'results_tiny.json').read_text())
    inst = [i for r in res['instance_info'] for i in r['instances']]
    np.testing.assert_allclose([i['bbox'][0] for i in inst], [[0, 0, 160, 90]] * 3, atol=1)
    summary = demo.main([*model_files, path, '--out-dir', str(tmp_path / 'raw'),
                         '--draw-short-side', '0'])
    assert _frame_size(summary['output']) == (90, 160)
    raw = json.loads((tmp_path / 'raw' / 'results_tiny.json').read_text())
    assert raw['instance_info'] == res['instance_info']   # the JSON stays in input pixels


def test_drawer_puts_keypoints_at_scaled_positions(tools):
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample

    from lrpose_mm.datasets.metainfo import coco_metainfo
    demo, _ = tools
    model = SimpleNamespace(dataset_meta=coco_metainfo(),
                            head=SimpleNamespace(decoder=SimpleNamespace(input_size=(48, 64))))
    args = SimpleNamespace(radius=3, thickness=1, kpt_thr=0.3, draw_short_side=480,
                           show_sr=False, sr_slots=1)
    draw = demo.Drawer(model, args)
    kp = np.zeros((1, 17, 2), np.float32)
    kp[0, 0], kp[0, 16] = (20, 10), (140, 80)   # nose, right ankle: not linked
    scores = np.zeros((1, 17), np.float32)
    scores[0, [0, 16]] = 1
    sample = PoseDataSample(pred_instances=InstanceData(keypoints=kp, keypoint_scores=scores))
    frame = np.zeros((90, 160, 3), np.uint8)
    out = draw(frame, [sample])
    assert out.shape == (480, 854, 3)
    sx, sy = 854 / 160, 480 / 90
    for x, y in ((20, 10), (140, 80)):
        cx, cy = int(round((x + 0.5) * sx - 0.5)), int(round((y + 0.5) * sy - 0.5))
        assert out[cy - 1:cy + 2, cx - 1:cx + 2].any(), (x, y)   # drawn where scaled
        assert not out[y, x].any()                               # not at the input position
    assert np.asarray(sample.pred_instances.keypoints)[0, 16].tolist() == [140, 80]  # untouched
    assert draw.canvas_size(np.zeros((600, 300, 3))) == (480, 960)   # portrait: width is short
    assert draw.canvas_size(np.zeros((500, 700, 3))) == (700, 500)   # large enough: as is


def test_demo_onnxruntime_backend_matches_pytorch(tmp_path, tools, model_files):
    pytest.importorskip('onnxruntime')
    demo, export = tools
    _image_and_tracks(tmp_path)
    prefix = str(tmp_path / 'onnx' / 'pdsr')
    assert export.main([*model_files, '--out-prefix', prefix]) == 0
    report = json.loads((tmp_path / 'onnx' / 'pdsr.json').read_text())
    assert all(report['paths'][p]['parity']['max_abs_diff'] < 1e-4 for p in ('sr', 'direct'))
    common = [str(tmp_path / 'people.png'), '--tracks', str(tmp_path / 'tracks.json')]
    demo.main([*model_files, *common, '--out-dir', str(tmp_path / 'pt')])
    demo.main([*model_files, *common, '--out-dir', str(tmp_path / 'ort'),
               '--backend', 'onnxruntime', '--onnx-prefix', prefix])
    pt, ort = (json.loads((tmp_path / d / 'results_people.json').read_text())['instance_info']
               for d in ('pt', 'ort'))
    for a, b in zip(pt, ort):
        assert a['sr_path'] == b['sr_path']
        np.testing.assert_allclose(b['keypoints'], a['keypoints'], atol=1e-3)


def test_demo_bad_inputs_name_the_problem(tmp_path, tools, model_files, capsys):
    demo, _ = tools
    _image_and_tracks(tmp_path)
    good = (tmp_path / 'people.png').read_bytes()
    (tmp_path / 'cut.png').write_bytes(good[:len(good) // 3])
    (tmp_path / 'notes.txt').write_text('hello')
    (tmp_path / 'broken.mp4').write_bytes(b'\x00' * 1000)
    (tmp_path / 'bad_tracks.json').write_text('{"frames": {"zero": []}}')
    out = ['--out-dir', str(tmp_path / 'out')]
    cases = [
        ([str(tmp_path / 'cut.png')], r"cut.png'.*not a readable image"),
        ([str(tmp_path / 'notes.txt')], r"notes.txt'.*unknown file type"),
        ([str(tmp_path / 'broken.mp4')], r'broken.mp4.*(cannot open|no frame)'),
        ([str(tmp_path / 'people.png'), '--tracks', str(tmp_path / 'bad_tracks.json')],
         r"bad_tracks.json.*frame key 'zero'"),
        ([str(tmp_path / 'people.png'), '--backend', 'onnxruntime', '--onnx-prefix',
          str(tmp_path / 'none')], r'none_sr.onnx.*not found'),
    ]
    for extra, words in cases:
        with pytest.raises(SystemExit, match=words):
            demo.main([*model_files, *extra, *out])
    with pytest.raises(SystemExit):
        demo.main([*model_files, str(tmp_path / 'missing.png'), *out])
    assert "input '" in capsys.readouterr().err
    assert not (tmp_path / 'out').exists() or not any((tmp_path / 'out').iterdir())


def test_demo_routes_three_ways_with_an_x2_neck(tmp_path, tools):
    from mmengine.config import Config
    from mmpose.registry import MODELS
    demo, export = tools
    cfg = Config(CFG)
    cfg.model.extra_sr_necks = [dict(type='PoseDrivenSRNeck', scale=2, mid_channels=8,
                                     num_blocks=1)]
    cfg.dump(str(tmp_path / 'cfg3.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    save_checkpoint(dict(meta={}, state_dict=model.state_dict()), str(tmp_path / 'model3.pth'))
    files = [str(tmp_path / 'cfg3.py'), str(tmp_path / 'model3.pth')]
    boxes = [(20, 20, 32, 36), (60, 40, 84, 72), (100, 30, 220, 190)]  # x4, x2, direct
    img, _ = draw_people(boxes)
    cv2.imwrite(str(tmp_path / 'three.png'), img)
    (tmp_path / 'tracks.json').write_text(json.dumps(dict(
        format='lrpose_mm.tracks.v1', frames={'0': [[*b, i] for i, b in enumerate(boxes)]})))
    common = [str(tmp_path / 'three.png'), '--tracks', str(tmp_path / 'tracks.json')]
    summary = demo.main([*files, *common, '--out-dir', str(tmp_path / 'out'), '--show-sr'])
    assert summary['paths'] == {'sr': 1, 'sr_x2': 1, 'direct': 1}
    summary = demo.main([*files, *common, '--out-dir', str(tmp_path / 'all'), '--always-sr'])
    assert summary['paths'] == {'sr': 3}
    with pytest.raises(SystemExit, match=r'SR factors \(4, 2\), give 2 value'):
        demo.main([*files, *common, '--out-dir', str(tmp_path / 'bad'), '--size-threshold', '50'])
    pytest.importorskip('onnxruntime')
    prefix = str(tmp_path / 'onnx' / 'm3')
    assert export.main([*files, '--out-prefix', prefix]) == 0
    report = json.loads((tmp_path / 'onnx' / 'm3.json').read_text())
    assert sorted(report['paths']) == ['direct', 'sr', 'sr_x2']
    ort = demo.main([*files, *common, '--out-dir', str(tmp_path / 'ort'),
                     '--backend', 'onnxruntime', '--onnx-prefix', prefix])
    assert ort['paths'] == {'sr': 1, 'sr_x2': 1, 'direct': 1}
