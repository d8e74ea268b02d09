"""Compatibility fixes for the upstream OpenMMLab stack on today's PyTorch.

Applied once by ``import lrpose_mm`` (see :func:`apply_all`). Each fix acts only
when the breakage it repairs is really present, and leaves working setups alone:

1. ``mmaction2 1.2.0`` from PyPI ships without ``mmaction.models.localizers.drn``
   (open-mmlab/mmaction2#2714), so ``import mmaction.models`` fails. We serve a
   placeholder package for exactly that missing module; building ``DRN`` then
   raises a clear error instead of an import failure elsewhere.
2. ``torch >= 2.6`` loads checkpoints with ``weights_only=True``; mmengine
   checkpoints carry numpy arrays and a ``HistoryBuffer`` in their meta. We
   allow-list exactly those globals (``weights_only`` stays on), and replace
   ``builtins.getattr`` -- which ``HistoryBuffer`` pickles its statistics methods
   with -- by a getattr that only resolves those methods.
3. ``mmengine 0.10.7`` multi-process training on a machine without an
   accelerator: ``torch.cuda.set_device`` is skipped and ``nccl`` becomes
   ``gloo`` when no CUDA device exists (GPU behaviour is untouched).
4. ``numpy >= 2.x`` refuses ``int()`` of a one-element array, which MMPose
   1.3's OpenCV visualizer passes as the circle radius (every keypoint drawn
   by ``PoseLocalVisualizer`` fails). Its ``draw_circles`` then gets the radius
   as a scalar; with an older numpy nothing is changed.
5. ``mmengine`` saves checkpoints in place, deletes the oldest kept one before
   saving the next and truncates ``last_checkpoint`` before rewriting it: a kill
   in between leaves a state that ``--resume`` cannot load. Local checkpoints and
   ``last_checkpoint`` are then written atomically, in a safe order, and resuming
   passes over a cut or missing checkpoint (see
   :mod:`lrpose_mm.engine.atomic_checkpoint`).
6. MMPose's ``CocoMetric`` reads its annotation file itself and scores people
   that ``CheckedCocoDataset`` skipped as misses. When that dataset filtered
   its file in evaluation, ``CocoMetric`` evaluates against the filtered file
   (see :mod:`lrpose_mm.evaluation.checked_coco_metric`).
7. ``mmcv-lite`` (the default install: pure Python, no compiler) has no
   compiled ops, and ``import mmpose.models`` imports
   ``mmcv.ops.MultiScaleDeformableAttention`` (EDPose head) at module level.
   When -- and only when -- ``mmcv._ext`` is absent, ``mmcv.ops`` and its
   sub-modules are served as placeholders: importing a name works, using it
   raises :class:`MmcvOpsUnavailableError` naming the op and how to get it.
   A full mmcv build with its ops is used as it is.
8. Start-up warnings a user cannot act on (see :data:`STARTUP_WARNINGS`) are
   filtered by message and module, so that every tool starts quietly.

Before any fix, :func:`check_mmcv` refuses a missing mmcv or one outside the
range the stack supports, with a message saying what to install.
"""
import abc
import ast
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import os
import pickle
import sys
import types
import warnings
from typing import Any, Callable, Dict, FrozenSet, List, Optional

import numpy as np
import torch

DRN_MODULES = ('mmaction.models.localizers.drn',
               'mmaction.models.localizers.drn.drn')
DRN_ERROR = (
    'DRN is not available: the installed mmaction2 package ships without '
    '`mmaction/models/localizers/drn` (upstream issue open-mmlab/mmaction2'
    '#2714). lrpose_mm installed a placeholder so that `import mmaction.models`'
    ' works; install mmaction2 from source to use DRN.')

# HistoryBuffer's built-in statistics methods (registered lazily by mmengine).
HISTORY_BUFFER_STATISTICS = frozenset({'min', 'max', 'current', 'mean'})

_applied: List[str] = []


# --------------------------------------------------------------------------
# 0. mmcv: present, and in the range the stack supports
# --------------------------------------------------------------------------
# What MMDetection 3.3, MMPose 1.3 and MMAction2 1.2 accept: [minimum, maximum).
MMCV_MINIMUM_VERSION = '2.0.0rc4'
MMCV_MAXIMUM_VERSION = '2.2.0'
MMCV_INSTALL_HINT = (
    'install mmcv 2.1.0: `pip install mmcv-lite==2.1.0` (pure Python, no compiler: '
    'the default), or mmcv 2.1.0 built with its compiled ops (`bash tools/install.sh '
    '--with-ops` in a lrpose_mm checkout)')


