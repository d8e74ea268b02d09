# Plug-in protocol data at x1: the person cropped at the 256x192 pose input and restored there.
# The x1 route's people are smaller than the input (crop regions of about 90-256 px), so a plain
# resize enlarges them and their detail is lost. Training draws each sample from one of two paths
# (mmcv's RandomChoice):
# - simulated: the HR crop reduced x1 or x2 by bicubic, with random blur/noise/JPEG, and resized
#   back to 256x192 (model_scale=1);
# - camera: the whole frame reduced with a random kernel, antialiasing and sub-pixel phase so that
#   the person's crop region is 0.35-1 times the crop height, then the person warped (enlarged)
#   to the crop; blur, noise and JPEG drawn as on the simulated path.
# Half and half, chosen on the benchmark's sizes-tune split against camera-only training
# (docs/tuning.md, "x1 neck training"). Evaluation: deterministic bicubic x2 and back.
_base_ = ['./plugin_runtime.py']

sr_scale = 1
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
train_degrade = dict(type='LowResDegrade', scale=[1, 2], model_scale=1, kernel='bicubic',
                     blur_sigma=(0.2, 1.5), blur_prob=0.3, noise_sigma=(0.0, 5.0), noise_prob=0.3,
                     jpeg_quality=(50, 95), jpeg_prob=0.3)
camera_degrade = dict(
    type='CameraLowResDegrade', scale=sr_scale, crop_ratio=(0.35, 1.0),
    kernels=('area', 'bilinear', 'bicubic'), antialias_prob=0.5, antialias_sigma=(0.3, 0.6),
    phase=(-0.5, 0.5), blur_sigma=(0.2, 1.5), blur_prob=0.3, noise_sigma=(0.0, 5.0),
    noise_prob=0.3, jpeg_quality=(50, 95), jpeg_prob=0.3)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='KeepFrame'),  # the camera path reduces the whole frame
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),  # HR targets, before degradation
    dict(type='RandomChoice', prob=[0.5, 0.5], transforms=[[train_degrade], [camera_degrade]]),
    dict(type='PackSRPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='LowResDegrade', scale=2, model_scale=1, kernel='bicubic', deterministic=True),
    dict(type='PackSRPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [{{_base_.val_evaluator}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
