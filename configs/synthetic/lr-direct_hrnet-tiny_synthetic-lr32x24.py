# LR-direct: the pose network on the 32x24 LR crop itself, codec at the LR size (heatmaps 8x6).
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(head=dict(decoder={{_base_.lr_codec}}))
train_dataloader = dict(dataset=dict(pipeline={{_base_.lr_train_pipeline}}))
# fine-tuning from the HR oracle (the benchmark protocol): learning rate chosen on the tune split
# (`make tune`; evidence: docs/tuning.md, "Learning rate per row")
optim_wrapper = dict(optimizer=dict(lr=1e-3))