def check_mmcv() -> str:
    """Return the installed mmcv version; a clear ImportError when mmcv is missing or
    outside ``[MMCV_MINIMUM_VERSION, MMCV_MAXIMUM_VERSION)``.

    mmcv is not in lrpose_mm's ``install_requires`` (mmcv-lite and the full mmcv both
    provide the ``mmcv`` package), so this is where a missing one is reported.
    """
    try:
        import mmcv
    except ModuleNotFoundError as e:
        if e.name != 'mmcv':
            raise
        raise ImportError(f'lrpose_mm needs mmcv>={MMCV_MINIMUM_VERSION},'
                          f'<{MMCV_MAXIMUM_VERSION}, and none is installed: '
                          f'{MMCV_INSTALL_HINT}.') from e
    from mmengine.utils import digit_version
    version = str(getattr(mmcv, '__version__', '0'))
    if not (digit_version(MMCV_MINIMUM_VERSION) <= digit_version(version)
            < digit_version(MMCV_MAXIMUM_VERSION)):
        raise ImportError(f'lrpose_mm needs mmcv>={MMCV_MINIMUM_VERSION},'
                          f'<{MMCV_MAXIMUM_VERSION}, but mmcv {version} is installed: '
                          f'{MMCV_INSTALL_HINT}.')
    return version


# --------------------------------------------------------------------------
# 1. mmaction2 1.2.0: missing mmaction.models.localizers.drn
# --------------------------------------------------------------------------
class DRNUnavailable(torch.nn.Module):
    """Stands in for MMAction2's DRN localizer when its module is missing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(DRN_ERROR)


class _MissingDRNFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves placeholder modules for the two DRN module names only.

    It sits at the *end* of ``sys.meta_path``, so a real ``drn`` package found
    by the normal path finder always wins; this finder is consulted only when
    nothing else can import the module.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        if fullname not in DRN_MODULES:
            return None
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=(fullname == DRN_MODULES[0]))

    def create_module(self, spec):  # default module creation
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__doc__ = 'lrpose_mm placeholder: ' + DRN_ERROR
        if module.__name__ == DRN_MODULES[0]:
            module.__path__ = []  # a package, so `.drn.drn` can be imported
            return
        from mmaction.registry import MODELS
        module.DRN = DRNUnavailable
        if 'DRN' not in MODELS.module_dict:
            MODELS.register_module(name='DRN', module=DRNUnavailable)


def _drn_is_missing() -> bool:
    """True when mmaction2 is installed but its DRN sub-package is not."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return False
    root = list(spec.submodule_search_locations)[0]
    localizers = os.path.join(root, 'models', 'localizers')
    return (os.path.isdir(localizers)
            and not os.path.exists(os.path.join(localizers, 'drn')))


def fix_mmaction_missing_drn() -> bool:
    """Install the DRN placeholder finder when mmaction2 lacks the module."""
    if not _drn_is_missing():
        return False
    if not any(isinstance(f, _MissingDRNFinder) for f in sys.meta_path):
        sys.meta_path.append(_MissingDRNFinder())
    return True


