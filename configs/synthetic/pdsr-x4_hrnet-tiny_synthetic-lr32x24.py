# Pose-driven SR (PDSR): the SR neck is trained jointly with the pose network: pose loss through
# the pose network + pixel + keypoint-weighted pixel + pose-feature terms.
# The SR-term weights bring each term to the size of a trained network's heatmap loss (~1e-2;
# unweighted, loss_sr_pix ~0.2, loss_sr_kpt ~0.3, loss_sr_feat ~0.7 on training batches), so the
# pose loss, not the pixel loss, drives the SR neck.
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(
    sr_neck=dict(type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}, mid_channels=32, num_blocks=4),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=0.01, kpt_weight=0.02, feat_weight=0.005),
    pose_loss_to_sr=True)
val_evaluator = [{{_base_.coco_metric}}, {{_base_.pck_metric}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
