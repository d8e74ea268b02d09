"""Action benchmark statistics and report: top-1 per skeleton source with 95% bootstrap intervals
over val clips, paired differences and gap closure (same resamples for every source).

gap closure = (top-1 - top-1 LR-direct) / (top-1 GT - top-1 LR-direct).
"""
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..common import stats
from ..common.report import md_table, write_report

TARGET_GAP_CLOSURE = 0.60  # the project's action target
TARGET_SPEEDUP = 3.0  # the project's speed target (a GPU figure)
SOURCE_LABELS = {'gt': 'ground truth (generator)', 'lr-direct': 'LR-direct',
                 'bicubic': 'bicubic x4', 'pdsr': 'pose-driven SR (PDSR)',
                 'frozen-bicubic': 'bicubic x4 -> frozen HR oracle',
                 'frozen-pdsr': 'PDSR -> frozen HR oracle'}
COMPARISONS = (('pdsr', 'lr-direct'), ('pdsr', 'bicubic'), ('bicubic', 'lr-direct'),
               ('gt', 'lr-direct'), ('frozen-pdsr', 'frozen-bicubic'),
               ('frozen-pdsr', 'lr-direct'))


def clip_matrix(correct: Mapping[str, Sequence[Mapping[str, bool]]]
                ) -> Tuple[List[str], Dict[str, np.ndarray]]:
    """Per-clip top-1 of every source, averaged over its seeds, on the clips all sources share.

    Args:
        correct: ``{source: [{frame_dir: correct} for each seed]}``.
    Returns:
        the clip names and ``{source: (num_clips,) float}``.
    """
    names = None
    for per_seed in correct.values():
        for c in per_seed:
            names = set(c) if names is None else names & set(c)
    names = sorted(names or ())
    mats = {s: np.mean([[c[n] for n in names] for c in per_seed], axis=0).astype(float)
            for s, per_seed in correct.items()}
    return names, mats


def top1_samples(mats: Mapping[str, np.ndarray], n_resamples: int = 1000, seed: int = 0
                 ) -> Dict[str, stats.Bootstrapped]:
    """Top-1 of every source on all clips and on the same resampled clip sets (paired)."""
    n = len(next(iter(mats.values())))
    idx = stats.resample_indices(n, n_resamples, seed)
    return {s: stats.bootstrap(lambda i, v=v: float(v[i].mean()), idx) for s, v in mats.items()}


def intervals(mats: Mapping[str, np.ndarray], n_resamples: int = 1000, seed: int = 0) -> dict:
    """Top-1 intervals, paired differences with verdicts, gap closure intervals."""
    b = top1_samples(mats, n_resamples, seed)
    diffs = {}
    for x, y in COMPARISONS:
        if x in b and y in b:
            iv = (b[x] - b[y]).interval()
            diffs[f'{x} - {y}'] = dict(interval=iv, verdict=stats.verdict(iv))
    gap = {}
    if 'gt' in b and 'lr-direct' in b:
        for s in b:
            if s not in ('gt', 'lr-direct'):
                gap[s] = None if b['gt'].point - b['lr-direct'].point <= 1e-9 else (
                    (b[s] - b['lr-direct']) / (b['gt'] - b['lr-direct'])).interval()
    return dict(num_clips=len(next(iter(mats.values()))),
                top1={s: v.interval() for s, v in b.items()}, differences=diffs, gap_closure=gap)


def targets(iv_by_recognizer: Mapping[str, dict], speedup: Optional[float]) -> List[dict]:
    """The project's action targets, met or missed with the numbers."""
    out = []
    gc = iv_by_recognizer.get('ST-GCN', {}).get('gap_closure', {}).get('pdsr')
    name = 'ST-GCN on PDSR skeletons closes >= 60% of the LR-direct -> GT gap'
    if gc is None:
        out.append(dict(target=name, value=None, met=False,
                        note='undefined: GT top-1 is not above LR-direct top-1 (no gap to close)'))
    else:
        p, lo, hi = gc
        met = p >= TARGET_GAP_CLOSURE
        sure = ('interval above the target' if lo >= TARGET_GAP_CLOSURE else
                'interval below the target' if hi < TARGET_GAP_CLOSURE else
                'interval straddles the target')
        note = ('met' if met else f'MISSED by {TARGET_GAP_CLOSURE - p:.3f}') + f' ({sure})'
        out.append(dict(target=name, value=p, interval=[lo, hi], met=met, note=note))
    met = speedup is not None and speedup >= TARGET_SPEEDUP
    out.append(dict(target='batched extraction >= 3x a per-frame inference_topdown loop (GPU '
                    'figure; on a CPU batching only removes per-call overhead)', value=speedup,
                    met=met, note='met' if met else
                    f'MISSED ({speedup if speedup is not None else float("nan"):.2f}x < 3x)'))
    return out


def _f(v, digits=3) -> str:
    return '–' if v is None else f'{v:.{digits}f}'


