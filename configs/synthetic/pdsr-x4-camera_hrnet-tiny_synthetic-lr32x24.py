# PDSR trained on both kinds of LR input: for each sample, either the simulated LR of the other
# rows (LowResDegrade on the HR crop) or the LR a camera makes (CameraLowResDegrade: the whole
# frame reduced by the SR scale with a random kernel, antialiasing and sub-pixel phase, then the
# person warped to the LR crop), so that real low-resolution input is not a new degradation
# (docs/degradations.md). Everything else, evaluation included (simulated LR), is the PDSR row's.
# One sample in four is camera LR: chosen on the tune split among 1/4, 1/2 and 3/4 by the mean of
# the simulated-LR and real-LR AP (docs/tuning.md, "Camera share").
_base_ = ['./pdsr-x4_hrnet-tiny_synthetic-lr32x24.py']

# the camera draws its blur, noise and JPEG as the simulated path does (same ranges)
camera_degrade = dict(
    type='CameraLowResDegrade', scale={{_base_.sr_scale}},
    kernels=('area', 'bilinear', 'bicubic'), antialias_prob=0.5, antialias_sigma=(0.3, 0.6),
    phase=(-0.5, 0.5), blur_sigma=(0.2, 1.0), blur_prob=0.3, noise_sigma=(0.0, 4.0),
    noise_prob=0.3, jpeg_quality=(60, 95), jpeg_prob=0.3)
# the base's training pipeline with KeepFrame before the crop (the camera path needs the frame)
# and the degradation drawn from the two paths (mmcv's RandomChoice)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', scale_factor=(0.8, 1.2), rotate_factor=15),
    dict(type='KeepFrame'),
    dict(type='TopdownAffine', input_size={{_base_.hr_size}}),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='RandomChoice', prob=[0.75, 0.25],
         transforms=[[{{_base_.train_degrade}}], [camera_degrade]]),
    dict(type='PackSRPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
