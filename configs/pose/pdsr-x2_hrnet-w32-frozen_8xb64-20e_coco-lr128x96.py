# The x2 SR neck of scale-aware inference for MMPose's HRNet-W32 (COCO, 256x192): people of
# medium size are cropped at 128x96 and super-resolved x2 (the x4 neck of
# pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py serves the smallest ones). Trained as a
# plug-in, in front of the same frozen network as the x4 neck, so that the two necks can be
# merged into one model (tools/misc/merge_sr_necks.py) for
# pdsr-x4-x2-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py.
_base_ = ['./_base_/plugin-x2_data.py', './_base_/models/hrnet-w32.py']

# two residual blocks instead of four: the neck works at 128x96, four times the pixels of the x4
# neck's 64x48, and must stay within the cost target (docs/results.md, "Cost at the paper-like
# size")
model = dict(
    sr_neck=dict(_delete_=True, type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}, num_blocks=2),
    head=dict(decoder={{_base_.codec}}),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=1.0),
    pose_loss_to_sr=True,
    freeze_pose=True,
    pose_init_cfg=dict(checkpoint='checkpoints/td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth'))

# The route's people reach the 128x96 crop enlarged or shrunk (crop regions of about 64-256
# px), cut from frames a camera made. Half of the samples are the simulated LR of the base,
# half camera LR: the whole frame reduced with a random kernel, antialiasing and sub-pixel
# phase so that the person's crop region is 0.5-2 times the LR crop height, then the person
# warped to the crop; blur, noise and JPEG drawn as on the simulated path. Chosen on the
# benchmark's sizes-tune split against simulated-only and camera-only training
# (docs/tuning.md, "x2 neck training").
camera_degrade = dict(
    type='CameraLowResDegrade', scale={{_base_.sr_scale}}, crop_ratio=(0.5, 2.0),
    kernels=('area', 'bilinear', 'bicubic'), antialias_prob=0.5, antialias_sigma=(0.3, 0.6),
    phase=(-0.5, 0.5), blur_sigma=(0.2, 1.5), blur_prob=0.3, noise_sigma=(0.0, 5.0),
    noise_prob=0.3, jpeg_quality=(50, 95), jpeg_prob=0.3)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='KeepFrame'),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='RandomChoice', prob=[0.5, 0.5],
         transforms=[[{{_base_.train_degrade}}], [camera_degrade]]),
    dict(type='PackSRPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
