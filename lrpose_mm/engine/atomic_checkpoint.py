"""Checkpoints that a kill at any moment cannot leave half-written.

mmengine writes ``iter_N.pth`` in place, deletes the oldest checkpoint kept by
``max_keep_ckpts`` *before* saving the new one, and truncates ``last_checkpoint``
before writing its new content. A training killed (SIGTERM, SIGKILL, power
loss) inside that sequence leaves a cut checkpoint, or a ``last_checkpoint``
that is empty or names a deleted file, and ``--resume`` then fails until
someone deletes files by hand.

Here, for local paths:

* a checkpoint is written to a hidden temporary file beside it, flushed to disk
  and moved onto its name (``os.replace``): its name only ever holds a complete
  checkpoint;
* :class:`AtomicCheckpointHook` (also what MMEngine's ``CheckpointHook`` does once
  :func:`install` ran) saves the new checkpoint, *then* points ``last_checkpoint``
  at it (written atomically), *then* deletes the checkpoints that
  ``max_keep_ckpts`` drops; so ``last_checkpoint`` always names a complete file;
* resuming (``resume=True`` without ``load_from``) checks what ``last_checkpoint``
  names: a missing, empty or cut file (left by an earlier version) is passed over
  for the newest complete checkpoint of the work folder, or the training starts
  afresh when there is none, with a warning saying which.
"""
import contextlib
import glob
import logging
import os
import os.path as osp
import re
import zipfile
from typing import Callable, Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ..fileio import atomic_path, atomic_text_dump

#: checkpoint names a Runner's CheckpointHook writes by default
_CKPT_NAME = re.compile(r'(iter|epoch)_(\d+)\.pth')


def _is_local(path) -> bool:
    return isinstance(path, str) and '://' not in path


def is_complete_checkpoint(path: str) -> bool:
    """True for a non-empty file that is a complete zip archive (``torch.save``'s
    format) or a legacy pickle; False for a missing, empty or cut file."""
    try:
        if not osp.isfile(path) or osp.getsize(path) == 0:
            return False
        with open(path, 'rb') as f:
            head = f.read(2)
    except OSError:
        return False
    if head == b'PK':
        return zipfile.is_zipfile(path)
    return head[:1] == b'\x80'


def atomic_torch_save(obj, filename: str) -> None:
    """``torch.save`` to a temporary file beside ``filename``, fsync, ``os.replace``;
    the temporary files of an earlier save of that name that was killed are removed."""
    folder, name = osp.split(osp.abspath(filename))
    for stale in glob.glob(osp.join(glob.escape(folder), f'.{glob.escape(name)}.*.tmp')):
        with contextlib.suppress(OSError):
            os.unlink(stale)
    with atomic_path(filename, suffix='') as tmp:
        with open(tmp, 'wb') as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())


def _atomic_save_checkpoint(orig: Callable) -> Callable:
    """mmengine's ``save_checkpoint``, atomic for a local file."""

    def save_checkpoint(checkpoint, filename, file_client_args=None, backend_args=None):
        if file_client_args is None and backend_args is None and _is_local(filename):
            atomic_torch_save(checkpoint, filename)
        else:  # remote storage or custom backends: mmengine's own writer
            orig(checkpoint, filename, file_client_args=file_client_args,
                 backend_args=backend_args)

    save_checkpoint._lrpose_atomic = True  # type: ignore[attr-defined]
    return save_checkpoint


def newest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The ``iter_N.pth`` / ``epoch_N.pth`` of ``work_dir`` with the largest N
    that is complete (None when there is none)."""
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        m = _CKPT_NAME.fullmatch(osp.basename(path))
        if m and is_complete_checkpoint(path):
            found.append((int(m.group(2)), osp.getmtime(path), path))
    return max(found)[2] if found else None


def _checked_find_latest(orig: Callable) -> Callable:
    """mmengine's ``find_latest_checkpoint`` that never returns a cut or missing file."""

    def find_latest_checkpoint(path: str) -> Optional[str]:
        named = orig(path)
        if not _is_local(path) or (named and not _is_local(named)):
            return named
        if named and is_complete_checkpoint(named):
            return named
        fallback = newest_complete_checkpoint(path)
        what = (f'names {named}, which is missing or incomplete' if named else
                'is empty or missing')
        print_log(f'{osp.join(path, "last_checkpoint")} {what} (an interrupted save): '
                  + (f'resuming from {fallback} instead' if fallback else
                     'no complete checkpoint here, so the training starts afresh'),
                  logger='current', level=logging.WARNING)
        return fallback

    find_latest_checkpoint._lrpose_atomic = True  # type: ignore[attr-defined]
    return find_latest_checkpoint


def _save_checkpoint_with_step(self, runner, step, meta) -> None:
    """Save the new checkpoint, point ``last_checkpoint`` at it, then drop old ones."""
    drop = []
    if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
        while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
            drop.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
    name = self.filename_tmpl.format(step)
    self.last_ckpt = self.file_backend.join_path(self.out_dir, name)
    runner.message_hub.update_info('last_ckpt', self.last_ckpt)
    runner.save_checkpoint(self.out_dir, name, self.file_client_args,
                           save_optimizer=self.save_optimizer,
                           save_param_scheduler=self.save_param_scheduler, meta=meta,
                           by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
    if not is_main_process():
        return
    atomic_text_dump(self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))
    for old in drop:
        path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # DeepSpeed saves a folder
            self.file_backend.rmtree(path)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose save order survives a kill at any moment: the new
    checkpoint (atomic), then ``last_checkpoint`` (atomic), then the deletion of
    the checkpoints ``max_keep_ckpts`` drops. Same arguments."""

    _save_checkpoint_with_step = _save_checkpoint_with_step


def install() -> bool:
    """Make every Runner of this process save checkpoints atomically and resume
    from a complete one (a compat fix applied by ``import lrpose_mm``)."""
    import importlib
    for name in ('mmengine.runner.checkpoint', 'mmengine.runner.runner',
                 'mmengine.runner._flexible_runner', 'mmengine.runner'):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        for attr, wrap in (('save_checkpoint', _atomic_save_checkpoint),
                           ('find_latest_checkpoint', _checked_find_latest)):
            fn = getattr(mod, attr, None)
            if fn is not None and not getattr(fn, '_lrpose_atomic', False):
                setattr(mod, attr, wrap(fn))
    CheckpointHook._save_checkpoint_with_step = _save_checkpoint_with_step
    return True
