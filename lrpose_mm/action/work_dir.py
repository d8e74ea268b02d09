"""The work folder of a resumable extraction job::

    <work_dir>/settings.json          what determined the results below
    <work_dir>/videos/<key>.npz       finished video: keypoint, keypoint_score arrays
    <work_dir>/videos/<key>.json      ... its annotation fields, report and source
                                      (written last: the completion marker)
    <work_dir>/failed/<key>.json      a failed video: the reason
    <work_dir>/extract.log, report.json

Everything that is read back is JSON or ``.npz`` loaded with
``allow_pickle=False``: a file planted in the work folder cannot run code
(an old or foreign ``.pkl`` there is never opened). Every write is atomic. The
folder carries an ownership marker: a folder that is not empty and not an
extraction work folder is refused, never written into.
"""
import json
import logging
import os
from typing import Any, Dict, List, Optional

import numpy as np

from ..datasets.synthetic.ownership import claim_output_dir
from ..fileio import atomic_json_dump, atomic_npz_dump, changed_settings, load_npz

logger = logging.getLogger('lrpose_mm.action')

OWNER = 'lrpose_mm.action.extract'
ARRAY_KEYS = ('keypoint', 'keypoint_score')
SHAPE_KEYS = ('img_shape', 'original_shape')


class SettingsMismatchError(RuntimeError):
    """The work folder holds results made with different settings."""


class ExtractWorkDir:
    """Per-video results and failures of one extraction job.

    The folder must be new, empty or an extraction work folder (marked; see
    :func:`~lrpose_mm.datasets.synthetic.ownership.claim_output_dir`): a
    folder of the user's is refused before anything is written, so nothing
    there is replaced or deleted.
    """

    def __init__(self, root: str):
        self.root = claim_output_dir(root, OWNER)
        self.videos = os.path.join(self.root, 'videos')
        self.failed = os.path.join(self.root, 'failed')
        os.makedirs(self.videos, exist_ok=True)
        os.makedirs(self.failed, exist_ok=True)
        self.settings_file = os.path.join(self.root, 'settings.json')
        self.log_file = os.path.join(self.root, 'extract.log')
        self.report_file = os.path.join(self.root, 'report.json')

    # ---- settings
    def check_settings(self, settings: Dict[str, Any], overwrite: bool) -> None:
        """Refuse results made with other settings (or discard them when
        ``overwrite``: only the files this job writes), then save ``settings``."""
        diff = changed_settings(self.settings_file, settings)
        if diff:
            if not overwrite:
                raise SettingsMismatchError(
                    f'{self.root} holds results made with different settings '
                    f'({", ".join(diff)} changed); use another work_dir or '
                    'overwrite=True (--overwrite) to discard them')
            logger.warning('settings changed (%s): discarding previous results in %s',
                           ', '.join(diff), self.root)
            self._discard()
        atomic_json_dump(settings, self.settings_file)

    def _discard(self) -> None:
        for folder, exts in ((self.videos, ('.json', '.npz')), (self.failed, ('.json', ))):
            for n in os.listdir(folder):
                if n.endswith(exts) and not n.startswith('.'):
                    os.unlink(os.path.join(folder, n))

    # ---- finished videos
    def _paths(self, key: str):
        base = os.path.join(self.videos, key)
        return base + '.json', base + '.npz'

    def load_result(self, key: str, source: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The saved result of a video made from the same ``source``, else None
        (missing, from another source, or unreadable: it is extracted again)."""
        meta_file, arr_file = self._paths(key)
        if not os.path.exists(meta_file):
            return None
        try:
            with open(meta_file) as f:
                meta = json.load(f)
            if meta.get('source') != source:
                return None
            arrays = load_npz(arr_file)
            ann = dict(meta['annotation'], **{k: arrays[k] for k in ARRAY_KEYS})
        except (OSError, ValueError, KeyError, TypeError) as e:
            logger.warning('%s: unreadable saved result (%s); extracting again', meta_file, e)
            return None
        for k in SHAPE_KEYS:
            ann[k] = tuple(ann[k])
        return dict(annotation=ann, report=meta['report'], source=meta['source'])

    def save_result(self, key: str, result: Dict[str, Any]) -> None:
        """Arrays first, then the JSON that marks the video as finished."""
        meta_file, arr_file = self._paths(key)
        ann = result['annotation']
        atomic_npz_dump({k: np.asarray(ann[k]) for k in ARRAY_KEYS}, arr_file)
        fields = {k: (list(v) if isinstance(v, tuple) else v) for k, v in ann.items()
                  if k not in ARRAY_KEYS}
        atomic_json_dump(dict(annotation=fields, report=result['report'],
                              source=result['source']), meta_file)
        self.clear_failure(key)

    # ---- failed videos
    def _failure_file(self, key: str) -> str:
        return os.path.join(self.failed, key + '.json')

    def load_failure(self, key: str) -> Optional[Dict[str, Any]]:
        path = self._failure_file(key)
        if not os.path.exists(path):
            return None
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def save_failure(self, key: str, record: Dict[str, Any]) -> None:
        atomic_json_dump(record, self._failure_file(key))

    def clear_failure(self, key: str) -> None:
        path = self._failure_file(key)
        if os.path.exists(path):
            os.unlink(path)

    def write_report(self, summary: Dict[str, Any], settings: Dict[str, Any],
                     reports: List[Dict[str, Any]]) -> None:
        atomic_json_dump(dict(summary=summary, settings=settings, videos=reports),
                         self.report_file)
