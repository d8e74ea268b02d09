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
