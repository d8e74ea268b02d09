"""The pose benchmark's report: tables with intervals, paired differences, targets, chart,
and the prose that states the data and the protocol of a run."""
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib
import numpy as np

from ..common.report import write_report as write_files
from ..common.stats import Bootstrapped, Interval, fmt_interval, verdict
from .schedule import precision_text

LR_KEY, HR_KEY = 'lr-direct', 'hr-oracle'
# the expected accuracy ordering: each pair (better, worse) must be a significant difference
ORDERINGS = [('pdsr', 'two-stage'), ('two-stage', 'bicubic'), ('bicubic', 'lr-direct'),
             ('pdsr', 'lr-direct-simcc'), ('pdsr', 'bicubic'), ('pdsr', 'lr-direct')]
# --frozen-pose rows (SR in front of the frozen oracle): the same ordering within that protocol
FROZEN_ORDERINGS = [('frozen-pdsr', 'frozen-two-stage'), ('frozen-pdsr', 'frozen-bicubic'),
                    ('frozen-two-stage', 'frozen-bicubic')]
TARGETS = dict(oracle_pck=0.85, oracle_ap=0.50, gap_closure=0.70)


def _gap(row: Bootstrapped, lr: Bootstrapped, hr: Bootstrapped) -> Optional[Interval]:
    if hr.point - lr.point <= 1e-9:
        return None  # no gap to close: undefined, never a made-up number
    return ((row - lr) / (hr - lr)).interval()


def table_rows(rows: Dict) -> List[dict]:
    out = []
    lr, hr = rows.get(LR_KEY), rows.get(HR_KEY)
    order = [k for k in rows if k != HR_KEY] + [k for k in rows if k == HR_KEY]  # oracle last
    for key in order:
        r = rows[key]
        m = r.test[0].metrics if r.test else {}
        row = dict(variant=key, label=r.variant.label, AP=r.ap.interval(), PCK=r.pck.interval(),
                   AP50=_mean_metric(r, 'coco/AP .5'), AR=_mean_metric(r, 'coco/AR'),
                   PSNR=m.get('sr/PSNR'), SSIM=m.get('sr/SSIM'),
                   train_seconds=sum(t.seconds for t in r.train), **r.extra)
        if lr is not None and hr is not None:
            row['gap_closure_AP'] = _gap(r.ap, lr.ap, hr.ap)
            row['gap_closure_PCK'] = _gap(r.pck, lr.pck, hr.pck)
        out.append(row)
    return out


def _mean_metric(r, name: str) -> Optional[float]:
    vals = [t.metrics[name] for t in r.test if name in t.metrics]
    return float(np.mean(vals)) if vals else None


def differences(rows: Dict) -> List[dict]:
    out = []
    ablations = [(k, r.variant.of) for k, r in rows.items() if r.variant.of]  # --ablation
    for a, b in ORDERINGS + FROZEN_ORDERINGS + ablations:
        if a in rows and b in rows:
            d_ap = (rows[a].ap - rows[b].ap).interval()
            d_pck = (rows[a].pck - rows[b].pck).interval()
            out.append(dict(better=a, worse=b, dAP=d_ap, AP_verdict=verdict(d_ap), dPCK=d_pck,
                            PCK_verdict=verdict(d_pck)))
    return out


def targets(rows: Dict, table: List[dict], diffs: List[dict]) -> List[Tuple[str, str]]:
    """(target, outcome) lines; a miss says by how much."""
    out = []
    if HR_KEY in rows:
        for name, key, tgt in (('HR oracle PCK@0.1', 'pck', 'oracle_pck'),
                               ('HR oracle AP', 'ap', 'oracle_ap')):
            p, lo, hi = getattr(rows[HR_KEY], key).interval()
            goal = TARGETS[tgt]
            out.append((f'{name} >= {goal:.2f}',
                        f'{"met" if p >= goal else f"missed by {goal - p:.3f}"} '
                        f'({p:.3f} [{lo:.3f}, {hi:.3f}])'))
    for d in diffs:
        out.append((f'{d["better"]} above {d["worse"]} (AP)', f'{d["AP_verdict"]} '
                    f'({fmt_interval(d["dAP"])})'))
    pdsr = next((t for t in table if t['variant'] == 'pdsr'), None)
    if pdsr is not None and pdsr.get('gap_closure_AP') is not None:
        p, lo, hi = pdsr['gap_closure_AP']
        goal = TARGETS['gap_closure']
        out.append((f'PDSR gap closure (AP) >= {goal:.2f}',
                    f'{"met" if p >= goal else f"missed by {goal - p:.2f}"} '
                    f'({p:.2f} [{lo:.2f}, {hi:.2f}])'))
    return out


