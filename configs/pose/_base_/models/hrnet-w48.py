# HRNet-W48 backbone (weights come from `model.pose_init_cfg` or `load_from`; nothing downloads).
# `model.backbone_size_divisor=32` pads its input so that it also runs at LR sizes such as
# 64x48 (LR-direct); the backbone keeps MMPose's key names, so model-zoo checkpoints load.
backbone = dict(
    type='HRNet', in_channels=3,
    extra=dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ),
                    num_channels=(64, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4),
                    num_channels=(48, 96)),
        stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4),
                    num_channels=(48, 96, 192)),
        stage4=dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4),
                    num_channels=(48, 96, 192, 384))))

# The estimator with this backbone; variant files set the SR neck, codec and SR loss.
model = dict(
    type='SRTopdownPoseEstimator',
    data_preprocessor=dict(type='SRPoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    sr_neck=dict(type='InterpolateSR', scale=1),
    backbone=backbone,
    backbone_size_divisor=32,
    head=dict(type='HeatmapHead', in_channels=48, out_channels=17, deconv_out_channels=None,
              loss=dict(type='KeypointMSELoss', use_target_weight=True)),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
