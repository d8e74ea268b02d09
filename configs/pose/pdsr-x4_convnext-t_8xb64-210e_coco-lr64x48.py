# Pose-driven SR with an MMPretrain backbone (ConvNeXt-T through the `mmpretrain.` registry scope):
# backbones swap by config, with no code change. Same SR neck, loss and data as the HRNet variant.
# Start from your weights with --cfg-options model.pose_init_cfg.checkpoint=/path/to/pose.pth
_base_ = ['./pdsr-x4_hrnet-w32_8xb64-210e_coco-lr64x48.py']

model = dict(
    backbone=dict(_delete_=True, type='mmpretrain.ConvNeXt', arch='tiny', out_indices=(3, ),
                  drop_path_rate=0.1, gap_before_final_norm=False),
    head=dict(in_channels=768, deconv_out_channels=(256, 256, 256), deconv_kernel_sizes=(4, 4, 4)))
