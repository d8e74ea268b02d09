# The plug-in protocol: an MMPose COCO model-zoo pose network stays frozen (weights and
# BatchNorm statistics, `model.freeze_pose=True`) and only the SR neck in front of it trains.
# The neck starts from scratch and is small, so it has a short schedule of its own.
_base_ = ['./coco-lr_runtime.py']

train_cfg = dict(max_epochs=20, val_interval=5)
# the neck is the only part that trains: it has the optimizer's rate itself
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3),
                     paramwise_cfg=dict(custom_keys={'sr_neck': dict(lr_mult=1.0)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=20, milestones=[15, 18], gamma=0.1, by_epoch=True),
]
