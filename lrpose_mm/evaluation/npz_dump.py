"""The base of the dump metrics: per-sample records saved as one ``.npz`` (no pickle)."""
from typing import Dict, Optional

import numpy as np
from mmengine.evaluator import BaseMetric

from ..fileio import atomic_npz_dump


class NpzDumpMetric(BaseMetric):
    """Collects one dict of arrays per sample in ``process`` (subclasses) and writes them
    stacked to ``out_file`` atomically; returns no metric of its own. Read back with
    ``lrpose_mm.fileio.load_npz`` (``allow_pickle=False``: a dump never runs code)."""

    default_prefix = 'dump'

    def __init__(self, out_file: str, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file = out_file

    def compute_metrics(self, results: list) -> Dict[str, float]:
        atomic_npz_dump({k: np.stack([np.asarray(r[k]) for r in results]) for k in results[0]},
                        self.out_file)
        return {}

