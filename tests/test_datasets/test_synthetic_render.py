"""The procedural renderer, split by concept into ``synthetic/render/``.

``test_pixels_unchanged`` is a refactoring guard: the hashes were recorded with
the single-file renderer before the split (numpy 1.26.4, OpenCV 4.11, x86-64; the
same with numpy's AVX-512 kernels on and off), then again with the single-file
renderer of main at 9be4999 (left and right alike), which the split reproduces.
A deliberate change of the generated pixels must bump
``GENERATOR_VERSION`` and re-record them with ``python tests/test_synthetic_render.py``.
"""
import hashlib
import sys

import numpy as np
import pytest

#: sha1 of the rendered bytes, recorded before the split
REFERENCE = {
    'scene0': 'fbf8851e6e4f5e3de15cb566e9ea400310847a45',
    'scene1': 'f18d3f9e751dfd5fac4c999c5802f08834c6c4a1',
    'scene2': 'd87ecb3265ec66cce0ecfcb4f815e0adce1d701c',
    'scene3': '1f5cfe0c19e53b1eaa91f53f2e395a2a072c300c',
    'background0': 'c532014254097107217ad0c9115b17aebf644b2d',
    'background1': '1584a2054ba3e3816bf88b7dd9a840adb0e0a083',
    'background2': '9715127115492a065dfbf050efa5b53f489743fd',
    'photo0': '57c38deb02e499dbbf10d68eed3129b162e05ee5',
    'photo1': '4330cc9e0e6e51f941da37bd1f5be6c644e19fcb',
    'appearance': '66a9b7818759c879bfc6a359aaebc698dc0ab972',
    'person': '165d2ee1308fcf7828332c2a219bb21b898c7553',
}


def _digest(*arrays) -> str:
    h = hashlib.sha1()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _photo_dir(folder) -> str:
    """Three deterministic 'photos' (PNG, lossless) for the photo background."""
    import cv2
    rng = np.random.default_rng(123)
    for i in range(3):
        img = rng.integers(0, 256, (40 + 10 * i, 60, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f'p{i}.png'), img)
    return str(folder)


def render_digests(tmp_dir) -> dict:
    """Hashes of scenes, backgrounds (procedural and photo), appearances and
    one person drawn on a plain canvas, for fixed seeds."""
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
        kps = [np.asarray(p['keypoints'], np.float64) for p in people]
        out[f'scene{i}'] = _digest(img, *kps)
    for i in range(3):
        out[f'background{i}'] = _digest(render_background(np.random.default_rng(i), 96, 128))
    photos = _photo_dir(tmp_dir)
    for i in range(2):
        out[f'photo{i}'] = _digest(
            render_background(np.random.default_rng(10 + i), 64, 80, photos))
    rng = np.random.default_rng(7)
    body, app = sample_body(rng), sample_appearance(rng)
    out['appearance'] = hashlib.sha1(repr(app).encode()).hexdigest()
    ang = sample_pose(rng, 'wave')
    kp, z = pose_to_keypoints(ang, body, (64.0, 70.0), 120.0, return_depth=True)
    canvas = np.full((160, 128, 3), 90, np.uint8)
    res = render_person(canvas, kp, body, app, facing=ang.yaw, depth=z, height_px=120.0)
    res2 = render_person(canvas, kp + [20, 0], body, app, facing=30.0)   # synthetic depth
    out['person'] = _digest(canvas, res.mask, res.self_visible, res2.mask,
                            res2.self_visible, np.asarray(res.bbox))
    return out


def test_pixels_unchanged(tmp_path):
    got = render_digests(tmp_path)
    assert set(got) == set(REFERENCE)
    changed = sorted(k for k in got if got[k] != REFERENCE[k])
    assert not changed, f'rendered pixels changed for {changed}'


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


if __name__ == '__main__':   # re-record the reference hashes
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        for k, v in render_digests(Path(d)).items():
            print(f'    {k!r}: {v!r},')
    sys.exit(0)
