"""Video lists: which videos to extract, their labels and splits.

Text format (one video per line; ``#`` starts a comment; fields separated by
white space, shell-style quoting for paths with spaces)::

    path label [split] [tracks.json]

JSON format: a list (or ``{"videos": [...]}``) of objects with keys ``path``,
``label`` and optionally ``split``, ``tracks``, ``frame_dir``.

Relative paths are relative to the list file's folder. ``label`` is the
integer class index. ``frame_dir`` (the sample's name in the annotation file)
defaults to the file name without extension and must be unique. A video
without ``split`` gets ``default_split``, or, with ``val_ratio`` > 0, a split
chosen deterministically from a hash of its ``frame_dir``.
"""
import hashlib
import json
import os
import shlex
from dataclasses import asdict, dataclass
from typing import Any, List, Optional, Sequence, Union


@dataclass
class VideoEntry:
    path: str
    label: int
    split: str
    frame_dir: str
    tracks: Optional[str] = None

    def to_dict(self) -> dict:
        return asdict(self)


def _hash_split(name: str, val_ratio: float) -> str:
    h = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return 'val' if h < val_ratio else 'train'


def _abs(p: Optional[str], root: str) -> Optional[str]:
    if p is None or p == '' or p == '-':
        return None
    p = os.path.expanduser(str(p))
    return os.path.normpath(p if os.path.isabs(p) else os.path.join(root, p))


def _to_int_label(label: Any, where: str) -> int:
    try:
        f = float(label)
    except (TypeError, ValueError):
        raise ValueError(f'{where}: label {label!r} is not an integer class '
                         'index') from None
    if f != int(f) or f < 0:
        raise ValueError(f'{where}: label {label!r} is not a non-negative '
                         'integer class index')
    return int(f)


FIELDS = ('path', 'label', 'split', 'tracks')


def _read_json_list(path: str, text: str):
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ValueError(f'{path}: not valid JSON ({e})') from e
    raw = data.get('videos') if isinstance(data, dict) else data
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ValueError(f'{path}: expected a list of objects (or {{"videos": [...]}}) with '
                         '"path" and "label"')
    return raw, [f'{path}[{i}]' for i in range(len(raw))]


def _read_text_list(path: str, text: str):
    raw, where = [], []
    for n, line in enumerate(text.splitlines(), 1):
        fields = shlex.split(line, comments=True)
        if not fields:
            continue
        if len(fields) < 2 or len(fields) > 4:
            raise ValueError(f'{path}:{n}: expected "path label [split] [tracks]", '
                             f'got {line!r}')
        raw.append(dict(zip(FIELDS, fields)))
        where.append(f'{path}:{n}')
    return raw, where


def _read_list(source, root: Optional[str]):
    """Raw entries (dicts), where each came from, and the folder paths are relative to."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        with open(path) as f:
            text = f.read()
        raw, where = (_read_json_list if path.endswith('.json') else _read_text_list)(path, text)
        return raw, where, root or os.path.dirname(os.path.abspath(path))
    raw = [dict(zip(FIELDS, r)) if isinstance(r, (list, tuple)) else dict(r) for r in source]
    return raw, [f'video_list[{i}]' for i in range(len(raw))], root or os.getcwd()


def parse_video_list(source: Union[str, Sequence[Any]],
                     default_split: str = 'train', val_ratio: float = 0.0,
                     root: Optional[str] = None) -> List[VideoEntry]:
    """Read a video list (file path, or a list of dicts / tuples)."""
    raw, where, root = _read_list(source, root)
    entries, seen = [], {}
    for r, w in zip(raw, where):
        if 'path' not in r or 'label' not in r:
            raise ValueError(f'{w}: needs "path" and "label"')
        p = _abs(r['path'], root)
        name = r.get('frame_dir') or os.path.splitext(
            os.path.basename(p.rstrip('/')))[0]
        if name in seen:
            raise ValueError(f'{w}: frame_dir {name!r} already used by '
                             f'{seen[name]}; give one of them a unique '
                             '"frame_dir" (JSON list) or rename the file')
        seen[name] = w
        split = r.get('split') or None
        if split is None or split == '-':
            split = (_hash_split(name, val_ratio) if val_ratio > 0 else
                     default_split)
        entries.append(VideoEntry(path=p, label=_to_int_label(r['label'], w),
                                  split=str(split), frame_dir=str(name),
                                  tracks=_abs(r.get('tracks'), root)))
    return entries


def write_video_list(entries: Sequence[VideoEntry], path: str,
                     relative: bool = True) -> str:
    """Write a text video list (atomically); paths relative to its folder."""
    from ..fileio import atomic_text_dump
    root = os.path.dirname(os.path.abspath(path))
    lines = ['# path label split tracks  (lrpose_mm video list)']
    for e in entries:
        p = os.path.relpath(e.path, root) if relative else e.path
        t = (os.path.relpath(e.tracks, root) if relative else e.tracks) \
            if e.tracks else '-'
        lines.append(' '.join(shlex.quote(x) for x in
                              (p, str(e.label), e.split, t)))
    return atomic_text_dump('\n'.join(lines) + '\n', path)
