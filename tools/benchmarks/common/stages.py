"""One stage runner for both benchmarks: in-process mmengine Runners, settings-checked reuse.

A stage (one training, or one evaluation) runs in ``<work_dir>/<name>/<key>/`` where
``key`` hashes everything that determines its result: the full resolved config text
(model, data, schedule, seed, ``load_from``) plus the keys of its inputs (the dataset's
generation settings, the parent stage). A rerun reuses a finished stage only when its
key is unchanged; a changed setting gets a new folder (nothing is deleted), and an
interrupted training resumes from its last checkpoint. Progress comes from an mmengine
hook, not from the log text.
"""
import contextlib
import copy
import functools
import gc
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

from mmengine.config import Config
from mmengine.runner import Runner

from lrpose_mm.fileio import atomic_json_dump, file_sha256

from .progress import TqdmProgressHook


def settings_key(cfg: Config, inputs: Optional[Mapping[str, object]] = None) -> str:
    """Hash of the resolved config and the keys of the stage's inputs."""
    text = cfg.pretty_text + '\n' + json.dumps(inputs or {}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


def file_digest(path: str) -> str:
    """sha256 of a file's content: a retrained checkpoint under the same name differs."""
    return file_sha256(path)


@dataclass
class StageRecord:
    """What a finished stage left behind (``stage.json``)."""
    name: str
    key: str
    work_dir: str
    seconds: float
    checkpoint: Optional[str] = None
    metrics: Dict[str, float] = field(default_factory=dict)
    files: Dict[str, str] = field(default_factory=dict)
    reused: bool = False


@functools.lru_cache(maxsize=1)
def _quiet_stream():
    """One sink for mmengine's console handlers, open for the process's lifetime (a handler
    keeps writing to the stream it was created with)."""
    return open(os.devnull, 'w')


def _fill_stage_dir(value, stage_dir: str):
    """Replace ``{stage_dir}`` in every string of a (nested) config value."""
    if isinstance(value, str):
        return value.replace('{stage_dir}', stage_dir)
    if isinstance(value, (list, tuple)):
        return [_fill_stage_dir(v, stage_dir) for v in value]
    if isinstance(value, dict):
        return {k: _fill_stage_dir(v, stage_dir) for k, v in value.items()}
    return value


class StageRunner:
    """Trains and tests configs in-process, reusing stages whose settings are unchanged."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = Path(work_dir)
        self.log: List[StageRecord] = []

    def _stage_dir(self, name: str, key: str) -> Path:
        return self.work_dir / name / key

    def _finished(self, name: str, key: str) -> Optional[StageRecord]:
        marker = self._stage_dir(name, key) / 'stage.json'
        if not marker.is_file():
            return None
        rec = StageRecord(**json.loads(marker.read_text()))
        if rec.key != key:
            return None
        rec.reused = True
        return rec

    def _record(self, rec: StageRecord) -> StageRecord:
        if not rec.reused:
            atomic_json_dump(asdict(rec), str(Path(rec.work_dir) / 'stage.json'))
        self.log.append(rec)
        return rec

    @staticmethod
    def _build_runner(cfg: Config, desc: str):

        # mmengine's console handler binds sys.stdout when the Runner creates it: built with
        # stdout silenced, the log (config dump, losses) goes to the stage's log file only
        # and the console shows the progress bar
        with contextlib.redirect_stdout(_quiet_stream()):
            runner = Runner.from_cfg(cfg)
        runner.register_hook(TqdmProgressHook(desc))
        return runner

    def _open(self, name: str, cfg: Config, inputs: Optional[Mapping[str, object]]):
        """(a copy of ``cfg`` run in its stage folder, settings key, folder, the finished
        record or None). The copy's evaluation writes into the stage folder, so the config
        saved there is a complete one (``tools/test.py CONFIG CKPT``)."""
        cfg = copy.deepcopy(cfg)
        key = settings_key(cfg, inputs)
        done = self._finished(name, key)
        if done is not None:
            return cfg, key, None, self._record(done)
        wd = self._stage_dir(name, key)
        wd.mkdir(parents=True, exist_ok=True)
        cfg.test_evaluator = _fill_stage_dir(cfg.test_evaluator, str(wd))
        cfg.work_dir = str(wd)
        return cfg, key, wd, None

    def train(self, name: str, cfg: Config, inputs: Optional[Mapping[str, object]] = None
              ) -> StageRecord:
        """Train ``cfg`` (reused or resumed by settings key); the record names the checkpoint."""
        cfg, key, wd, done = self._open(name, cfg, inputs)
        if done is not None:
            return done
        last = wd / 'last_checkpoint'
        if last.is_file():  # interrupted: resume (load_from points at our own checkpoint)
            cfg.resume = True
            cfg.load_from = last.read_text().strip()
        t0 = time.time()
        runner = self._build_runner(cfg, name)
        runner.train()
        del runner
        gc.collect()
        ckpt = last.read_text().strip()
        return self._record(StageRecord(name=name, key=key, work_dir=str(wd),
                                        seconds=round(time.time() - t0, 1), checkpoint=ckpt))

    def test(self, name: str, cfg: Config, checkpoint: str,
             inputs: Optional[Mapping[str, object]] = None,
             files: Optional[Mapping[str, str]] = None) -> StageRecord:
        """Evaluate ``checkpoint`` with ``cfg``'s test loop; ``files`` names the dumps it writes
        (relative to the stage folder, which replaces ``{stage_dir}`` in the config)."""
        cfg, key, wd, done = self._open(name, cfg, dict(inputs or {}, checkpoint=checkpoint))
        if done is not None:
            return done
        cfg.load_from = checkpoint
        cfg.resume = False
        t0 = time.time()
        runner = self._build_runner(cfg, name)
        with contextlib.redirect_stdout(_quiet_stream()):
            metrics = runner.test()  # pycocotools prints its tables to stdout
        del runner
        gc.collect()
        return self._record(StageRecord(
            name=name, key=key, work_dir=str(wd), seconds=round(time.time() - t0, 1),
            checkpoint=checkpoint, metrics={k: float(v) for k, v in metrics.items()},
            files={k: str(wd / v) for k, v in (files or {}).items()}))

    def compute(self, name: str, settings: Mapping[str, object],
                fn: Callable[[Path], Mapping[str, Mapping]]) -> StageRecord:
        """A stage that is not an mmengine Runner (data preparation, extraction, timing).

        Runs ``fn(stage_dir)`` unless a finished stage with the same ``settings`` (JSON-able:
        everything that determines the result) exists; ``fn`` returns
        ``dict(metrics={name: float}, files={name: path})`` for the record.
        """
        text = json.dumps(dict(settings), sort_keys=True, default=str)
        key = hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]
        done = self._finished(name, key)
        if done is not None:
            return self._record(done)
        wd = self._stage_dir(name, key)
        wd.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        out = fn(wd)
        return self._record(StageRecord(
            name=name, key=key, work_dir=str(wd), seconds=round(time.time() - t0, 1),
            metrics={k: float(v) for k, v in (out.get('metrics') or {}).items()},
            files={k: str(v) for k, v in (out.get('files') or {}).items()}))

    def reused(self) -> List[str]:
        return [r.name for r in self.log if r.reused]
