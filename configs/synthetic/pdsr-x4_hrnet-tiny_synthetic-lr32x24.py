# Pose-driven SR (PDSR): the SR neck is trained jointly with the pose network: pose loss through
# the pose network + pixel + keypoint-weighted pixel terms (the pose-feature term is off here:
# chosen on the tune split, below).
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(
    sr_neck=dict(type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}, mid_channels=32, num_blocks=4),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=0.0),
    pose_loss_to_sr=True)
val_evaluator = [{{_base_.coco_metric}}, {{_base_.pck_metric}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
# fine-tuning from the HR oracle (the benchmark protocol), chosen on the tune split: learning
# rate 2.5e-4 (`make tune`); the SR neck, which starts from scratch (as bicubic) while the pose
# network starts from the oracle, at 16x that rate, without the feature term (evidence:
# docs/tuning.md, "SR neck learning rate" and "Feature term")
optim_wrapper = dict(optimizer=dict(lr=2.5e-4),
                     paramwise_cfg=dict(custom_keys={'sr_neck': dict(lr_mult=16.0)}))
