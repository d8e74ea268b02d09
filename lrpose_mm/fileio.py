"""Atomic file writes (temp file in the same folder + ``os.replace``), shared
by every job that must leave no partial file behind (extraction, data
generation, benchmarks), and safe reading of intermediate results.

Intermediate results that a job reads back (per-video skeletons, caches) are
written as ``.npz`` (read with ``allow_pickle=False``) plus JSON, formats that
cannot run code when loaded. Pickle is written only where a consumer requires
it (MMAction2's ``PoseDataset`` annotation file); :func:`load_pickle` is for
files the user trusts.
"""
import contextlib
import hashlib
import json
import os
import pickle
import tempfile
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Union

import numpy as np

#: image file extensions read as images (frame folders, backgrounds, the demo), lower case
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


@contextlib.contextmanager
def atomic_path(path: str, suffix: Optional[str] = None) -> Iterator[str]:
    """A temporary path beside ``path`` (same extension unless ``suffix``) for
    writers that need a file name (``cv2.VideoWriter``, ``np.savez``): moved
    onto ``path`` when the block succeeds, removed when it raises."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    if suffix is None:
        suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.',
                               suffix='.tmp' + suffix, dir=folder)   # hidden, '*.tmp*'

    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _atomic_write(path: str, write: Callable[[IO], Any], mode: str = 'wb') -> str:
    with atomic_path(path, suffix='') as tmp:
        with open(tmp, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    return os.path.abspath(path)


def atomic_pickle_dump(obj: Any, path: str) -> str:
    """Pickle ``obj`` to ``path`` so that readers see the old or new file."""
    return _atomic_write(
        path, lambda f: pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL))


def json_default(obj: Any) -> Any:
    """``json.dump``'s ``default`` for numpy values: arrays as lists, scalars as numbers."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f'{type(obj).__name__} is not JSON serialisable')


def atomic_json_dump(obj: Any, path: str, indent: Union[int, str, None] = 1) -> str:
    """Write ``obj`` as JSON (numpy arrays and scalars included) so that
    readers see the old or new file."""
    return _atomic_write(
        path, lambda f: json.dump(obj, f, indent=indent, default=json_default), 'w')


def atomic_bytes_dump(data: bytes, path: str) -> str:
    """Write ``data`` to ``path`` so that readers see the old or new file."""
    return _atomic_write(path, lambda f: f.write(data))


def atomic_text_dump(text: str, path: str) -> str:
    return _atomic_write(path, lambda f: f.write(text), 'w')


def atomic_npz_dump(arrays: Dict[str, np.ndarray], path: str) -> str:
    """Save numeric arrays as an (uncompressed) ``.npz``, atomically. Object
    arrays are refused: they would need pickle to load."""
    for k, v in arrays.items():
        if np.asarray(v).dtype == object:
            raise TypeError(f'atomic_npz_dump: array {k!r} has dtype object')
    return _atomic_write(path, lambda f: np.savez(f, **arrays))


def load_npz(path: str) -> Dict[str, np.ndarray]:
    """Arrays of an ``.npz`` file, loaded without pickle (a file holding
    object arrays raises ``ValueError`` instead of running code)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load_pickle(path: str) -> Any:
    """Unpickle a file the user trusts (pickle can run code): the final
    MMAction2 annotation file, for instance. Never use it on a work folder."""
    with open(path, 'rb') as f:
        return pickle.load(f)


def changed_settings(path: str, settings: dict) -> Optional[List[str]]:
    """Keys whose value differs from the settings saved at ``path`` (None: nothing saved).

    Resumable jobs compare their settings with the saved ones before reusing results.
    """
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            old = json.load(f)
    except ValueError as e:
        raise ValueError(f'{path} is not valid JSON ({e}): it was not written by this '
                         'job (its writes are atomic); remove it or use another folder') from e
    if not isinstance(old, dict):
        raise ValueError(f'{path} does not hold a settings mapping')
    return sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))


def file_sha256(path: str) -> str:
    """SHA-256 (hex) of a file's content, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
