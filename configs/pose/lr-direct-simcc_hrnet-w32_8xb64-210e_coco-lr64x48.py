# The strongest LR model MMPose already offers: LR-direct with the SimCC codec and head at the LR
# size (64x48). Same data, LR images, backbone and schedule as the SR variants.
_base_ = ['./lr-direct_hrnet-w32_8xb64-210e_coco-lr64x48.py']

codec = dict(type='SimCCLabel', input_size=(48, 64), sigma=(4.0, 4.0), simcc_split_ratio=2.0,
             normalize=False, use_dark=False)
model = dict(
    head=dict(_delete_=True, type='SimCCHead', in_channels=32, out_channels=17,
              input_size=codec['input_size'], in_featuremap_size=(12, 16),
              simcc_split_ratio=codec['simcc_split_ratio'], deconv_out_channels=None,
              loss=dict(type='KLDiscretLoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(shift_heatmap=False))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='LowResDegrade', scale=4, kernel='bicubic', blur_sigma=(0.2, 1.5), blur_prob=0.3,
         noise_sigma=(0.0, 5.0), noise_prob=0.3, jpeg_quality=(50, 95), jpeg_prob=0.3),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackSRPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
