"""The mixed-size / real-LR report: per-bucket tables with intervals, paired differences,
the adaptive target (met or missed, by how much), real vs simulated LR."""
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..common.report import write_report as write_files
from ..common.stats import fmt_interval, verdict
from .evaluate import SIZE_BUCKETS

LABELS = {'never-sr': 'never-SR ({ckpt} ckpt, direct path: crop at 128x96)',
          'always-sr': 'always-SR ({ckpt} ckpt, LR crop 32x24 -> SR neck)',
          'adaptive': 'adaptive (AdaptiveTopdownAffine, {ckpt} ckpt)',
          'always-x2': 'always-x2 ({ckpt} ckpt + x2 neck, LR crop 64x48 -> x2 neck)',
          'adaptive-3': 'three-path adaptive ({ckpt} ckpt + x2 neck: x4 / x2 / direct)',
          'always-x1': 'always-x1 ({ckpt} ckpt + x1 neck, crop 128x96 -> x1 neck)',
          'adaptive-4': 'four-path adaptive ({ckpt} ckpt + x2 and x1 necks: x4 / x2 / x1 / '
                        'direct)',
          'hr-oracle': 'HR oracle, plain resizing (reference)'}
PAIRS = (('adaptive', 'never-sr'), ('adaptive', 'always-sr'), ('adaptive-3', 'never-sr'),
         ('adaptive-3', 'always-sr'), ('adaptive-3', 'adaptive'), ('adaptive-4', 'never-sr'),
         ('adaptive-4', 'always-sr'), ('adaptive-4', 'adaptive'), ('adaptive-4', 'adaptive-3'),
         ('always-x1', 'never-sr'))


def _buckets(rows: Dict) -> List[str]:
    return ['all'] + [b for b, _, _ in SIZE_BUCKETS]


def sizes_section(rows: Dict, data: dict, threshold: float, tuning: Optional[dict] = None,
                  model: str = 'pdsr', title: str = '', short: str = 'PDSR',
                  three: Optional[dict] = None) -> dict:
    """Table, paired differences and the target check of the mixed-size evaluation of the
    checkpoint of ``checkpoints.json`` row ``model`` (``title`` heads its report section,
    ``short`` names it in the row labels); ``three``: the three-path record (thresholds,
    tuning; the four-path one under ``four_path``) when its rows are in ``rows``."""
    buckets = _buckets(rows)
    table = []
    for key, r in rows.items():
        table.append(dict(row=key, label=LABELS.get(key, key).format(ckpt=short),
                          sr_share=r.sr_share,
                          sr_share_by_bucket=r.sr_share_by_bucket,
                          route_share=r.route_share,
                          people={b: r.people.get(b, 0) for b in buckets},
                          AP={b: r.ap[b].interval() if b in r.ap else None for b in buckets},
                          PCK={b: r.pck[b].interval() if b in r.pck else None for b in buckets}))
    diffs = []
    for a, b in (p for p in PAIRS if p[0] in rows and p[1] in rows):
        for bk in buckets:
            for m in ('ap', 'pck'):
                x, y = getattr(rows[a], m), getattr(rows[b], m)
                if bk in x and bk in y:
                    d = (x[bk] - y[bk]).interval()
                    diffs.append(dict(better=a, worse=b, bucket=bk, metric=m.upper(), diff=d,
                                      verdict=verdict(d)))
    target = []
    for metric in ('AP', 'PCK'):  # the target is on AP; PCK@0.1 is judged alike, for reference
        for bk in buckets:
            vals = {k: getattr(rows[k], metric.lower())[bk].point
                    for k in ('adaptive', 'never-sr', 'always-sr')
                    if bk in getattr(rows[k], metric.lower())}
            if len(vals) < 3:
                continue
            margin = vals['adaptive'] - max(vals['never-sr'], vals['always-sr'])
            verdicts = {d['worse']: d['verdict'] for d in diffs if d['better'] == 'adaptive'
                        and d['bucket'] == bk and d['metric'] == metric}
            if bk == 'all':  # better than both: both paired differences significant
                met = all(verdicts.get(k) == 'significant' for k in ('never-sr', 'always-sr'))
                rule = 'adaptive significantly above both'
            else:  # at least the better of the two: neither paired difference reversed
                met = all(verdicts.get(k) != 'reversed' for k in ('never-sr', 'always-sr'))
                rule = 'adaptive not significantly below either'
            target.append(dict(bucket=bk, metric=metric, rule=rule, met=bool(met),
                               margin=margin, verdicts=verdicts))
    return dict(
        model=model, title=title, three_path=three,
        target_three_path=three_path_targets(diffs, buckets) if three else None,
        target_four_path=(three_path_targets(diffs, buckets, 'adaptive-4', 'four-path')
                          if three and three.get('four_path') else None),
        data=(f'{data["num_images"]} procedural images (own split, rendered at '
              'people 128-320 px tall, each whole image shrunk by its own factor: people '
              f'about 20-300 px), {data["num_people"]} people, GT boxes, CocoMetric on the '
              'full images'),
        threshold=threshold, tuning=tuning, buckets=buckets, table=table, differences=diffs,
        target=target)


