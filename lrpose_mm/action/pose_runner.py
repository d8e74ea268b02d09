"""A top-down pose model together with the test pipeline it is run with."""
import hashlib
from typing import List, Optional

import torch

from .real_lr import real_lr_pipeline


class PoseRunner:
    """A model built by ``mmpose.apis.init_model`` and the test pipeline
    (list of transform configs) that every crop goes through, built once.

    Args:
        model: the top-down estimator (with ``cfg``).
        real_lr: use the real low-resolution pipeline
            (:func:`~.real_lr.real_lr_pipeline`) instead of the config's.
    """

    def __init__(self, model: torch.nn.Module, real_lr: bool = False):
        from lrpose_mm.apis import build_test_pipeline
        cfg = getattr(model, 'cfg', None)
        if cfg is None:
            raise ValueError('the pose model has no `cfg`: build it with '
                             'mmpose.apis.init_model(config, checkpoint)')
        pipeline = [dict(t) for t in cfg.test_dataloader.dataset.pipeline]
        self.model = model
        self.pipeline: List[dict] = real_lr_pipeline(pipeline) if real_lr else pipeline
        self.compose = build_test_pipeline(model, self.pipeline)
        meta: Optional[dict] = getattr(model, 'dataset_meta', None)
        self.num_keypoints = int((meta or {}).get('num_keypoints', 17))

    def fingerprint(self) -> str:
        """Hash of the weights, the model config and the test pipeline used."""
        h = hashlib.sha1()
        for k, v in self.model.state_dict().items():
            h.update(k.encode())
            if torch.is_tensor(v):
                h.update(v.detach().cpu().contiguous().numpy().tobytes())
        h.update(str(self.model.cfg.get('model', '')).encode())
        h.update(str(self.pipeline).encode())
        return h.hexdigest()

    def describe_pipeline(self) -> str:
        """``LoadImage -> TopdownAffine(48, 64) -> ...`` for logs and reports."""
        return ' -> '.join(t['type'] + (str(tuple(t['input_size'])) if 'input_size' in t else '')
                           for t in self.pipeline)