def _f(v, digits=3) -> str:
    if v is None:
        return '–'
    if isinstance(v, tuple):
        return fmt_interval(v, digits)
    if isinstance(v, float):
        return f'{v:.{digits}f}'
    return str(v)


def markdown_table(table: List[dict]) -> str:
    cols = [('variant', 'label', 3), ('AP [95% CI]', 'AP', 3), ('PCK@0.1 [95% CI]', 'PCK', 3),
            ('AP50', 'AP50', 3), ('AR', 'AR', 3), ('PSNR', 'PSNR', 2), ('SSIM', 'SSIM', 3),
            ('params (M)', 'params_M', 3), ('GFLOPs', 'gflops', 3), ('SR GFLOPs', 'sr_gflops', 3),
            ('CPU img/s', 'cpu_img_per_s', 1), ('gap closure AP', 'gap_closure_AP', 2),
            ('gap closure PCK', 'gap_closure_PCK', 2), ('train s', 'train_seconds', 0)]
    lines = ['| ' + ' | '.join(c[0] for c in cols) + ' |', '|' + '---|' * len(cols)]
    for r in table:
        lines.append('| ' + ' | '.join(_f(r.get(k), d) for _, k, d in cols) + ' |')
    return '\n'.join(lines)


def difference_table(diffs: List[dict]) -> str:
    lines = ['| comparison | ΔAP [95% CI] | AP | ΔPCK@0.1 [95% CI] | PCK |',
             '|---|---|---|---|---|']
    for d in diffs:
        lines.append(f'| {d["better"]} − {d["worse"]} | {fmt_interval(d["dAP"])} | '
                     f'{d["AP_verdict"]} | {fmt_interval(d["dPCK"])} | {d["PCK_verdict"]} |')
    return '\n'.join(lines)