def three_path_targets(diffs: List[dict], buckets: List[str], row: str = 'adaptive-3',
                       name: str = 'three-path') -> List[dict]:
    """The scale-aware targets on paired AP of ``row`` (the three-path row, or the four-path
    one): above never-SR in the 48-96 px bucket and above the two-path adaptive overall
    (both significant), below neither never-SR nor always-SR in any bucket (no reversed
    difference)."""
    def difference(worse: str, bucket: str) -> dict:
        """The paired AP difference ``row`` − ``worse`` in ``bucket`` ({} if absent)."""
        return next((d for d in diffs if d['better'] == row and d['worse'] == worse
                     and d['bucket'] == bucket and d['metric'] == 'AP'), {})

    def verdict_of(worse: str, bucket: str) -> Optional[str]:
        return difference(worse, bucket).get('verdict')

    def diff_of(worse: str, bucket: str):
        return difference(worse, bucket).get('diff')

    out = [dict(rule=f'{name} significantly above never-SR in 48-96 px',
                met=verdict_of('never-sr', '48-96') == 'significant',
                diff=diff_of('never-sr', '48-96')),
           dict(rule=f'{name} significantly above two-path adaptive overall',
                met=verdict_of('adaptive', 'all') == 'significant',
                diff=diff_of('adaptive', 'all'))]
    for bk in buckets:
        for other in ('never-sr', 'always-sr'):
            out.append(dict(rule=f'{name} not significantly below {other} in {bk}',
                            met=verdict_of(other, bk) != 'reversed', diff=diff_of(other, bk)))
    return out


def real_lr_section(pairs: Dict[str, Tuple], factor: int,
                    input_gap: Optional[dict] = None,
                    camera_rows: Optional[Dict[str, str]] = None,
                    by_size: Optional[Dict[str, dict]] = None,
                    crop_filled: Optional[Dict[str, dict]] = None) -> dict:
    """Simulated vs real LR per model, with the paired difference real - simulated and the
    target per row (not significantly below, or above -0.005 AP); a row trained on camera LR
    too (``camera_rows``: {row: the simulated-only row it mirrors}) is also compared with
    that row on simulated LR (not significantly lower); ``by_size``: {row: real − simulated
    PCK per LR person-height bucket} (:func:`~.evaluate.pck_gap_by_size`); ``crop_filled``:
    {row: real − simulated AP of the people whose real crop region fills the LR crop}
    (:func:`~.evaluate.ap_gap_crop_filled`), with the same target."""
    camera_rows = camera_rows or {}
    out = []
    for key, (sim, real) in pairs.items():
        row = dict(row=key, people=sim.people['all'],
                   trained_on='simulated + camera LR' if key in camera_rows else 'simulated LR')
        for m in ('ap', 'pck'):
            s, r = getattr(sim, m)['all'], getattr(real, m)['all']
            d = (r - s).interval()
            row.update({f'{m.upper()}_sim': s.interval(), f'{m.upper()}_real': r.interval(),
                        f'd{m.upper()}': d, f'{m.upper()}_verdict': verdict(d)})
        row['met'] = bool(row['AP_verdict'] != 'reversed' or row['dAP'][0] >= -0.005)
        of = camera_rows.get(key)
        if of in pairs:
            d = (sim.ap['all'] - pairs[of][0].ap['all']).interval()
            d_real = (real.ap['all'] - pairs[of][1].ap['all']).interval()
            row.update(vs_row=of, dAP_sim_vs_row=d, sim_verdict=verdict(d),
                       sim_met=verdict(d) != 'reversed', dAP_real_vs_row=d_real,
                       real_verdict=verdict(d_real))
        if by_size and key in by_size:
            row['pck_by_lr_height'] = by_size[key]
        if crop_filled and key in crop_filled:
            row['crop_filled'] = crop_filled[key]
        out.append(row)
    return dict(factor=factor, rows=out, input_gap=input_gap)


