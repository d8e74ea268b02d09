"""Refresh the result tables of README.md and docs/results.md from the benchmark reports.

    python tools/analysis/results_md.py [--reports reports] [--check] [--strict] [FILE ...]

A generated table sits between two HTML comments in a markdown file::

    <!-- results:pose benchmark -->
    | variant | AP [95% CI] | ... |
    <!-- /results -->

``pose`` is the table kind and ``benchmark`` the report folder under ``--reports`` (its
``report.json``, as ``tools/benchmark.py`` / ``tools/action_benchmark.py`` write it). Everything
between the comments is replaced; the prose around the blocks is left alone. A block whose report
is missing keeps its text (``--strict`` makes that an error). ``--check`` changes nothing and exits
with 1 when a block would change, so a table cannot silently drift from its report.

Kinds: ``pose`` (variants with intervals), ``pose-diffs`` (paired differences), ``sizes``
(mixed person sizes: adaptive against never-SR / always-SR per checkpoint), ``sizes-3`` (the
three-path routing with an x2 neck), ``sizes-4`` (four paths, an x1 neck added), ``real-lr``
(real against simulated LR, per training degradation), ``real-lr-size`` (the same by person
size) and ``action`` (top-1 per skeleton source and recognizer).
"""
import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

BLOCK = re.compile(r'(<!-- results:(?P<kind>[\w-]+) (?P<src>[\w./-]+) -->\n)(?P<body>.*?)'
                   r'(<!-- /results -->)', re.S)
DEFAULT_FILES = ('README.md', 'docs/results.md')
ACTION_SOURCES = {'gt': 'ground truth', 'lr-direct': 'LR-direct', 'bicubic': 'bicubic x4',
                  'pdsr': 'PDSR', 'frozen-bicubic': 'bicubic x4 → frozen HR oracle',
                  'frozen-pdsr': 'PDSR → frozen HR oracle'}
SIZES_SECTIONS = (('sizes_frozen', 'PDSR → frozen HR oracle'), ('sizes', 'PDSR (joint)'))


def num(v: Optional[float], digits: int = 3, sign: bool = False) -> str:
    """A number as the reports print it, with a typographic minus; '–' when missing."""
    if v is None or not math.isfinite(float(v)):
        return '–'
    text = f'{float(v):+.{digits}f}' if sign else f'{float(v):.{digits}f}'
    return text.replace('-', '−')


