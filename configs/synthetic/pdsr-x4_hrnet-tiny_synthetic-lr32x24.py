# Pose-driven SR (PDSR): the SR neck is trained jointly with the pose network: pose loss through
# the pose network + pixel + keypoint-weighted pixel + pose-feature terms.
# Unit weights; the feature term trains the SR neck only (the pose backbone is its fixed judge).
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(
    sr_neck=dict(type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}, mid_channels=32, num_blocks=4),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=1.0),
    pose_loss_to_sr=True)
val_evaluator = [{{_base_.coco_metric}}, {{_base_.pck_metric}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
# fine-tuning from the HR oracle (the benchmark protocol): learning rate chosen on the tune split
# (`make tune`: 2.5e-4 / 5e-4 / 1e-3, highest tune AP, PCK@0.1 breaking ties)
optim_wrapper = dict(optimizer=dict(lr=2.5e-4))
