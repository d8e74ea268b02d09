# Pose-driven SR (PDSR): the SR neck is trained jointly with the pose network: pose loss through
# the pose network + pixel + keypoint-weighted pixel + pose-feature terms.
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(
    sr_neck=dict(type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}, mid_channels=32, num_blocks=4),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=0.1),
    pose_loss_to_sr=True)
val_evaluator = [{{_base_.coco_metric}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