def _md_sizes(sec: dict) -> List[str]:
    b = sec['buckets']
    lines = ['## Mixed sizes: AP by person height (GT box, px), 95% bootstrap intervals'
             + (f' — {sec["title"]}' if sec.get('title') else ''), '',
             sec['data'] + f'. Adaptive threshold: crop-region height {sec["threshold"]:g} px'
             + (' (default: the pose input height).' if not sec.get('tuning') else
                ' (chosen on the sizes-tune split, see below).'), '']
    for metric in ('AP', 'PCK'):
        lines += [f'**{metric}' + ('@0.1' if metric == 'PCK' else '') + '**', '',
                  '| row | SR share | ' + ' | '.join(b) + ' |',
                  '|---|---|' + '---|' * len(b)]
        for r in sec['table']:
            share = '–' if r['sr_share'] is None else f'{r["sr_share"]:.2f}'
            lines.append(f'| {r["label"]} | {share} | '
                         + ' | '.join(fmt_interval(r[metric][x]) for x in b) + ' |')
        lines.append('')
    people = sec['table'][0]['people']
    adaptive = next((r for r in sec['table'] if r['row'] == 'adaptive'), None)
    lines += ['people per bucket: ' + ', '.join(f'{k} {v}' for k, v in people.items())
              + ('; adaptive sends to the SR path: ' + ', '.join(
                  f'{k} {v:.0%}' for k, v in adaptive['sr_share_by_bucket'].items())
                 if adaptive else ''), '',
              '**Paired differences (adaptive − other)**', '',
              '| difference | bucket | metric | Δ [95% CI] | verdict |', '|---|---|---|---|---|']
    for d in sec['differences']:
        lines.append(f'| {d["better"]} − {d["worse"]} | {d["bucket"]} | {d["metric"]} | '
                     f'{fmt_interval(d["diff"])} | {d["verdict"]} |')
    lines += ['', '**Target** (paired AP intervals): adaptive ≥ the better of never-SR and '
              'always-SR in every bucket, and better than both overall (PCK@0.1 judged the '
              'same way, for reference)', '']
    for t in sec['target']:
        lines.append(f'- {t["metric"]} {t["bucket"]}: {"met" if t["met"] else "MISSED"} '
                     f'(needs: {t["rule"]}; margin over the better {t["margin"]:+.3f})')
    three = sec.get('three_path')
    if three:
        lines += _md_routing(
            'Three', three, sec['target_three_path'],
            'an x2 SR neck trained in front of this checkpoint\'s pose network, kept frozen, on '
            'simulated x2 LR and camera LR of 32-128 px crop regions, merged as '
            '`extra_sr_necks`', ('x4 SR', 'x2 SR'), 'never-SR, always-x4 and always-x2', 'pairs')
    four = (three or {}).get('four_path')
    if four:
        lines += _md_routing(
            'Four', four, sec['target_four_path'],
            'an x1 neck beside the x2 one, trained the same way on simulated LR reduced x1-x2 '
            'and resized back, and camera LR of crop regions 0.35-1x the pose input height: '
            'the person resized to 128x96 and restored there', ('x4 SR', 'x2 SR', 'x1'),
            'the four routes', 'triples')
    tuning = sec.get('tuning')
    if tuning:
        lines += ['', f'**Threshold chosen on the tune split** ({tuning["num_images"]} other '
                  f'images, {tuning["num_people"]} people; AP / PCK@0.1 of the never-SR and '
                  'always-SR predictions routed at each threshold; highest AP, then PCK; the '
                  'evaluation images were not used): '
                  + ', '.join(f'{float(k):g} px {v["AP"]:.3f} / {v["PCK"]:.3f}'
                              for k, v in tuning['grid'].items())
                  + f' -> {tuning["chosen"]:g} px (default {tuning["default"]:g})']
    return lines + ['']


