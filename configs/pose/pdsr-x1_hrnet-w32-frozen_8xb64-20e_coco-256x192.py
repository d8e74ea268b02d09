# The x1 neck of scale-aware inference for MMPose's HRNet-W32 (COCO, 256x192): people somewhat
# smaller than the pose input are cropped at 256x192 (a plain resize enlarges them) and restored
# there, in front of the pose network. The x4 neck of
# pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py serves the smallest people, the x2 neck of
# pdsr-x2_hrnet-w32-frozen_8xb64-20e_coco-lr128x96.py the medium ones. Trained as a plug-in, in
# front of the same frozen network, so that the three necks can be merged into one model
# (tools/misc/merge_sr_necks.py) for
# pdsr-x4-x2-x1-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py.
_base_ = ['./_base_/plugin-x1_data.py', './_base_/models/hrnet-w32.py']

# the body works at half the input (unshuffle=2: space-to-depth, 128x96) with two residual
# blocks, so the neck costs what the x2 neck costs (docs/results.md, "Cost at the paper-like
# size")
model = dict(
    sr_neck=dict(_delete_=True, type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}, num_blocks=2,
                 unshuffle=2),
    head=dict(decoder={{_base_.codec}}),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=1.0),
    pose_loss_to_sr=True,
    freeze_pose=True,
    pose_init_cfg=dict(checkpoint='checkpoints/td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth'))
