# Resolution-adaptive evaluation of the plug-in PDSR (pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py) on every person of COCO val at
# the person's own size: people whose crop region is shorter than `size_threshold` image pixels
# are cropped straight to the 64x48 LR size and go through the SR neck (like real low-resolution
# input); larger people are cropped at 256x192 and go to the pose network directly. One
# checkpoint serves both paths; batches are split by path inside the model.
#   python tools/test.py pdsr-x4-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py WORK_DIR/best_coco_AP_epoch_N.pth
# The threshold is the one chosen on the benchmark's sizes-tune split (48 px at a 128 px pose
# input), scaled to the 256 px input here (docs/tuning.md).
_base_ = ['./pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py']

test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='AdaptiveTopdownAffine', input_size=(192, 256), sr_scale={{_base_.sr_scale}},
         size_threshold=96),
    dict(type='PackSRPoseInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# no HR crops exist on this path, so CocoMetric alone (no SR-quality metric)
val_evaluator = dict(_delete_=True, type='CocoMetric',
                     ann_file='data/coco/annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