def _md_routing(name: str, record: dict, targets: List[dict], necks: str,
                routes: Tuple[str, ...], composed_from: str, grid_items: str) -> List[str]:
    """The markdown of one scale-aware routing (``name``-path): its thresholds, targets and
    tune grid."""
    thr = record['thresholds']
    below = ', '.join(f'{r} below {t:g} px' + (' region height' if i == 0 else '')
                      for i, (r, t) in enumerate(zip(routes, thr)))
    lines = ['', f'**{name} paths** ({necks}): {below}, direct above'
             + (' (chosen on the sizes-tune split).' if record.get('tuning') else '.'),
             '', f'**{name}-path targets** (paired AP intervals)', '']
    for t in targets:
        lines.append(f'- {"met" if t["met"] else "MISSED"}: {t["rule"]} '
                     f'(Δ {fmt_interval(t["diff"]) if t["diff"] else "n/a"})')
    tun = record.get('tuning')
    if tun:
        best = sorted(tun['grid'].items(), key=lambda kv: -kv[1]['AP'])[:5]
        lines += ['', f'{name}-path thresholds on the tune split ({tun["num_people"]} people; '
                  f'AP / PCK@0.1 composed per person from {composed_from}; the five best of '
                  f'{len(tun["grid"])} {grid_items}): '
                  + ', '.join(f'{k} px {v["AP"]:.3f} / {v["PCK"]:.3f}' for k, v in best)
                  + ' -> ' + '/'.join(f'{t:g}' for t in thr) + ' px']
    return lines


