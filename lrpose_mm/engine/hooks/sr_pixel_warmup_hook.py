"""Train the SR network on the pixel term alone before pose-driven SR starts."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

#: the loss weights that the warm-up switches off (the pixel term stays)
POSE_DRIVEN_TERMS = ('kpt_weight', 'feat_weight')


@HOOKS.register_module()
class SRPixelWarmupHook(Hook):
    """Pixel-loss warm-up of a pose-driven SR estimator.

    For the first ``warmup_iters`` training iterations the SR network learns
    from the pixel term only, as in two-stage SR: the pose loss does not reach
    it (``pose_loss_to_sr=False``) and the keypoint-weighted and feature terms
    are off (weight 0); the pose network still trains on the SR output. From
    iteration ``warmup_iters`` on, the config's settings apply. Why: at the
    start the SR output is far from a person, and the pose network's
    gradients through it may pull the SR network anywhere; a short pixel-only
    start gives the pose-driven terms an image to refine.

    The switch is read from the iteration count, so a resumed run is in the
    right phase. The model's own settings are restored after training.

    Args:
        warmup_iters (int): pixel-only iterations (>= 1).
    """

    priority = 'NORMAL'

    def __init__(self, warmup_iters: int) -> None:
        if isinstance(warmup_iters, bool) or not isinstance(warmup_iters, int) \
                or warmup_iters < 1:
            raise ValueError(f'SRPixelWarmupHook.warmup_iters must be an int >= 1, '
                             f'got {warmup_iters!r}')
        self.warmup_iters = warmup_iters
        self._saved: Optional[dict] = None

    @staticmethod
    def _model(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, 'sr_loss', None) is None or not hasattr(model, 'pose_loss_to_sr'):
            raise TypeError('SRPixelWarmupHook needs an SR estimator with `sr_loss` and '
                            f'`pose_loss_to_sr` (SRTopdownPoseEstimator), got '
                            f'{type(model).__name__}')
        if getattr(model.sr_loss, 'pixel_weight', 0) <= 0:
            raise ValueError('SRPixelWarmupHook: sr_loss.pixel_weight is 0, so the warm-up '
                             'would train the SR network on nothing')
        return model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        self._saved = dict(pose_loss_to_sr=model.pose_loss_to_sr,
                           **{k: getattr(model.sr_loss, k) for k in POSE_DRIVEN_TERMS})

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self._model(runner)
        if runner.iter < self.warmup_iters:
            model.pose_loss_to_sr = False
            for k in POSE_DRIVEN_TERMS:
                setattr(model.sr_loss, k, 0.0)
        else:
            self._restore(model)

    def after_train(self, runner) -> None:
        self._restore(self._model(runner))

    def _restore(self, model) -> None:
        if self._saved is None:
            return
        model.pose_loss_to_sr = self._saved['pose_loss_to_sr']
        for k in POSE_DRIVEN_TERMS:
            setattr(model.sr_loss, k, self._saved[k])

