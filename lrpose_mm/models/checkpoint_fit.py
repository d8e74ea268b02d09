"""Does a checkpoint fit a model? Count what loads, refuse what does not.

``torch``/mmengine load checkpoints non-strictly by default and only log the
keys that did not match, so a checkpoint of another architecture, or one whose
keys were renamed, leaves most of a model at its random initialisation and the
run carries on. :func:`compare_state_dicts` counts what would load (by tensor
and by value), and :func:`enforce_fit` turns a poor fit into a
:class:`CheckpointMismatchError` naming the fraction loaded and example keys,
or, when the caller explicitly allows a partial load, into a loud warning.
"""
import re
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

from .utils import POSE_PARTS

#: key suffixes a checkpoint may lack without harm (BatchNorm step counters,
#: which older checkpoints do not carry and which do not affect the output)
ALLOWED_MISSING_SUFFIXES = ('num_batches_tracked', )

#: mmengine's default ``revise_keys``: drop the ``module.`` of (Distributed)DataParallel
MODULE_PREFIX = ((r'^module\.', ''), )

RevisedKeys = Sequence[Tuple[str, str]]


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the model it is loaded into."""


@dataclass
class CheckpointFit:
    """What a checkpoint would load into a model (see :func:`compare_state_dicts`)."""
    loaded: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    loaded_numel: int = 0
    model_numel: int = 0

    @property
    def fraction(self) -> float:
        """Fraction of the model's values (elements) the checkpoint supplies."""
        return self.loaded_numel / self.model_numel if self.model_numel else 0.0

    @property
    def complete(self) -> bool:
        """True when every model tensor loads and the checkpoint has nothing else."""
        return not (self.missing or self.unexpected or self.mismatched)

    def summary(self, max_keys: int = 3) -> str:
        """One line: fraction loaded, then example keys of each problem."""
        n_model = len(self.loaded) + len(self.missing) + len(self.mismatched)
        parts = [f'it supplies {100 * self.fraction:.1f}% of the model\'s weights '
                 f'({len(self.loaded)}/{n_model} tensors)']
        if self.missing:
            parts.append(f'{len(self.missing)} model tensors missing from it, e.g. '
                         f'{self.missing[:max_keys]}')
        if self.unexpected:
            parts.append(f'{len(self.unexpected)} checkpoint tensors the model does not have, '
                         f'e.g. {self.unexpected[:max_keys]}')
        if self.mismatched:
            ex = [f'{k}: checkpoint {tuple(a)} vs model {tuple(b)}'
                  for k, a, b in self.mismatched[:max_keys]]
            parts.append(f'{len(self.mismatched)} shape mismatches, e.g. {ex}')
        return '; '.join(parts)


def revise_keys(state_dict: Mapping[str, torch.Tensor],
                revise: RevisedKeys = MODULE_PREFIX) -> Dict[str, torch.Tensor]:
    """The tensors of ``state_dict`` with keys revised as mmengine's
    ``load_checkpoint(revise_keys=...)`` does: ``re.sub(pattern, repl, key)``
    for each pair in turn. Non-tensor entries are dropped."""
    out = {k: v for k, v in state_dict.items() if torch.is_tensor(v)}
    for pattern, repl in revise:
        out = {re.sub(pattern, repl, k): v for k, v in out.items()}
    return out


def checkpoint_state(checkpoint: Mapping, source: str = 'the checkpoint') -> Mapping:
    """The state dict of a loaded checkpoint (its ``state_dict``, or itself)."""
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'{source} is not a state dict or an mmengine checkpoint (got '
                         f'{type(checkpoint).__name__})')
    return checkpoint.get('state_dict', checkpoint)


def compare_state_dicts(model_state: Mapping[str, torch.Tensor],
                        ckpt_state: Mapping[str, torch.Tensor],
                        allowed_missing_suffixes: Tuple[str, ...] = ALLOWED_MISSING_SUFFIXES
                        ) -> CheckpointFit:
    """Compare a model's state dict with a checkpoint's, key by key and shape by shape.

    Non-tensor entries of the checkpoint are ignored. Model keys ending in one
    of ``allowed_missing_suffixes`` may be absent from the checkpoint.
    """
    fit = CheckpointFit()
    for k, v in model_state.items():
        numel = v.numel() if torch.is_tensor(v) else 0
        if not k.endswith(allowed_missing_suffixes):
            fit.model_numel += numel
        c = ckpt_state.get(k)
        if not torch.is_tensor(c):
            if not k.endswith(allowed_missing_suffixes):
                fit.missing.append(k)
        elif tuple(c.shape) != tuple(v.shape):
            fit.mismatched.append((k, tuple(c.shape), tuple(v.shape)))
        else:
            fit.loaded.append(k)
            if not k.endswith(allowed_missing_suffixes):
                fit.loaded_numel += numel
    fit.unexpected = [k for k, v in ckpt_state.items()
                      if torch.is_tensor(v) and k not in model_state]
    return fit


