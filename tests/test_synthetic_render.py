"""The procedural renderer, split by concept into ``synthetic/render/``.

``test_pixels_unchanged`` is a refactoring guard: the hashes were recorded with
the single-file renderer before the split (numpy 1.26.4, OpenCV 4.11, x86-64; the
same with numpy's AVX-512 kernels on and off). A deliberate change of the generated pixels must bump
``GENERATOR_VERSION`` and re-record them with ``python tests/test_synthetic_render.py``.
"""
import hashlib
import sys

import numpy as np
import pytest

#: sha1 of the rendered bytes, recorded before the split
REFERENCE = {
    'scene0': 'f6de6e25c214f737efdad9cfd0e47dd7396203fc',
    'scene1': '60a0be9f9d99047fee317b6abc874835b96cfd20',
    'scene2': '013b8820d7ef8c6e5bbdd1a1ac03648817b0e73c',
    'scene3': '9566b1bc924ec23a2061722cf8aaed0e3702be81',
    'background0': 'c532014254097107217ad0c9115b17aebf644b2d',
    'background1': '1584a2054ba3e3816bf88b7dd9a840adb0e0a083',
    'background2': '9715127115492a065dfbf050efa5b53f489743fd',
    'photo0': '57c38deb02e499dbbf10d68eed3129b162e05ee5',
    'photo1': '4330cc9e0e6e51f941da37bd1f5be6c644e19fcb',
    'appearance': '66a9b7818759c879bfc6a359aaebc698dc0ab972',
    'person': '41d7382b264c8bb886105382cdf089f260d1b3c1',
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