def interval(iv: Optional[Sequence[float]], digits: int = 3, sign: bool = False) -> str:
    """``point [low, high]``; '–' when missing."""
    if iv is None or iv[0] is None or not math.isfinite(float(iv[0])):
        return '–'
    p, lo, hi = iv
    return f'{num(p, digits, sign)} [{num(lo, digits)}, {num(hi, digits)}]'


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    return (['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
            + ['| ' + ' | '.join(r) + ' |' for r in rows])


def _label(text: str) -> str:
    return text.replace(' -> ', ' → ')


def user_command(command: str) -> str:
    """``command`` as a user of the checkout types it: the tool's path relative to the
    checkout, and a given checkpoint named by its role, not by a path of the machine that
    ran it."""
    command = re.sub(r'\S*/(tools/\S+\.py)', r'\1', command)
    return re.sub(r'(--hr-checkpoint)[ =]\S+', r'\1 HR_ORACLE.pth', command)


def run_line(meta: dict) -> str:
    """Where a table comes from: its command, schedule and wall time."""
    budget = meta.get('budget') or meta.get('pose_budget') or {}
    sched = ''
    if 'hr_iters' in budget and 'ft_iters' in budget:
        sched = (f'HR oracle {budget["hr_iters"]} iterations, every other row '
                 f'{budget["ft_iters"]} x {budget.get("ft_seeds", 1)} seed(s); ')
    wall = meta.get('wall_seconds')
    reused = len(meta.get('reused_stages') or ())
    return (f'Run: `{user_command(meta.get("command", "?"))}`; {sched}'
            + (f'{wall / 60:.1f} min' if wall is not None else '')
            + (f' ({reused} stage(s) reused from an earlier run)' if reused else '') + '.')


def pose(report: dict) -> List[str]:
    rows = []
    for r in report['rows']:
        gap = {'lr-direct': '0', 'hr-oracle': '1'}.get(r['variant'])
        rows.append([_label(r['label']), interval(r['AP']), interval(r['PCK']),
                     num(r.get('PSNR'), 2), gap or interval(r.get('gap_closure_AP'), 2)])
    return [run_line(report['meta']), ''] + table(
        ['variant', 'AP [95% CI]', 'PCK@0.1 [95% CI]', 'PSNR', 'gap closure AP'], rows)


def pose_diffs(report: dict) -> List[str]:
    rows = [[f'{d["better"]} − {d["worse"]}', interval(d['dAP'], sign=True), d['AP_verdict'],
             interval(d['dPCK'], sign=True), d['PCK_verdict']] for d in report['differences']]
    return table(['comparison', 'ΔAP [95% CI]', 'AP', 'ΔPCK@0.1 [95% CI]', 'PCK'], rows)


def _diff(sec: dict, worse: str, bucket: str, better: str = 'adaptive') -> Optional[list]:
    return next((d['diff'] for d in sec['differences'] if d['better'] == better
                 and d['worse'] == worse and d['bucket'] == bucket and d['metric'] == 'AP'), None)


def sizes(report: dict) -> List[str]:
    rows = []
    for key, name in SIZES_SECTIONS:
        sec = report.get(key)
        if not sec:
            continue
        ap = {r['row']: r['AP'].get('all') for r in sec['table']}
        small = next((b for b in sec['buckets'] if b != 'all'), None)
        met = all(t['met'] for t in sec['target'] if t['metric'] == 'AP')
        rows.append([name, f'{sec["threshold"]:g} px', num((ap.get('adaptive') or [None])[0]),
                     num((ap.get('never-sr') or [None])[0]),
                     num((ap.get('always-sr') or [None])[0]),
                     interval(_diff(sec, 'never-sr', 'all'), sign=True),
                     interval(_diff(sec, 'never-sr', small), sign=True),
                     interval(_diff(sec, 'always-sr', 'all'), sign=True),
                     'met' if met else 'missed'])
    small = next((b for k, _ in SIZES_SECTIONS if report.get(k)
                  for b in report[k]['buckets'] if b != 'all'), '<48')
    return [run_line(report['meta']), ''] + table(
        ['checkpoint', 'threshold', 'AP adaptive', 'AP never-SR', 'AP always-SR',
         'adaptive − never-SR', f'adaptive − never-SR ({small} px)', 'adaptive − always-SR',
         'target'], rows)


def sizes_three(report: dict) -> List[str]:
    """Three-path routing (x4 SR / x2 SR / direct) against never-SR and the two-path
    adaptive routing, per checkpoint, with its targets."""
    rows = []
    for key, name in SIZES_SECTIONS:
        sec = report.get(key)
        if not sec or not sec.get('three_path'):
            continue
        ap = {r['row']: r['AP'].get('all') for r in sec['table']}
        t4, t2 = sec['three_path']['thresholds']
        targets = sec['target_three_path']
        rows.append([name, f'{t4:g} / {t2:g} px', num((ap.get('adaptive-3') or [None])[0]),
                     num((ap.get('adaptive') or [None])[0]),
                     num((ap.get('never-sr') or [None])[0]),
                     num((ap.get('always-x2') or [None])[0]),
                     interval(_diff(sec, 'never-sr', '48-96', 'adaptive-3'), sign=True),
                     interval(_diff(sec, 'adaptive', 'all', 'adaptive-3'), sign=True),
                     f'{sum(t["met"] for t in targets)}/{len(targets)} met'
                     + ''.join(f'; missed: {t["rule"]}' for t in targets if not t['met'])])
    return [run_line(report['meta']), ''] + table(
        ['checkpoint', 'thresholds x4 / x2', 'AP three-path', 'AP two-path', 'AP never-SR',
         'AP always-x2', 'three-path − never-SR (48-96 px)', 'three-path − two-path',
         'targets'], rows)


def sizes_four(report: dict) -> List[str]:
    """Four-path routing (x4 / x2 / x1 / direct) against never-SR, the two-path and the
    three-path routing, per checkpoint, with its targets."""
    rows = []
    for key, name in SIZES_SECTIONS:
        sec = report.get(key)
        four = (sec or {}).get('three_path') or {}
        if not four.get('four_path'):
            continue
        ap = {r['row']: r['AP'].get('all') for r in sec['table']}
        targets = sec['target_four_path']
        rows.append([name, ' / '.join(f'{t:g}' for t in four['four_path']['thresholds']) + ' px',
                     num((ap.get('adaptive-4') or [None])[0]),
                     num((ap.get('always-x1') or [None])[0]),
                     interval(_diff(sec, 'never-sr', '48-96', 'adaptive-4'), sign=True),
                     interval(_diff(sec, 'adaptive', 'all', 'adaptive-4'), sign=True),
                     interval(_diff(sec, 'adaptive-3', 'all', 'adaptive-4'), sign=True),
                     f'{sum(t["met"] for t in targets)}/{len(targets)} met'
                     + ''.join(f'; missed: {t["rule"]}' for t in targets if not t['met'])])
    return [run_line(report['meta']), ''] + table(
        ['checkpoint', 'thresholds x4 / x2 / x1', 'AP four-path', 'AP always-x1',
         'four-path − never-SR (48-96 px)', 'four-path − two-path', 'four-path − three-path',
         'targets'], rows)


def real_lr(report: dict) -> List[str]:
    """Real against simulated LR per row, on every person and on the people whose crop
    region in the real LR image fills the LR crop (where a report has them)."""
    sec = report['real_lr']
    filled = [r['crop_filled'] for r in sec['rows'] if r.get('crop_filled', {}).get('diff')]
    rows = []
    for r in sec['rows']:
        row = [r['row'], r.get('trained_on', 'simulated LR'), interval(r['AP_sim']),
               interval(r['AP_real']), interval(r['dAP'], sign=True), r['AP_verdict'],
               ('met' if r['met'] else 'missed') if 'met' in r else '–']
        if filled:
            c = r.get('crop_filled') or {}
            row += [interval(c.get('diff'), sign=True), c.get('verdict', '–'),
                    ('met' if c['met'] else 'missed') if 'met' in c else '–']
        rows.append(row)
    header = ['row', 'trained on', 'AP simulated LR', f'AP real LR (x{sec["factor"]})',
              'real − simulated', 'verdict', 'target']
    if filled:
        px, n = f'{filled[0]["min_region_rows"]:g}', filled[0]['people']
        header += [f'real − simulated, crop region ≥ {px} px ({n} people)', 'verdict', 'target']
    return table(header, rows)


def real_lr_by_size(report: dict) -> List[str]:
    """Real − simulated PCK@0.1 per row and bucket of the person's height in the real LR
    image."""
    rows = [r for r in report['real_lr']['rows'] if r.get('pck_by_lr_height')]
    labels = list(dict.fromkeys(b for r in rows for b in r['pck_by_lr_height']))
    people = {b: next(r['pck_by_lr_height'][b]['people'] for r in rows
                      if b in r['pck_by_lr_height']) for b in labels}
    return table(['row'] + [f'{b} px ({people[b]} people)' for b in labels],
                 [[r['row']] + [interval((r['pck_by_lr_height'].get(b) or {}).get('diff'),
                                         sign=True) for b in labels] for r in rows])


def action(report: dict) -> List[str]:
    recognizers = list(report['intervals'])
    pck = {r['source']: r.get('kpt_pck') for r in report['rows']}
    sources = list(dict.fromkeys(r['source'] for r in report['rows']))
    header = ['skeletons']
    for rec in recognizers:
        header += [f'{rec} top-1', 'gap closure']
    header.append('PCK@0.1 of the skeletons')
    rows = []
    for src in sources:
        row = [ACTION_SOURCES.get(src, src)]
        for rec in recognizers:
            iv = report['intervals'][rec]
            gap = {'gt': '–', 'lr-direct': '0'}.get(src)
            row += [interval(iv['top1'].get(src)),
                    gap or interval(iv['gap_closure'].get(src), 2)]
        row.append('1' if src == 'gt' else num(pck.get(src)))
        rows.append(row)
    return [run_line(report['meta']), ''] + table(header, rows)


KINDS: Dict[str, Callable[[dict], List[str]]] = {
    'pose': pose, 'pose-diffs': pose_diffs, 'sizes': sizes, 'sizes-3': sizes_three,
    'sizes-4': sizes_four, 'real-lr': real_lr, 'real-lr-size': real_lr_by_size,
    'action': action}


def render(text: str, reports: Path, strict: bool = False,
           log: Callable[[str], None] = print) -> str:
    """``text`` with every block whose report exists regenerated."""
    def one(m: 're.Match') -> str:
        kind, src = m['kind'], m['src']
        if kind not in KINDS:
            raise ValueError(f'unknown results block kind {kind!r} (known: {", ".join(KINDS)})')
        path = reports / src / 'report.json'
        if not path.is_file():
            if strict:
                raise FileNotFoundError(f'{path} (results:{kind}) does not exist')
            log(f'kept   results:{kind} {src} (no {path})')
            return m[0]
        body = '\n'.join(KINDS[kind](json.loads(path.read_text()))) + '\n'
        return m[1] + body + m[5]
    return BLOCK.sub(one, text)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('files', nargs='*', default=list(DEFAULT_FILES))
    p.add_argument('--reports', default='reports', help='folder holding <name>/report.json')
    p.add_argument('--check', action='store_true',
                   help='change nothing; exit 1 when a table differs from its report')
    p.add_argument('--strict', action='store_true', help='a missing report is an error')
    args = p.parse_args(argv)
    stale = []
    for name in args.files:
        path = Path(name)
        text = path.read_text(encoding='utf-8')
        new = render(text, Path(args.reports), args.strict)
        if new != text:
            stale.append(name)
            if not args.check:
                path.write_text(new, encoding='utf-8')
        print(f'{"stale  " if args.check and new != text else "ok     "}{name}'
              + (' (updated)' if new != text and not args.check else ''))
    return 1 if args.check and stale else 0


if __name__ == '__main__':
    sys.exit(main())
