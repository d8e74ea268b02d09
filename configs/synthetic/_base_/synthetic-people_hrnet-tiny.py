# Shared settings of the CPU benchmark on procedural low-resolution people.
# HR crops 128x96 (W=96, H=128); LR crops 32x24 at x4. Every variant file shows only what differs.
_base_ = ['mmpose::_base_/default_runtime.py']
custom_imports = dict(imports=['lrpose_mm'], allow_failed_imports=False)

hr_size = (96, 128)  # (w, h), MMPose convention
sr_scale = 4
data_root = 'data/synthetic_people/'

# codec at the HR size: the SR variants are supervised at the resolution they output
codec = dict(type='MSRAHeatmap', input_size=hr_size, heatmap_size=(24, 32), sigma=2)
# the head decodes with DARK (Taylor refinement of the blurred heatmap, kernel 3), the targets
# stay MMPose's standard ones: chosen on the tune split (evidence: docs/tuning.md, "Decoding")
decoder = dict(codec, unbiased=True, blur_kernel_size=3)

# a small HRNet (W16, one module per stage) that trains on 2 CPU cores; the model's
# backbone_size_divisor=32 lets it take the LR size (32x24 is not a multiple of its stride 32)
backbone = dict(
    type='HRNet', in_channels=3,
    extra=dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(2, ),
                    num_channels=(32, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(2, 2),
                    num_channels=(16, 32)),
        stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(2, 2, 2),
                    num_channels=(16, 32, 64)),
        stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(2, 2, 2, 2),
                    num_channels=(16, 32, 64, 128), multiscale_output=False)))

data_preprocessor = dict(type='SRPoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], bgr_to_rgb=True)
model = dict(
    type='SRTopdownPoseEstimator',
    data_preprocessor=data_preprocessor,
    sr_neck=dict(type='InterpolateSR', scale=1),
    backbone=backbone,
    backbone_size_divisor=32,
    head=dict(type='HeatmapHead', in_channels=16, out_channels=17, deconv_out_channels=None,
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=decoder),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

# degradation: bicubic x4 with mild blur/noise/JPEG in training, deterministic bicubic in test
train_degrade = dict(type='LowResDegrade', scale=sr_scale, kernel='bicubic',
                     blur_sigma=(0.2, 1.0), blur_prob=0.3, noise_sigma=(0.0, 4.0), noise_prob=0.3,
                     jpeg_quality=(60, 95), jpeg_prob=0.3)
test_degrade = dict(type='LowResDegrade', scale=sr_scale, kernel='bicubic', deterministic=True)

train_pipeline_head = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', scale_factor=(0.8, 1.2), rotate_factor=15),
    dict(type='TopdownAffine', input_size=hr_size),
]
# SR variants (bicubic, two-stage, PDSR): heatmaps at HR before degradation, LR input + HR target
train_pipeline = train_pipeline_head + [
    dict(type='GenerateTarget', encoder=codec), train_degrade, dict(type='PackSRPoseInputs')]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=hr_size),
    test_degrade,
    dict(type='PackSRPoseInputs'),
]
# HR oracle: no degradation
hr_train_pipeline = train_pipeline_head + [
    dict(type='GenerateTarget', encoder=codec), dict(type='PackSRPoseInputs')]
hr_val_pipeline = val_pipeline[:3] + [dict(type='PackSRPoseInputs')]
# LR-direct: the same LR images, targets encoded after degradation at the LR size
# (standard decoding here, chosen on the tune split: docs/tuning.md, "Decoding"; named
# explicitly because this dict is merged over the base head's decoder)
lr_codec = dict(type='MSRAHeatmap', input_size=(24, 32), heatmap_size=(6, 8), sigma=1,
                unbiased=False)
lr_train_pipeline = train_pipeline_head + [
    train_degrade, dict(type='GenerateTarget', encoder=lr_codec), dict(type='PackSRPoseInputs')]
simcc_codec = dict(type='SimCCLabel', input_size=(24, 32), sigma=(2.0, 2.0), simcc_split_ratio=2.0,
                   normalize=False, use_dark=False)
lr_simcc_train_pipeline = train_pipeline_head + [
    train_degrade, dict(type='GenerateTarget', encoder=simcc_codec), dict(type='PackSRPoseInputs')]

# MMPose's CocoDataset that names bad annotation files and counts what it skips
dataset_type = 'CheckedCocoDataset'
train_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_train.json',
                 data_prefix=dict(img='train/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_val.json',
                 data_prefix=dict(img='val/'), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
coco_metric = dict(type='CocoMetric', ann_file=data_root + 'annotations/person_keypoints_val.json')
# PCK@0.1 of the box size: more sensitive than AP where keypoints are still coarse
pck_metric = dict(type='PCKAccuracy', thr=0.1, norm_item='bbox', prefix='pck0.1')
val_evaluator = [coco_metric, pck_metric]
test_evaluator = val_evaluator

# schedule (iteration based, so every variant gets exactly the same number of steps)
max_iters = 1500
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_iters, T_max=max_iters, eta_min=1e-5,
         by_epoch=False),
]
default_hooks = dict(
    finite_loss=dict(type='FiniteLossHook'),  # a NaN/inf loss stops the run before a save
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=500, by_epoch=False, max_keep_ckpts=1,
                    save_best=None))
custom_hooks = []
log_processor = dict(by_epoch=False, window_size=10)
randomness = dict(seed=0)
