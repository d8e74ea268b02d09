"""Load a shipped config by its ``lrpose_mm::`` name, the way a user of the installed package does.

``lrpose_mm.config.load_config`` resolves ``lrpose_mm::<dir>/<file>.py`` in the installed
``lrpose_mm/.mim/configs``. Until that module is in the library, this application (never the
library) falls back to the checkout's ``configs/`` folder beside ``tools/``.
"""
from pathlib import Path

from mmengine.config import Config

PREFIX = 'lrpose_mm::'
_CHECKOUT_CONFIGS = Path(__file__).resolve().parents[2] / 'configs'


def config_path(name: str) -> str:
    """File of ``name``: a ``lrpose_mm::`` name or an existing path."""
    if not name.startswith(PREFIX):
        if not Path(name).is_file():
            raise FileNotFoundError(f'config {name!r} does not exist')
        return name
    try:
        from lrpose_mm.config import config_path as installed_path
    except ImportError:  # library without the MIM helper: the checkout's configs
        path = _CHECKOUT_CONFIGS / name[len(PREFIX):]
        if not path.is_file():
            raise FileNotFoundError(f'no config {name!r} (looked for {path})')
        return str(path)
    return installed_path(name)


def load_config(name: str) -> Config:
    """``Config.fromfile`` of :func:`config_path`."""
    return Config.fromfile(config_path(name))
