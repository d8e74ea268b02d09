# Scale-aware evaluation of the plug-in PDSR on every person of COCO val at the person's own
# size, four ways: the smallest people are cropped to 64x48 and super-resolved x4, small ones
# cropped to 128x96 and super-resolved x2, medium ones cropped at 256x192 and restored there by
# the x1 neck, large ones cropped at 256x192 for the pose network alone. The necks are those of
# pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py, pdsr-x2_..._coco-lr128x96.py and
# pdsr-x1_..._coco-256x192.py, all trained in front of the same frozen HRNet-W32 and merged:
#   python tools/misc/merge_sr_necks.py X4.pth --extra 2 X2.pth --extra 1 X1.pth \
#       --out work_dirs/x4-x2-x1.pth
#   python tools/test.py pdsr-x4-x2-x1-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py work_dirs/x4-x2-x1.pth
# The three thresholds (region height, image pixels) are the frozen-pose PDSR's, chosen on the
# benchmark's sizes-tune split at a 128 px pose input, scaled to the 256 px input here
# (docs/tuning.md, "x1 neck training").
_base_ = ['./pdsr-x4-x2-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py']

model = dict(extra_sr_necks=[dict(type='PoseDrivenSRNeck', scale=2, num_blocks=2),
                             dict(type='PoseDrivenSRNeck', scale=1, num_blocks=2, unshuffle=2)])
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='AdaptiveTopdownAffine', input_size=(192, 256), sr_scale=(4, 2, 1),
         size_threshold=(64, 160, 224)),
    dict(type='PackSRPoseInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
