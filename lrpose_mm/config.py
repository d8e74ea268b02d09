"""The configs that ship with lrpose_mm (``lrpose_mm/.mim/configs``, filled
by ``setup.py`` as MMPose does: copied by ``pip install .``, symlinked by
``pip install -e .``).

mmengine resolves ``'lrpose_mm::<path>'`` only inside ``_base_``;
:func:`load_config` accepts it at the top level too, so an application loads
a shipped config the way a user of the installed package would::

    from lrpose_mm.config import load_config
    cfg = load_config('lrpose_mm::synthetic/pdsr-x4_hrnet-tiny_synthetic-lr32x24.py')
"""
import os
from typing import Any

from mmengine.config import Config

PREFIX = 'lrpose_mm::'


def configs_root() -> str:
    """The installed config folder (``<package>/.mim/configs``)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '.mim', 'configs')
    if not os.path.isdir(root):
        raise FileNotFoundError(
            f'{root} does not exist: lrpose_mm was not installed with its configs '
            '(pip install . or, in a checkout, pip install -e . which links them)')
    return root


def config_path(name: str) -> str:
    """Path of a shipped config, ``'lrpose_mm::pose/x.py'`` or ``'pose/x.py'``;
    any other existing path is returned unchanged."""
    if not name.startswith(PREFIX) and os.path.exists(name):
        return name
    rel = name[len(PREFIX):] if name.startswith(PREFIX) else name
    path = os.path.join(configs_root(), rel)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'no config {rel!r} ships with lrpose_mm (looked in '
                                f'{configs_root()})')
    return path


def load_config(name: str, **kwargs: Any) -> Config:
    """``Config.fromfile`` of :func:`config_path`."""
    return Config.fromfile(config_path(name), **kwargs)
