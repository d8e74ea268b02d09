# Plug-in protocol data at x2: HR crops 256x192, 128x96 LR inputs, heatmap targets at HR.
# Training draws each sample's LR from one of two paths (mmcv's RandomChoice), because the x2
# route's people reach the 128x96 crop enlarged or shrunk (crop regions of about 64-256 px), cut
# from frames a camera made:
# - simulated: the HR crop reduced by bicubic with random blur/noise/JPEG (train_degrade);
# - camera: the whole frame reduced with a random kernel, antialiasing and sub-pixel phase so
#   that the person's crop region is 0.5-2 times the LR crop height, then the person warped to
#   the crop; blur, noise and JPEG drawn as on the simulated path.
# Half and half, chosen on the benchmark's sizes-tune split against simulated-only and
# camera-only training (docs/tuning.md, "x2 neck training"). Evaluation: deterministic bicubic.
_base_ = ['./plugin_runtime.py']

sr_scale = 2
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
train_degrade = dict(type='LowResDegrade', scale=sr_scale, kernel='bicubic',
                     blur_sigma=(0.2, 1.5), blur_prob=0.3, noise_sigma=(0.0, 5.0), noise_prob=0.3,
                     jpeg_quality=(50, 95), jpeg_prob=0.3)
camera_degrade = dict(
    type='CameraLowResDegrade', scale=sr_scale, crop_ratio=(0.5, 2.0),
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
    dict(type='LowResDegrade', scale=sr_scale, kernel='bicubic', deterministic=True),
    dict(type='PackSRPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [{{_base_.val_evaluator}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
