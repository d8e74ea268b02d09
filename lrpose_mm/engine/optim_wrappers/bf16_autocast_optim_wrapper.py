"""Mixed-precision training that also runs on a CPU: the forward pass under bfloat16 autocast."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmpose.registry import OPTIM_WRAPPERS
from torch import nn


@OPTIM_WRAPPERS.register_module()
class BF16AutocastOptimWrapper(OptimWrapper):
    """:class:`mmengine.optim.OptimWrapper` whose ``optim_context`` (the data preprocessor,
    the forward pass and the loss of ``train_step``) runs under ``torch.autocast`` with
    bfloat16 on the device of the model's parameters.

    Why: mmengine's ``AmpOptimWrapper`` refuses to run without a GPU, while CPUs with
    AVX512-BF16 (or AMX) run convolutions faster in bfloat16 (measured in docs/tuning.md,
    "Training precision"; without native support bfloat16 is emulated and slower). Weights,
    gradients and optimizer state stay float32 (autocast casts per operation) and the
    losses autocast keeps in float32 (MSE, cross-entropy) stay float32; bfloat16 has
    float32's exponent range, so no loss scaling is needed. Use it like any optim wrapper::

        optim_wrapper = dict(type='BF16AutocastOptimWrapper',
                             optimizer=dict(type='Adam', lr=2e-3))

    Args:
        enabled (bool): ``False`` trains in float32 (the same config without autocast).
        **kwargs: :class:`OptimWrapper`'s arguments (``optimizer``, ``clip_grad``,
            ``accumulative_counts``).
    """

    def __init__(self, enabled: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.enabled = bool(enabled)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """The parent's context (gradient accumulation) plus bfloat16 autocast."""
        param = next(model.parameters(), None)
        device = param.device.type if param is not None else 'cpu'
        with super().optim_context(model), torch.autocast(
                device_type=device, dtype=torch.bfloat16, enabled=self.enabled):
            yield
