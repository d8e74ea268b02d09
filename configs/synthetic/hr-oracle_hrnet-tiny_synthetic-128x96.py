# HR oracle: the pose network on the real HR crop (no degradation). Upper bound of every variant,
# and the checkpoint every other variant starts from.
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

train_dataloader = dict(dataset=dict(pipeline={{_base_.hr_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.hr_val_pipeline}}))
test_dataloader = val_dataloader
