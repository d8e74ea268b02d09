"""Stop training at the first non-finite loss, before anything is saved."""
import math
from typing import Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A training loss turned NaN or infinite."""


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a logged loss is NaN or infinite.

    mmengine optimises whatever the model returns, so one NaN turns every
    weight into NaN within a step and the run still ends with exit code 0.
    This hook checks every loss term the model returned (``outputs`` of
    ``train_step``: the total ``loss`` and each ``loss_*``) after each
    iteration and stops the run with an error naming the terms, the
    iteration and the epoch. Its priority is ``VERY_HIGH``, so it runs before
    ``CheckpointHook`` and ``LoggerHook`` at the same iteration: no checkpoint
    is written from the poisoned weights.

    Args:
        interval (int): check every ``interval`` iterations. Each check reads
            a handful of scalars, so the default 1 costs nothing measurable.
    """

    priority = 'VERY_HIGH'

    def __init__(self, interval: int = 1) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'FiniteLossHook.interval must be an int >= 1, got {interval!r}')
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        bad = non_finite_terms(outputs)
        if bad:
            raise NonFiniteLossError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
                f'{", ".join(f"{k}={v}" for k, v in bad)}. Training stopped before saving '
                'a checkpoint; look for NaN/inf in the data (annotations, images) or lower '
                'the learning rate')


def non_finite_terms(outputs: dict) -> Sequence:
    """``(name, value)`` of every loss term in ``outputs`` that is NaN or infinite."""
    bad = []
    for name, value in outputs.items():
        if 'loss' not in name:
            continue
        if isinstance(value, torch.Tensor):
            finite = bool(torch.isfinite(value.detach()).all())
            shown = value.detach().float().mean().item() if value.numel() else value
        else:
            try:
                shown = float(value)
            except (TypeError, ValueError):
                continue
            finite = math.isfinite(shown)
        if not finite:
            bad.append((name, shown))
    return bad
