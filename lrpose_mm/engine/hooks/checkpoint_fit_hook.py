"""Refuse a checkpoint that does not fit the model the Runner loads it into."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...models.checkpoint_fit import check_checkpoint_fits


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Check ``load_from`` / ``resume`` checkpoints before the Runner loads them.

    mmengine's ``Runner.load_checkpoint`` loads non-strictly and only logs the
    keys that did not match, so a checkpoint of another architecture leaves the
    model mostly random and the run carries on. This hook runs in
    ``after_load_checkpoint`` (called before the weights are copied) and raises
    a :class:`~lrpose_mm.models.checkpoint_fit.CheckpointMismatchError` naming
    the fraction of the model the checkpoint supplies and example keys, unless
    ``allow_partial=True``, which makes it a loud warning with that fraction
    (e.g. fine-tuning an SR variant from a pose-only checkpoint).

    Args:
        allow_partial (bool): warn instead of raising on a partial fit.
    """

    priority = 'VERY_HIGH'

    def __init__(self, allow_partial: bool = False) -> None:
        self.allow_partial = allow_partial
        self.last_fit = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        source = f'checkpoint {runner._load_from or "(resume)"!r}'
        self.last_fit, _ = check_checkpoint_fits(
            model, checkpoint, source, allow_partial=self.allow_partial,
            hint='pass a checkpoint of this config, or allow a partial load explicitly '
                 '(tools/test.py --allow-partial-checkpoint, '
                 'CheckpointFitHook(allow_partial=True))')
