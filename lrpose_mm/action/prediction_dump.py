"""A metric that keeps every test clip's class scores, for per-clip bootstrap intervals.

MMAction2's ``AccMetric`` gives one top-1 for the whole split; paired intervals need to know
which clip each source got right. This metric records, in the same test run, what
``AccMetric`` reads (``pred_score``, ``gt_label``) and the clip's ``frame_dir`` (add it to
``PackActionInputs.meta_keys``), and writes them to an ``.npz`` (no pickle).

It lives in MMAction2's metric registry, so ``import lrpose_mm`` does not load it (nor MMAction2):
a config that uses it imports it, ``custom_imports=dict(imports=['lrpose_mm',
'lrpose_mm.action.prediction_dump'])``.
"""
from typing import Dict, Sequence

import numpy as np
from mmaction.registry import METRICS

from ..evaluation import NpzDumpMetric
from ..fileio import load_npz


@METRICS.register_module()
class ActionPredictionDump(NpzDumpMetric):
    """Writes ``out_file`` (.npz): score (N, C), label (N,), frame_dir (N,) str.

    Returns no metric of its own.
    """

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for ds in data_samples:
            if 'frame_dir' not in ds:
                raise KeyError('ActionPredictionDump needs frame_dir in the data sample: add it '
                               'to PackActionInputs(meta_keys=...) of the test pipeline')
            self.results.append(dict(
                score=np.asarray(ds['pred_score'].cpu(), np.float32),
                label=int(np.asarray(ds['gt_label'].cpu()).reshape(-1)[0]),
                frame_dir=str(ds['frame_dir'])))


def load_predictions(path: str) -> Dict[str, np.ndarray]:
    """Read a dump written by :class:`ActionPredictionDump` (never unpickles)."""
    return load_npz(path)


def correct_by_clip(path: str) -> Dict[str, bool]:
    """``{frame_dir: top-1 correct}`` of one dump."""
    d = load_predictions(path)
    hit = d['score'].argmax(1) == d['label']
    return {str(n): bool(h) for n, h in zip(d['frame_dir'], hit)}
