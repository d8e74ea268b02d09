# COCO top-down settings shared by every low-resolution variant (MMPose's COCO layout under
# data/coco/). Variant files add the model and the pipelines: only what differs.
_base_ = ['mmpose::_base_/default_runtime.py']
custom_imports = dict(imports=['lrpose_mm'], allow_failed_imports=False)

train_cfg = dict(max_epochs=210, val_interval=10)
# joint training: the SR neck starts from scratch while the pose network starts from trained
# weights, so the neck learns at 16x the pose network's rate (chosen on tune, docs/tuning.md;
# a no-op for variants without a learned neck)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4),
                     paramwise_cfg=dict(custom_keys={'sr_neck': dict(lr_mult=16.0)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=512)
# FiniteLossHook: a NaN/inf loss stops the run (before a checkpoint is saved) instead of
# training on; CheckedCocoDataset: MMPose's CocoDataset that names bad annotation files,
# counts what it drops and keeps non-finite labels out of every loss (docs/BAD_INPUT.md)
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'),
                     finite_loss=dict(type='FiniteLossHook'))

dataset_type = 'CheckedCocoDataset'
data_root = 'data/coco/'
train_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_train2017.json',
                 data_prefix=dict(img='train2017/')))
val_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_val2017.json',
                 bbox_file='data/coco/person_detection_results/'
                 'COCO_val2017_detections_AP_H_56_person.json',
                 data_prefix=dict(img='val2017/'), test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
