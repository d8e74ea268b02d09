# Scale-aware evaluation of the plug-in PDSR on every person of COCO val at the person's own
# size, three ways: the smallest people are cropped to 64x48 and super-resolved x4, medium ones
# cropped to 128x96 and super-resolved x2, large ones cropped at 256x192 for the pose network
# alone. The x4 neck is pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py's, the x2 neck
# pdsr-x2_hrnet-w32-frozen_8xb64-20e_coco-lr128x96.py's, both trained in front of the same
# frozen HRNet-W32 and merged into one checkpoint:
#   python tools/misc/merge_sr_necks.py X4.pth --extra 2 X2.pth --out work_dirs/x4-x2.pth
#   python tools/test.py pdsr-x4-x2-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py work_dirs/x4-x2.pth
# The two thresholds (region height, image pixels) are the frozen-pose PDSR's, chosen on the
# benchmark's sizes-tune split at a 128 px pose input, scaled to the 256 px input here
# (docs/tuning.md, "Mixed-size threshold").
_base_ = ['./pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py']

model = dict(extra_sr_necks=[dict(type='PoseDrivenSRNeck', scale=2, num_blocks=2)])
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='AdaptiveTopdownAffine', input_size=(192, 256), sr_scale=(4, 2),
         size_threshold=(64, 224)),
    dict(type='PackSRPoseInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# no HR crops exist on this path, so CocoMetric alone (no SR-quality metric)
val_evaluator = dict(_delete_=True, type='CocoMetric',
                     ann_file='data/coco/annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