def enforce_fit(fit: CheckpointFit, source: str, allow_partial: bool = False,
                hint: Optional[str] = None) -> CheckpointFit:
    """Raise :class:`CheckpointMismatchError` unless the fit is complete.

    With ``allow_partial=True`` a partial fit is a ``UserWarning`` (and a
    WARNING log line) naming the fraction loaded instead. Nothing loadable at
    all is always an error.
    """
    if fit.complete:
        return fit
    msg = f'{source} does not fit the model: {fit.summary()}'
    if not fit.loaded:
        raise CheckpointMismatchError(f'{msg}. Nothing would load' +
                                      (f' ({hint})' if hint else ''))
    if not allow_partial:
        raise CheckpointMismatchError(msg + (f'. {hint}' if hint else ''))
    msg = f'PARTIAL CHECKPOINT LOAD: {msg}; the rest keeps its initialisation'
    print_log(msg, logger='current', level=30)
    warnings.warn(msg, UserWarning, stacklevel=2)
    return fit


def check_checkpoint_fits(model: torch.nn.Module, checkpoint: Mapping, source: str,
                          allow_partial: bool = False, hint: Optional[str] = None
                          ) -> Tuple[CheckpointFit, Dict[str, torch.Tensor]]:
    """Check a loaded checkpoint (dict with ``state_dict`` or a state dict)
    against ``model`` the way mmengine will load it (``module.`` stripped);
    see :func:`enforce_fit`.

    Returns the fit and the revised state dict.
    """
    state = revise_keys(checkpoint_state(checkpoint, source))
    fit = enforce_fit(compare_state_dicts(model.state_dict(), state), source, allow_partial, hint)
    return fit, state


def load_pose_parts(model: torch.nn.Module,
                    checkpoint: str,
                    source: str,
                    prefix: str = '',
                    rename: Optional[Mapping[str, str]] = None,
                    parts: Sequence[str] = POSE_PARTS,
                    strict: bool = True,
                    hint: Optional[str] = None,
                    map_location: str = 'cpu') -> CheckpointFit:
    """Load the ``parts`` (top-level modules) of ``model`` from a checkpoint file.

    The file is read by mmengine's ``CheckpointLoader`` (paths, URLs,
    ``open-mmlab://``, ...). Keys are revised as mmengine's ``revise_keys``:
    a leading ``module.`` is dropped; with ``prefix`` only the keys under it
    are kept, the prefix stripped; ``rename`` maps key prefixes (e.g.
    ``{'keypoint_head.': 'head.'}``), in order. Only keys of ``parts`` count,
    on both sides. The checkpoint must fit those parts (:func:`enforce_fit`:
    otherwise a :class:`CheckpointMismatchError` names the fraction of the
    weights it supplies); ``strict=False`` loads the matching tensors with a
    loud warning instead. ``source`` names the checkpoint in messages.
    """
    loaded = CheckpointLoader.load_checkpoint(checkpoint, map_location=map_location)
    state = revise_keys(checkpoint_state(loaded, f'{source} {checkpoint!r}'))
    if prefix:
        state = {k: v for k, v in state.items() if k.startswith(prefix)}
    revise = [(f'^{re.escape(prefix)}', '')] if prefix else []
    revise += [(f'^{re.escape(old)}', new) for old, new in (rename or {}).items()]
    state = {k: v for k, v in revise_keys(state, revise).items() if k.split('.')[0] in parts}
    own = {k: v for k, v in model.state_dict().items() if k.split('.')[0] in parts}
    fit = enforce_fit(compare_state_dicts(own, state), f'{source} {checkpoint!r}',
                      allow_partial=not strict, hint=hint)
    model.load_state_dict({k: state[k] for k in fit.loaded}, strict=False)
    print_log(f'{source}: loaded {len(fit.loaded)} tensors ({100 * fit.fraction:.1f}% of '
              f'{"/".join(parts)}) from {checkpoint}', logger='current')
    return fit
