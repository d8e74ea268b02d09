# Pose-driven SR as a plug-in for MMPose's HRNet-W48 (COCO, 256x192), from 64x48 people: the
# pose network is frozen, and only the SR neck trains, from the pose loss through the fixed
# network, the pixel and keypoint-weighted pixel terms and the network's own features (a judge
# that stands still; the evidence is in docs/tuning.md).
# The checkpoint is MMPose's model-zoo file td-hm_hrnet-w48_8xb32-210e_coco-256x192-0e67c616_20220913.pth
# (download it into checkpoints/ yourself, or give another path or URL with
# --cfg-options model.pose_init_cfg.checkpoint=...); nothing downloads at run time.
_base_ = ['./_base_/plugin-x4_data.py', './_base_/models/hrnet-w48.py']

model = dict(
    sr_neck=dict(_delete_=True, type='PoseDrivenSRNeck', scale={{_base_.sr_scale}}),
    head=dict(decoder={{_base_.codec}}),
    sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=1.0),
    pose_loss_to_sr=True,
    freeze_pose=True,
    pose_init_cfg=dict(checkpoint='checkpoints/td-hm_hrnet-w48_8xb32-210e_coco-256x192-0e67c616_20220913.pth'))
