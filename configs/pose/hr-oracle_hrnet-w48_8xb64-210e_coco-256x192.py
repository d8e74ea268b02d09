# HR oracle: the pose network on the real 256x192 crop (upper bound; the checkpoint the
# other variants start from).
# Start from your COCO-trained pose weights with
#   --cfg-options model.pose_init_cfg.checkpoint=/path/to/pose.pth  (or load_from=...)
_base_ = ['./_base_/coco-lr_runtime.py', './_base_/models/hrnet-w48.py']

sr_scale = 1
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
model = dict(
    head=dict(decoder=codec),
)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackSRPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='PackSRPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
