"""Atomic file writes (temp file in the same folder + ``os.replace``), shared by every job
that must leave no partial file behind (extraction, data generation, benchmarks)."""
import json
import os
import pickle
import tempfile
from typing import Any, Callable, List, Optional


def _atomic_write(path: str, write: Callable, mode: str = 'wb') -> str:
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_pickle_dump(obj: Any, path: str) -> str:
    """Pickle ``obj`` to ``path`` so that readers see the old or new file."""
    return _atomic_write(
        path, lambda f: pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL))


def atomic_json_dump(obj: Any, path: str) -> str:
    return _atomic_write(
        path, lambda f: json.dump(obj, f, indent=1, sort_keys=False), 'w')


def atomic_text_dump(text: str, path: str) -> str:
    return _atomic_write(path, lambda f: f.write(text), 'w')


def load_pickle(path: str) -> Any:
    with open(path, 'rb') as f:
        return pickle.load(f)


def changed_settings(path: str, settings: dict) -> Optional[List[str]]:
    """Keys whose value differs from the settings saved at ``path`` (None: nothing saved).

    Resumable jobs compare their settings with the saved ones before reusing results.
    """
    if not os.path.exists(path):
        return None
    with open(path) as f:
        old = json.load(f)
    return sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
