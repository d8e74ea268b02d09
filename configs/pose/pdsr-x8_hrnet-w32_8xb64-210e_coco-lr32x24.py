# Pose-driven SR: SR neck and pose network trained jointly from the 32x24 LR crop (pose loss
# through the pose network + pixel + keypoint-weighted pixel terms; the pose-feature term through the moving backbone is off, docs/tuning.md).
# Start from your COCO-trained pose weights with
#   --cfg-options model.pose_init_cfg.checkpoint=/path/to/pose.pth  (or load_from=...)
_base_ = ['./_base_/coco-lr_runtime.py', './_base_/models/hrnet-w32.py']

sr_scale = 8
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
model = dict(
    sr_neck=dict(_delete_=True, type='PoseDrivenSRNeck', scale=sr_scale),
    head=dict(decoder=codec),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=0.0),
    pose_loss_to_sr=True,
)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='GenerateTarget', encoder=codec),  # HR targets, before degradation
    dict(type='LowResDegrade', scale=sr_scale, kernel='bicubic', blur_sigma=(0.2, 1.5), blur_prob=0.3,
         noise_sigma=(0.0, 5.0), noise_prob=0.3, jpeg_quality=(50, 95), jpeg_prob=0.3),
    dict(type='PackSRPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='LowResDegrade', scale=sr_scale, kernel='bicubic', deterministic=True),
    dict(type='PackSRPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [{{_base_.val_evaluator}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
