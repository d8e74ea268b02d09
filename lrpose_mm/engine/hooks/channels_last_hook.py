"""Run the model in the channels-last memory format (faster convolutions on CPUs)."""
import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-D parameters and buffers to ``torch.channels_last`` before the
    run starts (training, validation or test alike).

    Why: oneDNN's convolutions on CPUs run faster on NHWC tensors, the more so for the thin
    branches of a small HRNet. A convolution whose weight is channels-last makes its output
    channels-last too, so the inputs need no conversion. Results do not change beyond
    floating-point summation order; checkpoints stay loadable either way (a state dict
    does not record the memory format).
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        runner.model.to(memory_format=torch.channels_last)