# --------------------------------------------------------------------------
# 2. Safe checkpoint loading (weights_only=True kept)
# --------------------------------------------------------------------------
def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` restricted to HistoryBuffer's statistics methods.

    mmengine's ``HistoryBuffer`` pickles ``_statistics_methods`` by reference
    (``getattr(HistoryBuffer, 'mean')``). Any other use of ``getattr`` in a
    checkpoint is refused, so allowing this does not open attribute access in
    general.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = HISTORY_BUFFER_STATISTICS | set(HistoryBuffer._statistics_methods)
    if (obj is HistoryBuffer and isinstance(name, str) and name in allowed
            and callable(getattr(HistoryBuffer, name, None))):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'lrpose_mm refused getattr({obj!r}, {name!r}) while loading a '
        'checkpoint with weights_only=True: only HistoryBuffer statistics '
        'methods may be resolved this way.')


def mmengine_checkpoint_safe_globals() -> list:
    """The globals an mmengine checkpoint needs, for ``add_safe_globals``."""
    from mmengine.logging.history_buffer import HistoryBuffer
    multiarray = np.core.multiarray
    return [
        multiarray._reconstruct,
        np.ndarray,
        np.dtype,
        multiarray.scalar,
        HistoryBuffer,
        (_history_buffer_getattr, 'builtins.getattr'),
    ] + [type(np.dtype(c)) for c in '?bBhHiIlLqQefdgFDGUSVOMm'
         if type(np.dtype(c)) is not np.dtype]


def fix_weights_only_checkpoints() -> bool:
    """Allow-list mmengine checkpoint globals for ``torch.load``."""
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return False  # torch < 2.4 loads full pickles by default
    torch.serialization.add_safe_globals(mmengine_checkpoint_safe_globals())
    return True


# --------------------------------------------------------------------------
# 3. mmengine distributed launch without an accelerator
# --------------------------------------------------------------------------
def _no_accelerator() -> bool:
    from mmengine.device import is_mlu_available, is_musa_available, is_npu_available
    return not (torch.cuda.is_available() or is_npu_available()
                or is_mlu_available() or is_musa_available())


def _cpu_backend(backend: Optional[str]) -> str:
    if backend in (None, 'nccl'):
        if backend == 'nccl':
            warnings.warn('No CUDA device: using the gloo backend instead of '
                          'nccl for CPU-only distributed training.')
        return 'gloo'
    return backend


def fix_cpu_distributed() -> bool:
    """Make mmengine's pytorch/slurm launchers work on CPU-only machines."""
    import mmengine.dist.utils as dist_utils
    if getattr(dist_utils, '_lrpose_cpu_patch', False):
        return True
    orig_pytorch = dist_utils._init_dist_pytorch
    orig_slurm = dist_utils._init_dist_slurm
    orig_set_device = torch.cuda.set_device

    def _call_without_set_device(fn: Callable, backend: str, *args,
                                 **kwargs) -> None:
        if not _no_accelerator():
            return fn(backend, *args, **kwargs)
        torch.cuda.set_device = lambda *a, **k: None
        try:
            return fn(_cpu_backend(backend), *args, **kwargs)
        finally:
            torch.cuda.set_device = orig_set_device

    def _init_dist_pytorch(backend, *args, **kwargs):
        return _call_without_set_device(orig_pytorch, backend, *args, **kwargs)

    def _init_dist_slurm(backend, *args, **kwargs):
        if _no_accelerator() and 'SLURM_LOCALID' not in os.environ:
            os.environ['SLURM_LOCALID'] = '0'  # avoid `% device_count()` == 0
        return _call_without_set_device(orig_slurm, backend, *args, **kwargs)

    dist_utils._init_dist_pytorch = _init_dist_pytorch
    dist_utils._init_dist_slurm = _init_dist_slurm
    dist_utils._lrpose_cpu_patch = True

    from mmengine.runner import Runner
    orig_wrap_model = Runner.wrap_model

    def wrap_model(self, model_wrapper_cfg, model):
        # DDP refuses device_ids for a CPU module: drop them when no device.
        if self.distributed and _no_accelerator():
            cfg = dict(model_wrapper_cfg or cpu_model_wrapper_cfg())
            if cfg.get('type', 'MMDistributedDataParallel') in (
                    'MMDistributedDataParallel', 'DistributedDataParallel'):
                cfg.setdefault('device_ids', None)
                cfg.setdefault('broadcast_buffers', False)
                if model_wrapper_cfg is None:
                    cfg['find_unused_parameters'] = self.cfg.get(
                        'find_unused_parameters', False)
            model_wrapper_cfg = cfg
        return orig_wrap_model(self, model_wrapper_cfg, model)

    Runner.wrap_model = wrap_model
    return True


def cpu_model_wrapper_cfg() -> Optional[dict]:
    """DDP wrapper settings for CPU-only distributed runs (None on GPU)."""
    if not _no_accelerator():
        return None
    return dict(type='MMDistributedDataParallel', device_ids=None,
                broadcast_buffers=False)


# --------------------------------------------------------------------------
# 4. numpy >= 2.x: MMPose's OpenCV visualizer calls int() on a 1-element array
# --------------------------------------------------------------------------
def _int_of_sized_array_fails() -> bool:
    """True when this numpy refuses ``int(np.array([1]))`` (numpy >= 2.x)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        try:
            int(np.array([1]))
        except TypeError:
            return True
    return False


def scalar_radius_draw_circles(cls: type) -> None:
    """Make ``cls.draw_circles`` pass a one-element radius array on as a scalar to its
    OpenCV backend (the matplotlib backend wants the array)."""
    orig = cls.draw_circles

    @functools.wraps(orig)
    def draw_circles(self, center, radius, *args, **kwargs):
        if (getattr(self, 'backend', None) == 'opencv' and isinstance(radius, np.ndarray)
                and radius.size == 1):
            radius = radius.item()
        return orig(self, center, radius, *args, **kwargs)

    cls.draw_circles = draw_circles


def fix_visualizer_radius() -> bool:
    if not _int_of_sized_array_fails():
        return False
    from mmpose.visualization.opencv_backend_visualizer import OpencvBackendVisualizer
    scalar_radius_draw_circles(OpencvBackendVisualizer)
    return True


# --------------------------------------------------------------------------
# 5. mmengine: checkpoints that a kill cannot leave half-written
# --------------------------------------------------------------------------
def fix_atomic_checkpoints() -> bool:
    from .engine.atomic_checkpoint import install
    return install()


# --------------------------------------------------------------------------
# 6. CocoMetric: score what the checked dataset kept
# --------------------------------------------------------------------------
def fix_coco_metric_scores_kept() -> bool:
    from .evaluation.checked_coco_metric import install
    return install()


# --------------------------------------------------------------------------
# 7. mmcv-lite: placeholder mmcv.ops when the compiled extension is absent
# --------------------------------------------------------------------------
MMCV_OPS_ERROR = (
    '{op} needs the compiled ops of mmcv, which this install lacks (mmcv-lite, or an '
    'mmcv built without ops: there is no `mmcv._ext`); lrpose_mm serves a stand-in '
    '`mmcv.ops` so that MMPose, MMAction2 and MMDetection import. To use it (e.g. an '
    'MMDetection detector), install mmcv 2.1.0 with its ops: `bash tools/install.sh '
    '--with-ops` in a lrpose_mm checkout.')


