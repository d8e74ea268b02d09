# Two-stage pixel SR: the SR neck learns from the pixel loss only (the pose loss does not reach
# it); the pose network adapts to the SR output. Same SR neck as PDSR.
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(
    sr_neck=dict(type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}, mid_channels=32, num_blocks=4),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=0.0, feat_weight=0.0),
    pose_loss_to_sr=False)
val_evaluator = [{{_base_.coco_metric}}, {{_base_.pck_metric}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
# fine-tuning from the HR oracle (the benchmark protocol), chosen on the tune split: learning
# rate 2.5e-4 (`make tune`); the SR neck, which starts from scratch (as bicubic) while the pose
# network starts from the oracle, at 16x that rate (evidence: docs/tuning.md, "SR neck learning
# rate")
optim_wrapper = dict(optimizer=dict(lr=2.5e-4),
                     paramwise_cfg=dict(custom_keys={'sr_neck': dict(lr_mult=16.0)}))
