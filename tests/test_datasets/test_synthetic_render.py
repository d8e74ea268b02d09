"""The procedural renderer, split by concept into ``synthetic/render/``.

``test_pixels_unchanged`` is a refactoring guard. It compares what the renderer
draws for fixed seeds (scenes, backgrounds, photo backgrounds, one person on a
plain canvas, an appearance) against ``synthetic_render_reference.json``: images
as 8x area-reduced thumbnails, keypoints, masks and boxes as values. The
comparison tolerates what differs between CPUs (numpy's SIMD sin/cos move a
polygon vertex by an ulp, so an edge pixel may flip: an exact hash failed on
some machines) and nothing a change of the drawing would make. A deliberate
change of the generated pixels must bump ``GENERATOR_VERSION`` and re-record the
reference with ``python tests/test_datasets/test_synthetic_render.py``.
"""
import json
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path

import numpy as np
import pytest

REFERENCE_FILE = Path(__file__).with_name('synthetic_render_reference.json')
#: thumbnails: largest and mean absolute difference allowed (grey levels)
THUMB_MAX, THUMB_MEAN = 6, 0.25
#: keypoints, boxes and appearance values: absolute tolerance
VALUE_ATOL = 1e-3


def _thumb(img: np.ndarray) -> list:
    import cv2
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, w // 8), max(1, h // 8)),
                      interpolation=cv2.INTER_AREA).tolist()


def _numbers(obj) -> list:
    """The numeric leaves of an appearance (dataclasses, tuples), strings kept."""
    if is_dataclass(obj):
        obj = asdict(obj)
    if isinstance(obj, dict):
        return [x for k in sorted(obj) for x in _numbers(obj[k])]
    if isinstance(obj, (list, tuple)):
        return [x for v in obj for x in _numbers(v)]
    return [obj]


def _photo_dir(folder) -> str:
    """Three deterministic 'photos' (PNG, lossless) for the photo background."""
    import cv2
    rng = np.random.default_rng(123)
    for i in range(3):
        img = rng.integers(0, 256, (40 + 10 * i, 60, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f'p{i}.png'), img)
    return str(folder)


def render_summary(tmp_dir) -> dict:
    """Thumbnails and values of scenes, backgrounds (procedural and photo),
    an appearance and one person drawn on a plain canvas, for fixed seeds."""
    from lrpose_mm.datasets.synthetic import (
        pose_to_keypoints,
        render_background,
        render_person,
        sample_appearance,
        sample_body,
        sample_pose,
    )
    from lrpose_mm.datasets.synthetic.people import image_rng, render_scene
    out = {}
    for i in range(4):
        img, people = render_scene(image_rng(0, i, 'train'), (192, 256))
        out[f'scene{i}'] = dict(
            thumb=_thumb(img),
            values=[float(v) for p in people for v in np.ravel(p['keypoints'])])
    for i in range(3):
        out[f'background{i}'] = dict(
            thumb=_thumb(render_background(np.random.default_rng(i), 96, 128)))
    photos = _photo_dir(tmp_dir)
    for i in range(2):
        out[f'photo{i}'] = dict(thumb=_thumb(
            render_background(np.random.default_rng(10 + i), 64, 80, photos)))
    rng = np.random.default_rng(7)
    body, app = sample_body(rng), sample_appearance(rng)
    leaves = _numbers(app)
    out['appearance'] = dict(values=[float(x) for x in leaves if not isinstance(x, str)],
                             names=[x for x in leaves if isinstance(x, str)])
    ang = sample_pose(rng, 'wave')
    kp, z = pose_to_keypoints(ang, body, (64.0, 70.0), 120.0, return_depth=True)
    canvas = np.full((160, 128, 3), 90, np.uint8)
    res = render_person(canvas, kp + 0, body, app, facing=ang.yaw, depth=z, height_px=120.0)
    res2 = render_person(canvas, kp + [20, 0], body, app, facing=30.0)   # synthetic depth
    out['person'] = dict(
        thumb=_thumb(canvas),
        values=[float(v) for v in (*np.ravel(kp), *res.bbox,
                                   res.mask.mean(), res2.mask.mean(),
                                   *np.ravel(res.self_visible), *np.ravel(res2.self_visible))])
    return out


def _differences(got: dict, ref: dict) -> list:
    """What differs beyond the tolerances, one line per item."""
    bad = []
    for key in sorted(ref):
        g, r = got[key], ref[key]
        if 'thumb' in r:
            a, b = np.asarray(g['thumb'], float), np.asarray(r['thumb'], float)
            if a.shape != b.shape:
                bad.append(f'{key}: thumbnail {a.shape} against {b.shape}')
            elif np.abs(a - b).max() > THUMB_MAX or np.abs(a - b).mean() > THUMB_MEAN:
                bad.append(f'{key}: thumbnail differs by up to {np.abs(a - b).max():.0f} '
                           f'(mean {np.abs(a - b).mean():.3f})')
        if 'values' in r:
            a, b = np.asarray(g['values']), np.asarray(r['values'])
            if a.shape != b.shape or not np.allclose(a, b, rtol=0, atol=VALUE_ATOL):
                bad.append(f'{key}: values differ')
        if r.get('names') != g.get('names'):
            bad.append(f'{key}: names {g.get("names")} against {r.get("names")}')
    return bad


def test_pixels_unchanged(tmp_path):
    ref = json.loads(REFERENCE_FILE.read_text())
    got = render_summary(tmp_path)
    assert set(got) == set(ref)
    assert not _differences(got, ref), _differences(got, ref)


def test_guard_detects_a_changed_drawing(tmp_path):
    """The tolerances are far below what a change of the drawing makes: a
    one-pixel shift of a scene is caught."""
    ref = json.loads(REFERENCE_FILE.read_text())
    got = render_summary(tmp_path)
    shifted = dict(got)
    img = np.asarray(ref['scene0']['thumb'], np.uint8)
    shifted['scene0'] = dict(got['scene0'], thumb=np.roll(img, 1, axis=1).tolist())
    found = _differences(shifted, ref)
    assert len(found) == 1 and found[0].startswith('scene0: thumbnail differs')
    moved = dict(got, person=dict(got['person'],
                                  values=[v + 0.01 for v in got['person']['values']]))
    assert _differences(moved, ref) == ['person: values differ']


def test_photo_backgrounds_folder_or_listed_files(tmp_path):
    """A folder and its listed files give the same pixels; the listing is not
    cached, so a photo added later is seen."""
    import cv2

    from lrpose_mm.datasets.synthetic.render import list_background_images, render_background
    photos = _photo_dir(tmp_path)
    files = list_background_images(photos)
    assert len(files) == 3
    a = render_background(np.random.default_rng(3), 48, 64, photos)
    b = render_background(np.random.default_rng(3), 48, 64, files)
    assert np.array_equal(a, b)
    cv2.imwrite(str(tmp_path / 'p9.png'), np.zeros((20, 20, 3), np.uint8))
    assert len(list_background_images(photos)) == 4
    with pytest.raises(ValueError, match='empty list of photos'):
        render_background(np.random.default_rng(3), 48, 64, [])
    with pytest.raises(FileNotFoundError, match='is not a directory'):
        render_background(np.random.default_rng(3), 48, 64, str(tmp_path / 'missing'))


if __name__ == '__main__':   # re-record the reference
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        REFERENCE_FILE.write_text(json.dumps(render_summary(Path(d)), separators=(',', ':')))
    print(f'wrote {REFERENCE_FILE}')
    sys.exit(0)
