"""Run training/testing stages through the project's real tools, resumably, with progress bars."""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from tqdm import tqdm

from ..fileio import atomic_json_dump

ROOT = Path(__file__).resolve().parents[2]
_ITER_RE = re.compile(r'Iter\(train\)\s*\[\s*(\d+)\s*/\s*(\d+)\]')
_TEST_RE = re.compile(r'(?:Iter|Epoch)\(test\)\s*\[\s*(\d+)\s*/\s*(\d+)\]')


def _cli_options(cfg_options: Optional[Mapping[str, object]]) -> List[str]:
    """``--cfg-options k=v ...`` arguments for tools/train.py and tools/test.py."""
    if not cfg_options:
        return []
    return ['--cfg-options', *(f'{k}={v}' for k, v in cfg_options.items())]


class StageRunner:
    """Runs `tools/train.py` / `tools/test.py` as subprocesses with tqdm progress.

    Every finished stage leaves ``<work_dir>/<name>/done.json``; a rerun skips it.
    An interrupted training stage resumes from its last checkpoint.
    """

    def __init__(self, work_dir: Path, python: str = sys.executable, threads: int = None) -> None:
        threads = threads or int(os.environ.get('LRPOSE_THREADS', '2'))
        self.work_dir = Path(work_dir)
        self.python = python
        self.env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
                        OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))

    def stage_dir(self, name: str) -> Path:
        d = self.work_dir / name
        d.mkdir(parents=True, exist_ok=True)
        return d

    def done(self, name: str) -> Optional[dict]:
        marker = self.work_dir / name / 'done.json'
        return json.loads(marker.read_text()) if marker.is_file() else None

    def _run(self, args: List[str], desc: str, log_file: Path, pattern: re.Pattern) -> float:
        """Run a tool, stream its log to ``log_file`` and a progress bar; return seconds."""
        t0 = time.time()
        bar = None  # created at the first progress line, so the rate and ETA start right
        tail: List[str] = []
        with open(log_file, 'a') as log:
            proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, bufsize=1)
            for line in proc.stdout:
                log.write(line)
                tail = (tail + [line])[-40:]
                m = pattern.search(line)
                if m:
                    cur, total = int(m.group(1)), int(m.group(2))
                    if bar is None or bar.total != total:
                        if bar is not None:
                            bar.close()
                        bar = tqdm(total=total, initial=cur, desc=desc, unit='it', dynamic_ncols=True)
                    else:
                        bar.update(cur - bar.n)
            rc = proc.wait()
        if bar is not None:
            bar.close()
        if rc != 0:
            raise RuntimeError(f'{desc} failed (exit {rc}); log: {log_file}\n' + ''.join(tail[-25:]))
        return time.time() - t0

    def train(self, name: str, config: Path, cfg_options: Mapping[str, object] = None) -> dict:
        """Train ``config`` into ``<work_dir>/<name>`` (skipped when done, resumed when interrupted)."""
        prev = self.done(name)
        if prev is not None:
            tqdm.write(f'[skip] {name}: trained already ({prev["checkpoint"]})')
            return prev
        wd = self.stage_dir(name)
        args = [self.python, 'tools/train.py', str(config), '--work-dir', str(wd)]
        if (wd / 'last_checkpoint').is_file():
            args.append('--resume')
        args += _cli_options(cfg_options)
        seconds = self._run(args, f'train {name}', wd / 'stage.log', _ITER_RE)
        ckpt = (wd / 'last_checkpoint').read_text().strip()
        info = dict(checkpoint=ckpt, config=str(config), train_seconds=round(seconds, 1),
                    cfg_options=dict(cfg_options or {}))
        atomic_json_dump(info, str(wd / 'done.json'))
        return info

    def test(self, name: str, config: Path, checkpoint: str,
             cfg_options: Mapping[str, object] = None) -> Dict:
        """Evaluate a checkpoint with tools/test.py; returns the metrics dict (cached)."""
        wd = self.stage_dir(name)
        out = wd / 'metrics.json'
        if out.is_file():
            return json.loads(out.read_text())
        args = [self.python, 'tools/test.py', str(config), checkpoint, '--work-dir', str(wd / 'test'),
                '--out', str(out)]
        args += _cli_options(cfg_options)
        self._run(args, f'test  {name}', wd / 'test.log', _TEST_RE)
        return json.loads(out.read_text())
