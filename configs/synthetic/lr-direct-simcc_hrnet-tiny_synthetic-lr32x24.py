# The strongest LR model MMPose already offers: LR-direct with the SimCC codec and head at the
# LR size (32x24 input). Same backbone, data, LR images and schedule as the other variants.
_base_ = ['./_base_/synthetic-people_hrnet-tiny.py']

model = dict(
    head=dict(_delete_=True, type='SimCCHead', in_channels=16, out_channels=17,
              input_size=(24, 32), in_featuremap_size=(6, 8), simcc_split_ratio=2.0,
              deconv_out_channels=None, loss=dict(type='KLDiscretLoss', use_target_weight=True),
              decoder={{_base_.simcc_codec}}),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False))
train_dataloader = dict(dataset=dict(pipeline={{_base_.lr_simcc_train_pipeline}}))
# fine-tuning from the HR oracle (the benchmark protocol): learning rate chosen on the tune split
# (`make tune`; evidence: docs/tuning.md, "Learning rate per row")
optim_wrapper = dict(optimizer=dict(lr=1e-3))
