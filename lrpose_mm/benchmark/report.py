"""Benchmark report: Markdown + JSON tables, gap closure and a bar chart."""
import os
from pathlib import Path
from typing import Dict, List, Optional

from ..fileio import atomic_json_dump, atomic_text_dump

COLUMNS = [('AP', 'coco/AP'), ('AP50', 'coco/AP .5'), ('AP75', 'coco/AP .75'), ('AR', 'coco/AR'),
           ('PCK@0.1', 'pck0.1/PCK')]


def gap_closure(ap: float, ap_lr: float, ap_hr: float) -> Optional[float]:
    """(AP - AP_LR-direct) / (AP_HR - AP_LR-direct); None when the gap is not positive."""
    gap = ap_hr - ap_lr
    if gap <= 1e-9:
        return None
    return (ap - ap_lr) / gap


def build_rows(results: Dict[str, dict], lr_key: str, hr_key: str) -> List[dict]:
    """One row per variant with accuracy, SR quality, cost and gap closure."""
    ap_lr = results[lr_key]['metrics']['coco/AP']
    ap_hr = results[hr_key]['metrics']['coco/AP']
    rows = []
    for key, res in results.items():
        m = res['metrics']
        row = dict(variant=key, label=res.get('label', key))
        for col, name in COLUMNS:
            row[col] = m.get(name)
        row['PSNR'] = m.get('sr/PSNR')
        row['SSIM'] = m.get('sr/SSIM')
        row['PSNR_Y'] = m.get('sr/PSNR_Y')
        row.update({k: res.get(k) for k in ('params_M', 'gflops', 'sr_gflops', 'cpu_img_per_s',
                                             'train_seconds', 'train_iters')})
        row['gap_closure'] = gap_closure(m['coco/AP'], ap_lr, ap_hr)
        pck = [results[k]['metrics'].get('pck0.1/PCK') for k in (key, lr_key, hr_key)]
        row['gap_closure_pck'] = gap_closure(*pck) if None not in pck else None
        rows.append(row)
    return rows


def _fmt(v, digits=3) -> str:
    if v is None:
        return '–'
    if isinstance(v, float):
        return f'{v:.{digits}f}'
    return str(v)


def markdown_table(rows: List[dict]) -> str:
    head = ['variant', 'AP', 'AP50', 'AP75', 'AR', 'PCK@0.1', 'PSNR', 'SSIM', 'params (M)', 'GFLOPs',
            'CPU img/s', 'gap closure (AP)', 'gap closure (PCK)']
    keys = ['label', 'AP', 'AP50', 'AP75', 'AR', 'PCK@0.1', 'PSNR', 'SSIM', 'params_M', 'gflops',
            'cpu_img_per_s', 'gap_closure', 'gap_closure_pck']
    digits = dict(PSNR=2, SSIM=3, params_M=3, gflops=3, cpu_img_per_s=1, gap_closure=2,
                  gap_closure_pck=2)
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        lines.append('| ' + ' | '.join(_fmt(r[k], digits.get(k, 3)) for k in keys) + ' |')
    return '\n'.join(lines)


def bar_chart(rows: List[dict], path: Path) -> None:
    """AP (and AP50) per variant as a PNG bar chart."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    labels = [r['label'] for r in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(1.6 * len(rows) + 2, 4))
    ap = [r['AP'] or 0 for r in rows]
    ap50 = [r['AP50'] or 0 for r in rows]
    ax.bar(x - 0.2, ap, 0.4, label='AP', color='#3b6fb6')
    ax.bar(x + 0.2, ap50, 0.4, label='AP50', color='#9cc0e8')
    for xi, v in zip(x, ap):
        ax.text(xi - 0.2, v + 0.01, f'{v:.3f}', ha='center', fontsize=8)
    ax.set_xticks(x, labels, rotation=15, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel('COCO keypoint AP (val)')
    ax.legend()
    ax.set_title('Low-resolution pose: accuracy per variant')
    fig.tight_layout()
    tmp = path.with_suffix('.tmp.png')
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def write_report(out_dir: Path, rows: List[dict], meta: dict, extra_md: str = '') -> Path:
    """Write report.md, report.json and bar_chart.png into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    bar_chart(rows, out_dir / 'bar_chart.png')
    md = ['# lrpose_mm low-resolution pose benchmark', '',
          f"Data: {meta.get('data')}  ", f"Protocol: {meta.get('protocol')}  ",
          f"Machine: {meta.get('machine')}  ", f"Command: `{meta.get('command')}`", '',
          markdown_table(rows), '',
          'Gap closure = (AP - AP_LR-direct) / (AP_HR - AP_LR-direct), and the same with PCK@0.1 '
          '(keypoints within 0.1 x the box size). GFLOPs and params from '
          'mmengine.analysis at the benchmark input size; CPU img/s measured side by side in one run.',
          '', '![AP per variant](bar_chart.png)', '', '![LR | bicubic | two-stage | PDSR | HR](grid.png)',
          '', extra_md]
    atomic_text_dump('\n'.join(md), str(out_dir / 'report.md'))
    atomic_json_dump(dict(meta=meta, rows=rows), str(out_dir / 'report.json'))
    return out_dir / 'report.md'