def bar_chart(table: List[dict], path: Path) -> None:
    """AP and PCK@0.1 per variant with 95% interval error bars."""
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # after choosing the backend
    x = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(1.6 * len(table) + 2, 4))
    for off, key, color in ((-0.2, 'AP', '#3b6fb6'), (0.2, 'PCK', '#e39b3a')):
        p = np.array([r[key][0] for r in table])
        err = np.array([[r[key][0] - r[key][1], r[key][2] - r[key][0]] for r in table]).T
        ax.bar(x + off, p, 0.4, yerr=err, capsize=3, label=key if key == 'AP' else 'PCK@0.1',
               color=color)
        for xi, v in zip(x, p):
            ax.text(xi + off, v + 0.02, f'{v:.2f}', ha='center', fontsize=7)
    ax.set_xticks(x, [r['label'] for r in table], rotation=15, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel('val (95% bootstrap interval)')
    ax.legend()
    ax.set_title('Low-resolution pose: accuracy per variant')
    fig.tight_layout()
    tmp = str(path) + '.tmp.png'
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def learner_section(learner: Optional[dict]) -> List[str]:
    """What holds the HR oracle back: per-joint PCK, left/right collapse, AP vs precision."""
    if not learner or HR_KEY not in learner:
        return []
    hr = learner[HR_KEY]
    md = ['## What limits the learner (HR oracle on this split)', '',
          '| pair | people | collapsed L=R | swapped | PCK left | PCK right |',
          '|---|---|---|---|---|---|']
    pck = hr['per_joint_pck']
    for name, v in hr['left_right'].items():
        md.append(f"| {name} | {v['people']} | {v['collapse']:.3f} | {v['swap']:.3f} | "
                  f"{pck['left_' + name]:.3f} | {pck['right_' + name]:.3f} |")
    head = ', '.join(f'{k} {pck[k]:.2f}' for k in ('nose', 'left_eye', 'right_eye', 'left_ear',
                                                  'right_ear'))
    noisy = ', '.join(f'{100 * k:.0f}% -> AP {v:.2f}' for k, v in learner['noisy_gt_ap'].items())
    md += ['', f'Head keypoints: {head}. Collapsed = both predictions of a pair within 5% of the '
           'box size of each other (the network does not know which side is which); swapped = '
           'the predictions fit the exchanged labels clearly better.', '',
           f'Precision that AP asks for here: the ground truth itself with Gaussian noise of x% '
           f'of the box size per coordinate gets {noisy}.', '']
    return md


def data_text(splits: Dict[str, dict], seed: int) -> str:
    """The data of a run in words (``splits``: the generator's per-split counts)."""
    return (f'procedural people, seed {seed}: '
            + ', '.join(f'{k} {v["num_people"]} people in {v["num_images"]} images'
                        for k, v in splits.items())
            + '; HR crops 128x96, LR 32x24 (x4)')


def protocol_text(meta: dict) -> str:
    """The protocol of a run in words, from the facts :class:`~.job.PoseRun` holds."""
    b, row_lr, precision = meta['budget'], meta.get('row_lr'), meta.get('precision_probe')
    hr_checkpoint, split = meta.get('hr_checkpoint'), meta['split']
    return ((f'HR oracle: the given checkpoint {hr_checkpoint}; every other '
             if hr_checkpoint else
             f'HR oracle trained {b["hr_iters"]} iterations from scratch; every other ')
            + f'row starts from it and trains {b["ft_iters"]} iterations '
            f'(batch {b["batch_size"]}, {b["ft_seeds"]} seed(s), the row is their '
            'mean; learning rate '
            + (', '.join(f'{k} {v:g}' for k, v in row_lr.items())
               + ' (chosen on tune), the others their config\'s' if row_lr
               else 'of each config')
            + '); same data, LR images, backbone and step count; '
            + ('training under bfloat16 autocast (BF16AutocastOptimWrapper) '
               if b['amp'] else 'training in float32 ')
            + ('with channels-last convolutions (ChannelsLastHook)'
               if b['channels_last'] else '')
            + (f' (the fastest here: one training step {precision_text(precision)}); '
               if precision else '; ')
            + f'evaluated (float32) on {split} with flip test; intervals: '
            f'{b["n_resamples"]} bootstrap resamples of {split} images, percentile 95%, '
            'paired across rows')


def write_report(out_dir: Path, rows: Dict, meta: dict, extra: Sequence[str] = ()) -> dict:
    """report.md, report.json and bar_chart.png in ``out_dir``; returns the JSON dict.

    ``rows`` and ``meta`` are a :class:`~.job.PoseRun`'s; ``extra``: markdown lines of
    further sections (e.g. the mixed-size job's summary), placed before the picture grid."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = dict(meta, data=data_text(meta['data_splits'], meta['budget']['seed']),
                protocol=protocol_text(meta))
    table = table_rows(rows)
    diffs = differences(rows)
    tgt = targets(rows, table, diffs)
    bar_chart(table, out_dir / 'bar_chart.png')
    reused = meta.get('reused_stages') or []
    md = ['# lrpose_mm low-resolution pose benchmark', '',
          f'Data: {meta["data"]}  ', f'Protocol: {meta["protocol"]}  ',
          f'Machine: {meta["machine"]}; wall time {meta["wall_seconds"] / 60:.1f} min '
          f'({meta.get("seconds_per_hr_iter") or 0:.2f} s per HR training iteration, schedule '
          f'x{meta.get("time_factor", 1.0):.2f} of the budget)  ',
          f'Command: `{meta["command"]}`  ',
          f'Reused stages (settings unchanged): {", ".join(reused) if reused else "none"}', '',
          markdown_table(table), '', '## Paired differences (same bootstrap resamples)', '',
          difference_table(diffs), '', '## Targets', '',
          '| target | outcome |', '|---|---|', *[f'| {a} | {b} |' for a, b in tgt], '',
          'Gap closure = (x − LR-direct) / (HR oracle − LR-direct), with the interval of the '
          'ratio over the same resamples. GFLOPs/params from mmengine.analysis at the input '
          'size; CPU img/s timed side by side in one run.', '',
          '![AP and PCK per variant](bar_chart.png)', '']
    md += learner_section(meta.get('learner'))
    md += lr_section(meta.get('chosen_lr'))
    md += list(extra)
    if meta.get('grid'):
        md += [f'{meta.get("split", "val").capitalize()} people where PDSR and bicubic differ '
               'most (top: PDSR better, bottom: PDSR '
               'worse); error = mean keypoint distance in % of the box.', '',
               '![PDSR vs bicubic](grid.png)', '']
    report = dict(meta=meta, rows=table, differences=diffs, targets=tgt)
    write_files(out_dir, md, report)
    return report


def lr_section(chosen: Optional[dict]) -> List[str]:
    """The learning rate of each fine-tuned row chosen on this (tune) split."""
    if not chosen:
        return []
    md = ['## Learning rates chosen on this split (`chosen_lr.json`, for `--row-lr`)', '',
          '| row | candidate lr: AP [95% CI] / PCK@0.1 | chosen |', '|---|---|---|']
    for key, entry in chosen.items():
        cands = '; '.join(f'{lr}: {fmt_interval(c["AP"])} / {c["PCK"][0]:.3f}'
                          for lr, c in entry['candidates'].items())
        md.append(f'| {key} | {cands} | {entry["lr"]:g} |')
    return md + ['', 'Chosen by the highest AP (PCK@0.1 breaks ties).', '']
