"""Real low-resolution input for the SR models of this project.

The SR configs evaluate on *simulated* LR: ``TopdownAffine`` to the HR size,
then ``LowResDegrade`` (x s). Frames that are already low resolution must not
be degraded a second time: the real-LR test pipeline drops ``LowResDegrade``
and warps the crop straight to the LR size the model expects (the estimator
then maps coordinates with the real-LR pixel-centre rule, see
``SRTopdownPoseEstimator``).
"""
import copy
from typing import List, Optional

from mmengine.config import Config

#: the transforms that make simulated LR from an HR crop (dropped for real LR input)
SIMULATED_LR_TRANSFORMS = ('LowResDegrade', 'CameraLowResDegrade')


def real_lr_pipeline(cfg_or_pipeline, scale: Optional[int] = None) -> List[dict]:
    """The test pipeline for REAL low-resolution frames: a copy with the
    simulated degradation (``LowResDegrade`` or ``CameraLowResDegrade``)
    dropped and ``TopdownAffine``'s ``input_size`` divided by the model scale
    (``model_scale`` or ``scale``). A pipeline without one is returned
    unchanged (an HR or already-LR model).

    Args:
        cfg_or_pipeline: an mmengine ``Config`` / config path (its
            ``test_dataloader.dataset.pipeline`` is used) or a pipeline list.
        scale: the SR scale the caller's images are reduced by. Given, the
            pipeline must simulate exactly this scale: one without
            ``LowResDegrade``, or with another scale, is an error instead.
    """
    if isinstance(cfg_or_pipeline, str):
        cfg_or_pipeline = Config.fromfile(cfg_or_pipeline)
    if isinstance(cfg_or_pipeline, (list, tuple)):
        pipeline = cfg_or_pipeline
    else:
        pipeline = cfg_or_pipeline.test_dataloader.dataset.pipeline
    pipeline = [copy.deepcopy(dict(t)) for t in pipeline]
    degrade = [t for t in pipeline if t.get('type') in SIMULATED_LR_TRANSFORMS]
    if not degrade and scale is None:
        return pipeline
    if not degrade:
        raise ValueError(f'real-LR input at x{scale} needs a test pipeline that simulates '
                         'it with a LowResDegrade, found none')
    if len(degrade) > 1:
        raise ValueError(f'the pipeline has more than one of {SIMULATED_LR_TRANSFORMS}')
    d = degrade[0]
    expected, scale = scale, d.get('model_scale') or d.get('scale', 4)
    if isinstance(scale, (list, tuple)):
        raise ValueError('LowResDegrade with a list of scales needs '
                         'model_scale to derive the real-LR input size')
    scale = int(scale)
    if expected is not None and scale != int(expected):
        raise ValueError(f'real-LR input at x{expected}, but the pipeline\'s LowResDegrade '
                         f'simulates x{scale}')
    i_deg = pipeline.index(d)
    affine = [i for i, t in enumerate(pipeline[:i_deg])
              if t.get('type') == 'TopdownAffine']
    if not affine:
        raise ValueError('no TopdownAffine before LowResDegrade: cannot '
                         'derive the real-LR input size')
    t = pipeline[affine[-1]]
    w, h = (int(v) for v in t['input_size'])
    if w % scale or h % scale:
        raise ValueError(f'TopdownAffine input_size {(w, h)} is not divisible '
                         f'by the SR scale {scale}')
    t['input_size'] = (w // scale, h // scale)
    del pipeline[i_deg]
    return pipeline


def real_lr_config(cfg) -> Config:
    """A copy of a pose config (``Config`` or path) whose test pipeline is the
    real-LR one (:func:`real_lr_pipeline`): build the model from it with
    ``mmpose.apis.init_model`` and every inference path crops the same way."""
    cfg = Config.fromfile(cfg) if isinstance(cfg, str) else copy.deepcopy(cfg)
    cfg.test_dataloader.dataset.pipeline = real_lr_pipeline(cfg)
    return cfg
