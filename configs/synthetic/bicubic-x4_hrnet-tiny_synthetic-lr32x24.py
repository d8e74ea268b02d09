# Bicubic: the LR crop upsampled x4 by a parameter-free bicubic layer, then the HR pose network.
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(sr_neck=dict(type='InterpolateSR', scale={{_base_.sr_scale}}, mode='bicubic'))
val_evaluator = [{{_base_.coco_metric}}, {{_base_.pck_metric}}, dict(type='SRQualityMetric')]
test_evaluator = val_evaluator
# fine-tuning from the HR oracle (the benchmark protocol): learning rate chosen on the tune split
# (`make tune`; evidence: docs/tuning.md, "Learning rate per row")
optim_wrapper = dict(optimizer=dict(lr=2.5e-4))