def report_lines(rows: List[dict], ivs: Mapping[str, dict], tune: Mapping[str, dict],
                 tp: Mapping[str, float], tgt: List[dict], meta: Mapping[str, object]) -> List[str]:
    """report.md as lines."""
    L = ['# Action benchmark: skeletons from low-resolution video', '', str(meta['data']), '',
         str(meta['protocol']), '']
    body = []
    for r in rows:
        iv = ivs[r['recognizer']]
        gc = iv['gap_closure'].get(r['source'])
        seeds = r['top1_per_seed']
        per_seed = f' (seeds: {", ".join(_f(s) for s in seeds)})' if len(seeds) > 1 else ''
        body.append([r['recognizer'], SOURCE_LABELS[r['source']],
                     stats.fmt_interval(iv['top1'][r['source']]) + per_seed,
                     ('(reference)' if r['source'] in ('gt', 'lr-direct')
                      else stats.fmt_interval(gc)),
                     _f(r['mean_class_acc']),
                     '0 (GT)' if r['source'] == 'gt' else _f(r['kpt_epe_px'], 2),
                     '1 (GT)' if r['source'] == 'gt' else _f(r['kpt_pck'])])
    L += md_table(['recognizer', 'skeletons', 'top-1 [95% CI]', 'gap closure [95% CI]',
                   'mean-class acc', 'kpt error (LR px)', 'PCK@0.1h'], body)
    L += ['', 'Intervals: 95% percentile bootstrap over the val clips (one resample matrix, '
          'per-clip top-1 averaged over the training seeds, '
          f'{meta["n_resamples"]} resamples, the same resamples for every source, so differences '
          'and gap closure are paired). Keypoint error over every frame of every clip against '
          "the generator's GT, in LR video pixels (MMPose's keypoint_epe / keypoint_pck_accuracy, "
          'PCK at 0.1 x the GT keypoint box height).', '', '## Paired differences (val)', '']
    body = [[rec, d, stats.fmt_interval(v['interval']), v['verdict']]
            for rec, iv in ivs.items() for d, v in iv['differences'].items()]
    L += md_table(['recognizer', 'top-1 difference', 'value [95% CI]', 'verdict'], body)
    L += ['', '## Ground truth on the tune split (is the task saturated?)', '']
    L += md_table(['recognizer', 'GT top-1 on tune [95% CI]', 'tune clips'],
                  [[rec, stats.fmt_interval(t['interval']), t['num_clips']]
                   for rec, t in tune.items()])
    L += ['', 'Settings (window length, PoseC3D epochs) are chosen on tune, where GT skeletons '
          'stay below 100%; val is read only by this final evaluation.', '']
    if tp:
        L += ['## Extraction throughput (same crops, one process)', '',
              f'Model {meta["throughput_model"]} (real-LR input {int(tp["input_w"])}x'
              f'{int(tp["input_h"])}), {int(tp["n_crops"])} crops, best of '
              f'{meta["budget"]["throughput_repeats"]}, {int(tp["torch_threads"])} torch '
              'thread(s).',
              '']
        L += md_table(['path', 'crops/s', 'seconds'],
                      [[f'batched (batch {meta["budget"]["extract_batch"]})',
                        f'{tp["batched_crops_per_s"]:.1f}', f'{tp["batched_s"]:.2f}'],
                       ['per-frame inference_topdown', f'{tp["per_frame_crops_per_s"]:.1f}',
                        f'{tp["per_frame_s"]:.2f}']])
        L += ['', f'Speed-up {tp["speedup"]:.2f}x (max keypoint difference between the paths '
              f'{tp["max_abs_keypoint_diff"]:.2g} px).', '']
    L += ['## Targets', '']
    L += md_table(['target', 'value', 'verdict'],
                  [[t['target'], _f(t['value']), t['note']] for t in tgt])
    L += ['', '## Run', '']
    for k in ('command', 'machine', 'pose_checkpoints', 'wall_seconds', 'compute_seconds',
              'reused_stages',
              'stage_seconds', 'budget'):
        L.append(f'- {k}: {meta.get(k)}')
    L += [f'- note: {n}' for n in meta.get('notes', [])]
    return L


def write_action_report(out_dir: Path, rows, ivs, tune, tp, tgt, meta) -> Path:
    payload = dict(rows=rows, intervals=ivs, tune=tune, throughput=dict(tp), targets=tgt,
                   meta=dict(meta))
    return write_report(out_dir, report_lines(rows, ivs, tune, tp, tgt, meta), payload)


def markdown_table(rows: List[dict], ivs: Mapping[str, dict]) -> str:
    """The short console table."""
    body = []
    for r in rows:
        iv = ivs[r['recognizer']]
        body.append([r['recognizer'], r['source'], stats.fmt_interval(iv['top1'][r['source']]),
                     stats.fmt_interval(iv['gap_closure'].get(r['source'])),
                     _f(r['kpt_epe_px'], 2), _f(r['kpt_pck'])])
    return '\n'.join(md_table(['recognizer', 'skeletons', 'top-1 [95% CI]', 'gap closure',
                               'kpt err px', 'PCK'], body))