class MmcvOpsUnavailableError(RuntimeError):
    """An ``mmcv.ops`` op was used on an install without mmcv's compiled ops."""


class _OpUnavailableMeta(abc.ABCMeta):
    """Metaclass of the stand-in ops: a missing public attribute names the op.

    An ``ABCMeta`` so that a class deriving from both an op and an mmengine
    ``BaseModule`` (``ABCMeta``) can still be defined.
    """

    def __getattr__(cls, name: str) -> Any:
        if name.startswith('_'):  # protocol probes (copy, pickle, inspect, mock)
            raise AttributeError(name)
        raise AttributeError(MMCV_OPS_ERROR.format(op=f'{cls.__op__}.{name}'))


class OpUnavailable(metaclass=_OpUnavailableMeta):
    """Base of the stand-ins served for ``mmcv.ops`` names: importing one works
    (``isinstance`` and subclassing too); calling or instantiating it raises
    :class:`MmcvOpsUnavailableError`."""

    __op__ = 'mmcv.ops'

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise MmcvOpsUnavailableError(MMCV_OPS_ERROR.format(op=cls.__op__))


_OP_STAND_INS: Dict[str, type] = {}


def op_stand_in(name: str) -> type:
    """The (cached) stand-in for ``mmcv.ops.<name>``: one object per name, so the
    package and its sub-modules serve the same class."""
    if name not in _OP_STAND_INS:
        _OP_STAND_INS[name] = _OpUnavailableMeta(name, (OpUnavailable,), dict(
            __op__=f'mmcv.ops.{name}', __module__='mmcv.ops',
            __doc__=f'lrpose_mm stand-in for mmcv.ops.{name} (no compiled ops).'))
    return _OP_STAND_INS[name]


def _ops_source_names(path: str) -> Optional[FrozenSet[str]]:
    """The public names an ``mmcv/ops`` source file defines or imports from
    ``mmcv.ops`` (None when it cannot be read: every public name is then served)."""
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return None
    names = set()
    nodes = list(tree.body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, (ast.If, ast.Try)):  # e.g. `if IS_MLU_AVAILABLE:` imports
            nodes += node.body + node.orelse + getattr(node, 'finalbody', [])
            nodes += [n for h in getattr(node, 'handlers', []) for n in h.body]
        elif isinstance(node, ast.ImportFrom) and (
                node.level > 0 or (node.module or '').startswith('mmcv.ops')):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(n for n in names if not n.startswith('_') and n != '*')