def _md_real(sec: dict) -> List[str]:
    lines = [f'## Real vs simulated low resolution (x{sec["factor"]}), same val people', '',
             'simulated: HR crop 128x96 degraded by LowResDegrade (the main table); real: the '
             f'whole image shrunk x{sec["factor"]} (cv2.INTER_AREA) before cropping, each '
             'person cropped straight to 32x24 (no HR crop). Δ = real − simulated, paired over '
             'images.', '',
             '| row | trained on | AP simulated | AP real | ΔAP | verdict | target | '
             'PCK simulated | PCK real | ΔPCK | verdict |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in sec['rows']:
        lines.append(f'| {r["row"]} | {r.get("trained_on", "simulated LR")} | '
                     f'{fmt_interval(r["AP_sim"])} | {fmt_interval(r["AP_real"])}'
                     f' | {fmt_interval(r["dAP"])} | {r["AP_verdict"]} | '
                     f'{"met" if r.get("met") else "MISSED"} | '
                     f'{fmt_interval(r["PCK_sim"])} | {fmt_interval(r["PCK_real"])} | '
                     f'{fmt_interval(r["dPCK"])} | {r["PCK_verdict"]} |')
    lines += ['', 'Target per row: ΔAP not significantly below 0, or above −0.005.']
    for r in sec['rows']:
        if 'vs_row' in r:
            lines.append(f'- {r["row"]} − {r["vs_row"]} on simulated LR: ΔAP '
                         f'{fmt_interval(r["dAP_sim_vs_row"])} ({r["sim_verdict"]}; target '
                         f'not lower: {"met" if r["sim_met"] else "MISSED"}); on real LR: ΔAP '
                         f'{fmt_interval(r["dAP_real_vs_row"])} ({r["real_verdict"]})')
    filled = [r for r in sec['rows'] if r.get('crop_filled', {}).get('diff')]
    if filled:
        c = filled[0]['crop_filled']
        lines += ['', f'**Where the real crop holds the person\'s rows**: the {c["people"]} of '
                  f'{c["of"]} people whose crop region in the real LR image is at least '
                  f'{c["min_region_rows"]:g} px tall (the LR crop\'s height), so that only the '
                  'resampling differs between the two inputs (same target)', '',
                  '| row | AP simulated | AP real | ΔAP | verdict | target |',
                  '|---|---|---|---|---|---|']
        for r in filled:
            c = r['crop_filled']
            lines.append(f'| {r["row"]} | {fmt_interval(c["sim"])} | {fmt_interval(c["real"])} | '
                         f'{fmt_interval(c["diff"])} | {c["verdict"]} | '
                         f'{"met" if c["met"] else "MISSED"} |')
    sized = [r for r in sec['rows'] if r.get('pck_by_lr_height')]
    if sized:
        labels = list(dict.fromkeys(b for r in sized for b in r['pck_by_lr_height']))
        people = {b: next(r['pck_by_lr_height'][b]['people'] for r in sized
                          if b in r['pck_by_lr_height']) for b in labels}
        lines += ['', '**Real − simulated PCK@0.1 by the person\'s height in the real LR image** '
                  '(GT box, px; the LR crop is 32 px high; paired over images)', '',
                  '| row | ' + ' | '.join(f'{b} px ({people[b]} people)' for b in labels)
                  + ' |', '|---|' + '---|' * len(labels)]
        for r in sized:
            cells = [r['pck_by_lr_height'].get(b) for b in labels]
            lines.append(f'| {r["row"]} | ' + ' | '.join(
                fmt_interval(c['diff']) if c else 'n/a' for c in cells) + ' |')
    gap = sec.get('input_gap')
    if gap:
        lines += ['', f'Network inputs compared on {gap["people"]} of these people '
                  f'({gap["crop_size"][0]}x{gap["crop_size"][1]} crops, 0-255): real and '
                  f'simulated differ by {gap["mean_abs_diff"]:.1f} grey levels on average as '
                  f'cropped, {gap["mean_abs_diff_phase_aligned"]:.1f} once the real crop is '
                  f'moved by the {gap["phase_lr_px"]:.3f} LR-pixel sampling phase between a '
                  'crop taken at the HR size and reduced, and a crop taken at the LR size '
                  '(TopdownAffine maps the box centre to the crop centre at either size; the '
                  'estimator\'s coord_mode maps each back to the image exactly, so the phase '
                  'moves the pixels, not the keypoints). What remains is the resampling '
                  'kernels.']
    return lines + ['', 'A gap can only come from the LR pixels: the people, boxes and models '
                    'are the same and both metrics are invariant to scaling the whole image. '
                    'The simulated input is an antialiased bicubic x4 reduction of a crop that '
                    'was bilinearly resampled at the HR size; the real input is an area '
                    'reduction of the whole image followed by a bilinear warp at the LR size '
                    '(other sampling phase, other blur; the LR warp aliases more). For a '
                    'person whose crop region is shorter than the LR crop, the real crop also '
                    'has fewer rows of the person than the simulated one, which reduces the '
                    'person\'s full-resolution pixels: the by-height table shows where.', '']


def markdown_sections(report: dict) -> List[str]:
    """The mixed-size and real-LR sections of ``report`` (also embedded in the pose report)."""
    lines: List[str] = []
    for key in ('sizes', 'sizes_frozen'):
        if key in report:
            lines += _md_sizes(report[key])
    if 'real_lr' in report:
        lines += _md_real(report['real_lr'])
    return lines + [
        'Per-bucket AP: COCO keypoint AP (xtcocotools COCOeval, CocoMetric sigmas, use_area) '
        'against a ground truth restricted to the bucket\'s people, on the CocoMetric '
        'predictions made for those people (tied to their GT box through the per-person dump); '
        'intervals: bootstrap over images (tools/benchmarks/stats.py), percentile 95%, the same '
        'resamples for every row, so differences are paired.', '']


def write_report(out_dir: Path, report: dict) -> dict:
    meta = report['meta']
    lines = ['# Mixed-size and real low-resolution evaluation', '',
             f'command: `{meta["command"]}`  ', f'machine: {meta["machine"]}  ',
             f'wall time: {meta["wall_seconds"] / 60:.1f} min; reused stages: '
             f'{", ".join(meta["reused_stages"]) or "none"}', '']
    lines += markdown_sections(report)
    write_files(out_dir, lines, report)
    return report


def pose_report_section(sized: Optional[dict]) -> List[str]:
    """This job's tables as a section of the pose benchmark's report (``tools/benchmark.py
    --sizes``), from the dict :func:`write_report` returned."""
    if not sized:
        return []
    m = sized['meta']
    return ['## Mixed sizes and real low-resolution input (this run\'s checkpoints)', '',
            f'Also in `sizes/report.md` ({m["wall_seconds"] / 60:.1f} min; reused stages: '
            f'{", ".join(m["reused_stages"]) or "none"}).', '', *markdown_sections(sized)]
