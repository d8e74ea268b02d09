"""Procedural data embedded in lrpose_mm (no downloads needed).

People (COCO-17 keypoint datasets)::

    from lrpose_mm.datasets.synthetic import generate_people_splits
    info = generate_people_splits('data/synthetic_people', 2000, 300, seed=0)
    # -> data/synthetic_people/annotations/person_keypoints_{train,val}.json
    #    data/synthetic_people/{train,val}/*.jpg

Building blocks (for animation, e.g. skeleton actions)::

    rng = np.random.default_rng(0)
    body, app = sample_body(rng), sample_appearance(rng)
    bg = render_background(rng, 240, 320)
    for t in np.linspace(0, 1, 16):
        ang = JointAngles(yaw=30, r_shoulder_abd=90, r_shoulder_rot=80,
                          r_elbow=60 + 40 * np.sin(2 * np.pi * t))
        kp, z = pose_to_keypoints(ang, body, root_xy=(160, 150), height_px=180,
                                  return_depth=True)
        frame = bg.copy()
        res = render_person(frame, kp, body, app, facing=ang.yaw, depth=z,
                            height_px=180)
        # res.mask: (H, W) pixels of the person; res.self_visible: (17,) bool
"""
from .body_model import (
    COCO_FLIP_PAIRS,
    COCO_KEYPOINTS,
    COCO_SIGMAS,
    COCO_SKELETON,
    JOINT_LIMITS,
    POSE_KINDS,
    BodyShape,
    JointAngles,
    coco_person_category,
    interpolate_angles,
    pose_to_keypoints,
    sample_body,
    sample_pose,
    skeleton_3d,
)
from .people import (
    GENERATOR_VERSION,
    draw_annotations,
    generate_coco_people,
    generate_people_splits,
    image_rng,
    make_preview_grid,
    render_scene,
)
from .render import (
    Appearance,
    Fabric,
    PersonRender,
    render_background,
    render_person,
    sample_appearance,
)

__all__ = [
    'COCO_FLIP_PAIRS', 'COCO_KEYPOINTS', 'COCO_SIGMAS', 'COCO_SKELETON', 'JOINT_LIMITS',
    'POSE_KINDS', 'BodyShape', 'JointAngles', 'coco_person_category', 'interpolate_angles',
    'pose_to_keypoints', 'sample_body', 'sample_pose', 'skeleton_3d', 'GENERATOR_VERSION',
    'draw_annotations', 'generate_coco_people', 'generate_people_splits', 'image_rng',
    'make_preview_grid', 'render_scene', 'Appearance', 'Fabric', 'PersonRender',
    'render_background', 'render_person', 'sample_appearance',
]