class _OpsPlaceholderModule(types.ModuleType):
    """``mmcv.ops`` or one of its sub-modules without compiled code: its names are
    stand-ins (:func:`op_stand_in`); calling the module (``mmcv.ops.nms`` once the
    ``nms`` sub-module is imported) raises the same clear error."""

    def __getattr__(self, name: str) -> Any:
        names = self.__dict__.get('_lrpose_op_names')
        if name.startswith('_') or (names is not None and name not in names):
            raise AttributeError(f'module {self.__name__!r} has no attribute {name!r}')
        return op_stand_in(name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise MmcvOpsUnavailableError(MMCV_OPS_ERROR.format(op=self.__name__))


class _MmcvOpsPlaceholderFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``mmcv.ops`` and its sub-modules (those with a source file in mmcv's
    ``ops`` folder) as placeholders. It sits at the *front* of ``sys.meta_path``
    (mmcv-lite ships the Python sources, which would fail on ``mmcv._ext``), and is
    only installed when the compiled extension is absent."""

    def __init__(self, ops_dir: str) -> None:
        self.ops_dir = ops_dir

    def _source(self, fullname: str) -> Optional[str]:
        if fullname == 'mmcv.ops':
            return os.path.join(self.ops_dir, '__init__.py')
        parent, _, leaf = fullname.rpartition('.')
        path = os.path.join(self.ops_dir, leaf + '.py')
        return path if parent == 'mmcv.ops' and os.path.isfile(path) else None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        if not (fullname == 'mmcv.ops' or fullname.startswith('mmcv.ops.')):
            return None
        if self._source(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=(fullname == 'mmcv.ops'))

    def create_module(self, spec) -> types.ModuleType:
        return _OpsPlaceholderModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        names = _ops_source_names(self._source(module.__name__))
        module.__doc__ = ('lrpose_mm placeholder (mmcv without compiled ops): '
                          + MMCV_OPS_ERROR.format(op=module.__name__))
        module._lrpose_op_names = names
        if names is not None:
            module.__all__ = sorted(names)


def mmcv_ops_available() -> bool:
    """True when mmcv's compiled extension (``mmcv._ext``) is installed."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except ImportError:  # no mmcv at all
        return False


def fix_mmcv_ops_placeholder() -> bool:
    """Install the ``mmcv.ops`` placeholder finder when ``mmcv._ext`` is absent."""
    if mmcv_ops_available():
        return False
    import mmcv
    real = sys.modules.get('mmcv.ops')
    if real is not None and not isinstance(real, _OpsPlaceholderModule):
        return False  # an mmcv.ops that imported without _ext: leave it alone
    if not any(isinstance(f, _MmcvOpsPlaceholderFinder) for f in sys.meta_path):
        ops_dir = os.path.join(os.path.dirname(mmcv.__file__), 'ops')
        sys.meta_path.insert(0, _MmcvOpsPlaceholderFinder(ops_dir))
    return True


# --------------------------------------------------------------------------
# 8. Start-up warnings a user cannot act on
# --------------------------------------------------------------------------
# (message regex, category, module regex): each names one upstream warning and the
# module it is reported from, so that the same message from anywhere else still shows.
STARTUP_WARNINGS = (
    # setuptools 80 warns on `import pkg_resources`; mmengine 0.10.7 (the latest) imports
    # it in `is_installed` / `get_installed_path` (every config with `_base_` scopes,
    # every Runner) and reloads it (then the warning is reported from importlib). The
    # stack pins setuptools<81, where pkg_resources still works: nothing to act on.
    (r'pkg_resources is deprecated as an API', UserWarning,
     r'(mmengine\.utils\.package_utils|importlib)$'),
)


def filter_startup_warnings() -> bool:
    """Ignore exactly the :data:`STARTUP_WARNINGS` (message and module both match)."""
    for message, category, module in STARTUP_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=category,
                                module=module)
    return True


def apply_all() -> List[str]:
    """Apply every fix that is needed here; returns the names applied."""
    if _applied:
        return list(_applied)
    check_mmcv()
    for name, fix in (('startup_warnings_filtered', filter_startup_warnings),
                      ('mmcv_ops_placeholder', fix_mmcv_ops_placeholder),
                      ('mmaction_missing_drn', fix_mmaction_missing_drn),
                      ('weights_only_checkpoints',
                       fix_weights_only_checkpoints),
                      ('cpu_distributed', fix_cpu_distributed),
                      ('numpy2_visualizer_radius', fix_visualizer_radius),
                      ('atomic_checkpoints', fix_atomic_checkpoints),
                      ('coco_metric_scores_kept', fix_coco_metric_scores_kept)):
        if fix():
            _applied.append(name)
    return list(_applied)
