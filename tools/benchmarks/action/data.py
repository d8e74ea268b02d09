"""The action benchmark's data: procedural clips, a train / tune / val split, short windows.

The generator (:func:`lrpose_mm.datasets.synthetic.actions.generate_action_dataset`) marks
every 5th clip of a class (index % 5 == 4) ``val``. This application keeps that val and
takes a **tune** split out of the generator's train clips (index % 5 == 3): settings such as
the window length are chosen on tune, so val is read only by the final evaluation.

Every clip's motion spans the whole clip (the generator normalises time to the clip), so
fewer frames do not make a clip harder. What makes recognition harder even from ground-truth
skeletons is seeing **part** of the action: the recognizer gets a window of ``window``
consecutive frames of each clip, the same window (by a hash of the clip name) for every
skeleton source.
"""
import zlib
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from lrpose_mm.datasets.synthetic.actions import generate_action_dataset
from lrpose_mm.fileio import atomic_pickle_dump, load_pickle

SPLITS = ('train', 'tune', 'val')


def clip_index(frame_dir: str) -> int:
    """The generator's per-class clip index, the last ``_NNNN`` of the clip name."""
    tail = frame_dir.rsplit('_', 1)[-1]
    if not tail.isdigit():
        raise ValueError(f'{frame_dir!r} is not a procedural action clip name '
                         '(<label>_<class>_<index>)')
    return int(tail)


def clip_split(frame_dir: str) -> str:
    """train (index % 5 in 0..2), tune (3) or val (4, the generator's val)."""
    k = clip_index(frame_dir) % 5
    return 'val' if k == 4 else 'tune' if k == 3 else 'train'


def window_start(frame_dir: str, num_frames: int, window: int, seed: int = 0) -> int:
    """Start of the clip's window: deterministic by clip name and seed."""
    if window >= num_frames:
        return 0
    return zlib.crc32(f'{seed}:{frame_dir}'.encode()) % (num_frames - window + 1)


def windowed_annotations(src: str, dst: str, window: Optional[int], seed: int = 0,
                         expect: Optional[List[str]] = None) -> Dict[str, int]:
    """Write ``dst``: the PoseDataset file ``src`` with the train/tune/val split and each clip
    cut to its window (``None``: whole clips).

    Args:
        expect: clip names that must all be present (the GT set), else ``ValueError``.

    Returns the number of clips per split.
    """
    data = load_pickle(src)
    anns = []
    for a in data['annotations']:
        a = dict(a)
        T = int(a['total_frames'])
        if window is not None and window < T:
            s = window_start(a['frame_dir'], T, window, seed)
            a['keypoint'] = np.ascontiguousarray(a['keypoint'][:, s:s + window])
            a['keypoint_score'] = np.ascontiguousarray(a['keypoint_score'][:, s:s + window])
            a['total_frames'] = window
        anns.append(a)
    names = [a['frame_dir'] for a in anns]
    if expect is not None:
        missing = sorted(set(expect) - set(names))
        if missing:
            raise ValueError(f'{src}: {len(missing)} clips missing, e.g. {missing[:3]}')
    split = {s: [n for n in names if clip_split(n) == s] for s in SPLITS}
    atomic_pickle_dump(dict(split=split, annotations=anns), str(dst))
    return {s: len(v) for s, v in split.items()}


def generate_actions(data_root: Path, clips_per_class: int, num_frames: int, lr_noise: float,
                     seed: int) -> Dict[str, object]:
    """Generate (or reuse) the procedural action clips; returns the generator's meta."""
    if clips_per_class < 5:
        raise ValueError(f'clips_per_class must be >= 5 (one clip per split and class), '
                         f'got {clips_per_class}')
    return generate_action_dataset(
        str(data_root), clips_per_class=clips_per_class, seed=seed, num_frames=num_frames,
        lr_size=(80, 64), scale=4, lr_noise=lr_noise, save_hr=False, progress=True)
