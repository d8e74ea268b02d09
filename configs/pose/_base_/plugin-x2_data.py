# Plug-in protocol data at x2: HR crops 256x192 degraded to 128x96 LR inputs (training: bicubic
# with random blur/noise/JPEG; evaluation: deterministic bicubic); heatmap targets at HR.
_base_ = ['./plugin_runtime.py']

sr_scale = 2
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
train_degrade = dict(type='LowResDegrade', scale=sr_scale, kernel='bicubic',
                     blur_sigma=(0.2, 1.5), blur_prob=0.3, noise_sigma=(0.0, 5.0), noise_prob=0.3,
                     jpeg_quality=(50, 95), jpeg_prob=0.3)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),  # HR targets, before degradation
    train_degrade,
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
