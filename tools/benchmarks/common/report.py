"""One report writer for the benchmark applications: report.json + report.md, written atomically."""
import os
import platform
from pathlib import Path
from typing import Any, List, Mapping, Sequence

import torch

from lrpose_mm.fileio import atomic_json_dump, atomic_text_dump


def machine() -> str:
    """The machine in words (processor, cores, Python, torch threads)."""
    gpu = (f', GPU {torch.cuda.get_device_name(0)}' if torch.cuda.is_available() else '')
    return (f'{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores{gpu}, '
            f'Python {platform.python_version()}, torch {torch.__version__} with '
            f'{torch.get_num_threads()} thread(s)')


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> List[str]:
    """A markdown table as lines."""
    out = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    out += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in rows]
    return out


def write_report(out_dir: Path, lines: Sequence[str], payload: Mapping[str, Any]) -> Path:
    """Write ``report.md`` (``lines``) and ``report.json`` (``payload``); returns report.md."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_json_dump(dict(payload), str(out_dir / 'report.json'))
    path = out_dir / 'report.md'
    atomic_text_dump('\n'.join(lines) + '\n', str(path))
    return path
