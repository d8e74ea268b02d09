# ResNet-50 backbone (SimpleBaseline); any input size works, no wrapper needed.
# The head upsamples x8 with three deconvolutions (stride 32 -> 4).
backbone = dict(type='ResNet', depth=50)

# The estimator with this backbone; variant files set the SR neck, codec and SR loss.
model = dict(
    type='SRTopdownPoseEstimator',
    data_preprocessor=dict(type='SRPoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    sr_neck=dict(type='InterpolateSR', scale=1),
    backbone=backbone,
    head=dict(type='HeatmapHead', in_channels=2048, out_channels=17, deconv_out_channels=(256, 256, 256), deconv_kernel_sizes=(4, 4, 4),
              loss=dict(type='KeypointMSELoss', use_target_weight=True)),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
