"""Action benchmark: do better low-resolution skeletons give better action
recognition?

One run (``tools/action_benchmark.py``), resumable stage by stage:

1. data -- the procedural action dataset (:mod:`lrpose_mm.datasets.synthetic.
   actions`), generated once and cached: 10 classes, a fixed split (every
   5th clip of a class is val), LR videos with people 32 to 48 px tall;
2. skeletons -- ground truth (from the generator) and three skeleton sets
   extracted from the LR videos with the pose benchmark's LR-direct, bicubic
   and PDSR checkpoints (``--pose-work-dir``, default ``work_dirs/benchmark``),
   batched over frames, with the real-LR pipeline (no second degradation;
   :func:`lrpose_mm.action.real_lr_pipeline`), all four in LR video pixels;
3. recognition -- ST-GCN (and PoseC3D with ``--posec3d``) trained on each
   skeleton set with the same budget through ``tools/train.py`` and evaluated
   with ``tools/test.py`` (the last checkpoint: val is never used to pick one);
4. report -- top-1 per skeleton source, gap closure
   ``(acc - acc_LR-direct) / (acc_GT - acc_LR-direct)``, keypoint error of the
   extracted sets against GT, and the throughput of batched extraction vs a
   per-frame ``mmpose.apis.inference_topdown`` loop on the same crops, with
   the DESIGN targets checked (misses reported with the numbers).

Every finished stage leaves a ``done.json`` (written atomically) and is
skipped on a rerun; an interrupted extraction resumes per video and an
interrupted training from its last checkpoint.
"""
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..fileio import atomic_json_dump, atomic_text_dump, load_pickle

ROOT = Path(__file__).resolve().parents[2]
ACTION_CFG_DIR = ROOT / 'configs' / 'action'
POSE_CFG_DIR = ROOT / 'configs' / 'synthetic'
STGCN_CONFIG = ACTION_CFG_DIR / 'stgcn_cpu-tiny-u32-30e_procedural-actions-gt.py'
POSEC3D_CONFIG = (ACTION_CFG_DIR /
                  'slowonly_cpu-tiny-u16-30e_procedural-actions-gt.py')

# (key, label, pose-benchmark variant or None for the generator's GT)
SOURCES: List[Tuple[str, str, Optional[str]]] = [
    ('gt', 'ground truth (generator)', None),
    ('lr-direct', 'LR-direct', 'lr-direct'),
    ('bicubic', 'bicubic x4', 'bicubic'),
    ('pdsr', 'pose-driven SR (PDSR)', 'pdsr'),
]
POSE_CONFIGS = {
    'lr-direct': 'lr-direct_hrnet-tiny_synthetic-lr32x24.py',
    'bicubic': 'bicubic-x4_hrnet-tiny_synthetic-lr32x24.py',
    'pdsr': 'pdsr-x4_hrnet-tiny_synthetic-lr32x24.py',
}
THROUGHPUT_MODEL = 'pdsr'  # the model whose extraction speed is reported

TARGET_GAP_CLOSURE = 0.60  # DESIGN.md "Action"
TARGET_SPEEDUP = 3.0  # DESIGN.md "Speed" (batched vs per-frame extraction)


@dataclass
class ActionBudget:
    """Data and schedule sizes; one budget for every skeleton source."""
    clips_per_class: int = 30  # every 5th is val: 240 train / 60 val clips
    num_frames: int = 32  # shorter than the generator's default 48
    lr_noise: float = 2.0  # sensor noise (std, grey levels) in the LR video
    seed: int = 0
    data_root: str = 'data/actions_bench'
    epochs: int = 30  # ST-GCN epochs (the CPU config's schedule)
    batch_size: int = 16
    seeds: int = 1  # ST-GCN trainings per source (accuracy = their mean)
    posec3d_epochs: int = 20
    extract_batch: int = 64  # crops per forward pass
    throughput_frames: int = 96  # frames (one crop each) timed both ways
    throughput_repeats: int = 2
    # torch/OpenMP threads, in-process and in every tools/*.py subprocess.
    # 1 by default: on a 2-core machine shared with other jobs, 2 OpenMP
    # threads spin at every barrier and ran the pose models ~30x slower.
    threads: int = 1
    # flip test during extraction: off (half the cost; the same for every
    # pose model). The pose benchmark's AP is measured with it on.
    flip_test: bool = False


QUICK = ActionBudget(clips_per_class=5, num_frames=16, epochs=2, seeds=1,
                     posec3d_epochs=1, data_root='data/actions_quick',
                     throughput_frames=16, throughput_repeats=1)


# ----------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------
def _log(msg: str) -> None:
    from tqdm import tqdm
    tqdm.write(msg)
    sys.stdout.flush()


def _read_json(path: Path) -> Optional[dict]:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def _file_id(path: str) -> List[Any]:
    st = os.stat(path)
    return [os.path.abspath(path), st.st_size, st.st_mtime_ns]


def _content_id(path) -> str:
    import hashlib
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def _cli_options(opts: Optional[Mapping[str, Any]]) -> List[str]:
    if not opts:
        return []
    return ['--cfg-options', *(f'{k}={v}' for k, v in opts.items())]


def _machine() -> str:
    return (f'{platform.processor() or platform.machine()}, '
            f'{os.cpu_count()} CPU cores, Python {platform.python_version()}')


_WORK = dict(count=0)  # stages that computed something (vs skipped)


def _did_work() -> None:
    _WORK['count'] += 1


_EPOCH_RE = re.compile(r'Epoch\(train\)\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*/\s*'
                       r'(\d+)\s*\]')
_ITER_RE = re.compile(r'Iter\(train\)\s*\[\s*(\d+)\s*/\s*(\d+)\]')
_TEST_RE = re.compile(r'(?:Iter|Epoch)\(test\)\s*\[\s*(\d+)\s*/\s*(\d+)\]')


class ToolRunner:
    """Runs ``tools/train.py`` / ``tools/test.py`` as subprocesses with a
    progress bar; a finished stage leaves ``<dir>/done.json`` (train) or
    ``metrics.json`` (test) and is skipped on a rerun."""

    def __init__(self, python: str = sys.executable, threads: int = 2):
        self.python = python
        pp = os.environ.get('PYTHONPATH', '')
        self.env = dict(os.environ, PYTHONPATH=f'{ROOT}{os.pathsep}{pp}',
                        OMP_NUM_THREADS=str(threads),
                        MKL_NUM_THREADS=str(threads))

    def _run(self, args: List[str], desc: str, log_file: Path,
             total: Optional[int] = None) -> float:
        from tqdm import tqdm
        t0 = time.time()
        bar = tqdm(total=total or 1, desc=desc, unit='it', dynamic_ncols=True,
                   leave=False)
        tail: List[str] = []
        with open(log_file, 'a') as log:
            proc = subprocess.Popen(args, cwd=ROOT, env=self.env,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True,
                                    bufsize=1)
            for line in proc.stdout:
                log.write(line)
                tail = (tail + [line])[-40:]
                m = _EPOCH_RE.search(line)
                if m and total:
                    ep, it, per = (int(g) for g in m.groups())
                    bar.total = total * per
                    bar.n = (ep - 1) * per + it
                    bar.refresh()
                    continue
                m = _ITER_RE.search(line) or _TEST_RE.search(line)
                if m:
                    cur, tot = int(m.group(1)), int(m.group(2))
                    if bar.total != tot:
                        bar.reset(total=tot)
                    bar.n = cur
                    bar.refresh()
            rc = proc.wait()
        bar.close()
        if rc != 0:
            raise RuntimeError(f'{desc} failed (exit {rc}); log: {log_file}\n'
                               + ''.join(tail[-25:]))
        return time.time() - t0

    def train(self, name: str, work_dir: Path, config: Path,
              opts: Mapping[str, Any], epochs: Optional[int] = None,
              extra: Sequence[str] = ()) -> dict:
        work_dir = Path(work_dir)
        marker = work_dir / 'done.json'
        want = dict(config=str(config), cfg_options={k: str(v) for k, v in
                                                     opts.items()})
        prev = _read_json(marker)
        if prev is not None and {k: prev.get(k) for k in want} == want:
            _log(f'[skip] train {name}: done ({prev["checkpoint"]})')
            return prev
        if prev is not None:  # other settings: start over
            import shutil
            shutil.rmtree(work_dir, ignore_errors=True)
        work_dir.mkdir(parents=True, exist_ok=True)
        args = [self.python, 'tools/train.py', str(config), '--work-dir',
                str(work_dir), *extra]
        if (work_dir / 'last_checkpoint').is_file():
            args.append('--resume')
        args += _cli_options(opts)
        _did_work()
        secs = self._run(args, f'train {name}', work_dir / 'stage.log',
                         epochs)
        ckpt = (work_dir / 'last_checkpoint').read_text().strip()
        info = dict(want, checkpoint=ckpt, train_seconds=round(secs, 1))
        atomic_json_dump(info, str(marker))
        return info

    def test(self, name: str, work_dir: Path, config: Path, checkpoint: str,
             opts: Mapping[str, Any]) -> dict:
        work_dir = Path(work_dir)
        out = work_dir / 'metrics.json'
        marker = work_dir / 'test_done.json'
        want = dict(checkpoint=checkpoint, cfg_options={k: str(v) for k, v in
                                                        opts.items()})
        if out.is_file() and _read_json(marker) == want:
            _log(f'[skip] test  {name}: done')
            return json.loads(out.read_text())
        if out.is_file():
            out.unlink()
        args = [self.python, 'tools/test.py', str(config), checkpoint,
                '--work-dir', str(work_dir / 'test'), '--out', str(out)]
        args += _cli_options(opts)
        _did_work()
        self._run(args, f'test  {name}', work_dir / 'test.log')
        atomic_json_dump(want, str(marker))
        return json.loads(out.read_text())


# ----------------------------------------------------------------------------
# pose checkpoints
# ----------------------------------------------------------------------------
def find_pose_checkpoints(pose_work_dir: Path, keys: Sequence[str]
                          ) -> Dict[str, dict]:
    """``{variant: dict(checkpoint, config)}`` from the pose benchmark's
    ``<pose_work_dir>/<variant>/done.json``; a clear error when missing."""
    out, missing = {}, []
    for k in keys:
        d = _read_json(Path(pose_work_dir) / k / 'done.json')
        if d is None or not os.path.isfile(d.get('checkpoint', '')):
            missing.append(k)
            continue
        cfg = d.get('config') or str(POSE_CFG_DIR / POSE_CONFIGS[k])
        if not os.path.isabs(cfg):
            cfg = str(ROOT / cfg)
        out[k] = dict(checkpoint=d['checkpoint'], config=cfg)
    if missing:
        raise FileNotFoundError(
            f'no finished pose checkpoint for {", ".join(missing)} under '
            f'{pose_work_dir} (<variant>/done.json). Run the pose benchmark '
            'first (python tools/benchmark.py, or --quick for work_dirs/quick),'
            ' or pass --make-smoke-pose for barely trained smoke checkpoints.')
    return out


def make_smoke_pose_checkpoints(pose_work_dir: Path, data_root: Path,
                                keys: Sequence[str] = ('lr-direct', 'bicubic',
                                                       'pdsr'),
                                iters: int = 2, runner: ToolRunner = None
                                ) -> Dict[str, dict]:
    """Barely trained pose checkpoints for smoke tests: ``tools/train.py`` on
    the pose benchmark configs for ``iters`` iterations on a few generated
    people (no validation). Skips variants that already have one."""
    from lrpose_mm.datasets.synthetic import generate_people_splits
    runner = runner or ToolRunner()
    data_root = Path(data_root).resolve()
    generate_people_splits(str(data_root), num_train=6, num_val=2, seed=0,
                           workers=1, progress=False)
    out = {}
    for k in keys:
        opts = {
            'train_dataloader.dataset.data_root': f'{data_root}/',
            'train_dataloader.batch_size': 4,
            'train_dataloader.num_workers': 0,
            'train_dataloader.persistent_workers': False,
            'train_cfg.max_iters': iters, 'train_cfg.val_interval': iters,
            'param_scheduler.0.end': 1, 'param_scheduler.1.end': iters,
            'param_scheduler.1.T_max': iters,
            'default_hooks.checkpoint.interval': iters,
            'default_hooks.logger.interval': 1,
        }
        cfg = POSE_CFG_DIR / POSE_CONFIGS[k]
        out[k] = runner.train(f'smoke pose {k}', Path(pose_work_dir) / k, cfg,
                              opts, extra=['--no-validate'])
    return out


def load_real_lr_model(config: str, checkpoint: str, device: str = 'cpu',
                       flip_test: Optional[bool] = None):
    """``init_model`` with the config's test pipeline replaced by the real-LR
    one, so ``inference_topdown`` and the batched path crop the same way."""
    from mmengine.config import Config
    from mmpose.apis import init_model

    import lrpose_mm  # noqa: F401

    from .real_lr import real_lr_config
    cfg = real_lr_config(Config.fromfile(config))
    pipe = cfg.test_dataloader.dataset.pipeline
    if 'pose_init_cfg' in cfg.model:
        cfg.model.pose_init_cfg = None
    if flip_test is not None:
        cfg.model.setdefault('test_cfg', {})
        cfg.model.test_cfg['flip_test'] = bool(flip_test)
    return init_model(cfg, checkpoint, device=device), pipe


# ----------------------------------------------------------------------------
# stages
# ----------------------------------------------------------------------------
def ensure_actions(budget: ActionBudget, data_root: Path) -> dict:
    from lrpose_mm.datasets.synthetic.actions import generate_action_dataset
    return generate_action_dataset(
        str(data_root), clips_per_class=budget.clips_per_class,
        seed=budget.seed, num_frames=budget.num_frames, lr_size=(80, 64),
        scale=4, lr_noise=budget.lr_noise, save_hr=False, progress=True)


def extract_source(key: str, pose: dict, data_root: Path, work_dir: Path,
                   budget: ActionBudget) -> dict:
    """Skeletons from the LR videos with one pose model (cached)."""
    from .extract import extract_dataset
    from .settings import ExtractJob, ExtractSettings
    sk_dir = work_dir / 'skeletons'
    sk_dir.mkdir(parents=True, exist_ok=True)
    out_file = sk_dir / f'{key}.pkl'
    marker = work_dir / 'extract' / key / 'done.json'
    video_list = data_root / 'video_list.txt'
    want = dict(checkpoint=_file_id(pose['checkpoint']),
                config=pose['config'], video_list=_content_id(video_list),
                batch_size=budget.extract_batch, flip_test=budget.flip_test)
    prev = _read_json(marker)
    if (prev is not None and out_file.is_file() and
            {k: prev.get(k) for k in want} == want):
        _log(f'[skip] extract {key}: done ({out_file})')
        return prev
    _did_work()
    _log(f'extract {key}: {pose["checkpoint"]} (real-LR pipeline)')
    model, pipe = load_real_lr_model(pose['config'], pose['checkpoint'],
                                     flip_test=budget.flip_test)
    summary = extract_dataset(
        model, None, str(video_list), str(out_file),
        ExtractSettings(boxes='tracks', keypoint_space='original'),
        ExtractJob(batch_size=budget.extract_batch,
                   work_dir=str(work_dir / 'extract' / key / 'work'), overwrite=True))
    if summary['num_failed']:
        raise RuntimeError(f'extract {key}: {summary["num_failed"]} videos '
                           f'failed, see {summary["failures_file"]}')
    info = dict(want, out_file=str(out_file),
                seconds=summary['seconds'], num_videos=summary['num_ok'],
                pipeline=[t['type'] + (str(tuple(t['input_size']))
                                       if 'input_size' in t else '')
                          for t in pipe])
    atomic_json_dump(info, str(marker))
    return info


def keypoint_error(pred_file: str, gt_file: str, pck_thr: float = 0.1
                   ) -> Dict[str, float]:
    """Keypoint error of a skeleton set against GT (same pixel frame: LR
    video pixels), over every frame of every clip: mean pixel error, mean
    error relative to the person height (GT keypoint box height), and PCK at
    ``pck_thr`` x person height."""
    pred = {a['frame_dir']: a for a in load_pickle(pred_file)['annotations']}
    gt = load_pickle(gt_file)['annotations']
    errs, rels = [], []
    for g in gt:
        p = pred.get(g['frame_dir'])
        if p is None:
            continue
        kg = g['keypoint'][0]  # (T,V,2)
        kp = p['keypoint'][0]
        T = min(len(kg), len(kp))
        d = np.linalg.norm(kp[:T] - kg[:T], axis=-1)  # (T,V)
        h = kg[:T, :, 1].max(1) - kg[:T, :, 1].min(1)  # (T,)
        errs.append(d.ravel())
        rels.append((d / np.maximum(h, 1e-6)[:, None]).ravel())
    if not errs:
        return dict(mean_px=None, mean_rel=None, pck=None, pck_thr=pck_thr)
    e, r = np.concatenate(errs), np.concatenate(rels)
    return dict(mean_px=float(e.mean()), median_px=float(np.median(e)),
                mean_rel=float(r.mean()), pck=float((r <= pck_thr).mean()),
                pck_thr=pck_thr, num_keypoints=int(e.size))


def throughput(pose: dict, data_root: Path, work_dir: Path,
               budget: ActionBudget) -> dict:
    """Batched vs per-frame ``inference_topdown`` on the same real-LR crops
    (frames of the val videos, one tracked person each), one run."""
    import torch

    from lrpose_mm.action import TrackBoxes, parse_video_list, read_all_frames
    from lrpose_mm.apis import compare_batched_vs_per_frame
    out = work_dir / 'throughput.json'
    want = dict(checkpoint=_file_id(pose['checkpoint']),
                frames=budget.throughput_frames,
                batch_size=budget.extract_batch,
                repeats=budget.throughput_repeats, threads=budget.threads,
                flip_test=budget.flip_test)
    prev = _read_json(out)
    if prev is not None and prev.get('settings') == want:
        _log('[skip] throughput: done')
        return prev
    entries = [e for e in parse_video_list(str(data_root / 'video_list.txt'))
               if e.split == 'val'] or parse_video_list(
                   str(data_root / 'video_list.txt'))
    imgs, boxes = [], []
    for e in entries:
        frames, _ = read_all_frames(e.path)
        tb = TrackBoxes(e.tracks)
        for i, f in enumerate(frames):
            if f is None:
                continue
            b = tb(i, f, 1.0, 1.0)
            if len(b):
                imgs.append(f)
                boxes.append(b[:1, :4])
            if len(imgs) >= budget.throughput_frames:
                break
        if len(imgs) >= budget.throughput_frames:
            break
    _log(f'throughput: {len(imgs)} frames, batched (batch '
         f'{budget.extract_batch}) vs per-frame inference_topdown')
    _did_work()
    model, pipe = load_real_lr_model(pose['config'], pose['checkpoint'],
                                     flip_test=budget.flip_test)
    torch.set_num_threads(budget.threads)
    res = compare_batched_vs_per_frame(model, imgs, boxes,
                                       batch_size=budget.extract_batch,
                                       repeats=budget.throughput_repeats)
    res.update(settings=want, model=THROUGHPUT_MODEL, config=pose['config'],
               checkpoint=pose['checkpoint'],
               flip_test=bool(model.cfg.model.get('test_cfg', {}).get(
                   'flip_test', False)),
               input_size=[int(v) for v in
                           [t for t in pipe if t['type'] == 'TopdownAffine'
                            ][0]['input_size']])
    atomic_json_dump(res, str(out))
    return res


def recognizer_opts(ann_file: str, epochs: int, seed: int, batch_size: int
                    ) -> Dict[str, Any]:
    return {
        'train_dataloader.dataset.ann_file': ann_file,
        'test_dataloader.dataset.ann_file': ann_file,
        'train_dataloader.batch_size': batch_size,
        'train_cfg.max_epochs': epochs, 'train_cfg.val_interval': epochs,
        'param_scheduler.0.T_max': epochs,
        'default_hooks.checkpoint.interval': max(1, epochs // 3),
        'default_hooks.checkpoint.save_best': None,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'default_hooks.logger.interval': 5,
        'randomness.seed': seed,
    }


# ----------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------
def gap_closure(acc: Optional[float], acc_lr: Optional[float],
                acc_gt: Optional[float]) -> Optional[float]:
    """(acc - acc_LR-direct) / (acc_GT - acc_LR-direct); None when the gap
    is not positive (then the benchmark cannot tell the sources apart)."""
    if acc is None or acc_lr is None or acc_gt is None:
        return None
    gap = acc_gt - acc_lr
    if gap <= 1e-9:
        return None
    return (acc - acc_lr) / gap


def _f(v, fmt='{:.3f}') -> str:
    return '–' if v is None else fmt.format(v)


def build_rows(results: Dict[str, dict], kp_err: Dict[str, dict],
               recognizer: str) -> List[dict]:
    acc = {k: r.get('top1') for k, r in results.items()}
    rows = []
    for key, label, _ in SOURCES:
        if key not in results:
            continue
        r = results[key]
        e = kp_err.get(key, {})
        rows.append(dict(
            recognizer=recognizer, source=key, label=label,
            top1=r.get('top1'), top1_per_seed=r.get('top1_per_seed'),
            top5=r.get('top5'), mean_class_acc=r.get('mean1'),
            gap_closure=(None if key in ('gt', 'lr-direct') else
                         gap_closure(acc[key], acc.get('lr-direct'),
                                     acc.get('gt'))),
            kpt_mean_px=e.get('mean_px'), kpt_median_px=e.get('median_px'),
            kpt_mean_rel=e.get('mean_rel'), pck=e.get('pck'),
            train_seconds=r.get('train_seconds')))
    return rows


def targets(rows: List[dict], tp: dict) -> List[dict]:
    out = []
    st = {r['source']: r for r in rows if r['recognizer'] == 'ST-GCN'}
    gc = st.get('pdsr', {}).get('gap_closure')
    gt, lr = st.get('gt', {}).get('top1'), st.get('lr-direct', {}).get('top1')
    if gc is None:
        note = (f'undefined: GT top-1 {_f(gt)} is not above LR-direct '
                f'{_f(lr)}, so there is no gap to close')
        out.append(dict(target='ST-GCN on PDSR skeletons closes >= 60% of '
                        'the LR-direct -> GT gap', value=None, met=False,
                        note=note))
    else:
        met = gc >= TARGET_GAP_CLOSURE
        out.append(dict(
            target='ST-GCN on PDSR skeletons closes >= 60% of the LR-direct '
            '-> GT gap', value=gc, met=met,
            note=('met' if met else
                  f'MISSED by {TARGET_GAP_CLOSURE - gc:.3f} '
                  f'({gc:.3f} < {TARGET_GAP_CLOSURE})')))
    sp = tp.get('speedup')
    met = sp is not None and sp >= TARGET_SPEEDUP
    out.append(dict(target='batched skeleton extraction >= 3x a per-frame '
                    'inference_topdown loop', value=sp, met=met,
                    note='met' if met else
                    f'MISSED by {TARGET_SPEEDUP - (sp or 0):.2f}x '
                    f'({_f(sp, "{:.2f}")}x < {TARGET_SPEEDUP}x)'))
    return out


def write_report(out_dir: Path, rows: List[dict], tp: dict,
                 tgt: List[dict], meta: dict) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_json_dump(dict(rows=rows, throughput=tp, targets=tgt, meta=meta),
                     str(out_dir / 'report.json'))
    L = ['# Action benchmark: skeletons from low-resolution video', '',
         meta.get('data', ''), '', meta.get('protocol', ''), '']
    L += ['| recognizer | skeletons | top-1 | gap closure | mean-class acc '
          '| kpt error (LR px) | kpt error / height | PCK@0.1h |',
          '|---|---|---|---|---|---|---|---|']
    for r in rows:
        seeds = r.get('top1_per_seed') or []
        t1 = _f(r['top1']) + (f' ({", ".join(_f(s) for s in seeds)})'
                              if len(seeds) > 1 else '')
        gc = ('(reference)' if r['source'] in ('gt', 'lr-direct') else
              _f(r['gap_closure']))
        kp = (('0 (GT)' if r['source'] == 'gt' else '–')
              if r['kpt_mean_px'] is None else _f(r['kpt_mean_px'], '{:.2f}'))
        L.append(f'| {r["recognizer"]} | {r["label"]} | {t1} | {gc} | '
                 f'{_f(r["mean_class_acc"])} | {kp} | '
                 f'{_f(r["kpt_mean_rel"])} | {_f(r["pck"])} |')
    L += ['', 'gap closure = (top-1 - top-1 LR-direct) / (top-1 GT - top-1 '
          'LR-direct); keypoint error over every frame of every clip against '
          'the generator\'s GT, in LR video pixels (height = GT keypoint box '
          'height).', '']
    if tp:
        L += ['## Extraction throughput (same crops, one run)', '',
              f'Model: {tp.get("model")} ({os.path.basename(tp.get("config",""))}'
              f', real-LR input {tp.get("input_size")}, flip test '
              f'{"on" if tp.get("flip_test") else "off"}), {tp["n_crops"]} '
              f'crops from {tp["n_images"]} frames, best of '
              f'{tp["settings"]["repeats"]}, {tp["torch_threads"]} torch '
              'threads.', '',
              '| path | crops/s | seconds |', '|---|---|---|',
              f'| batched (batch {tp["batch_size"]}) | '
              f'{tp["batched_crops_per_s"]:.1f} | {tp["batched_s"]:.2f} |',
              f'| per-frame `inference_topdown` | '
              f'{tp["per_frame_crops_per_s"]:.1f} | {tp["per_frame_s"]:.2f} |',
              '', f'Speed-up: **{tp["speedup"]:.2f}x** (max keypoint '
              f'difference between the two paths '
              f'{tp["max_abs_keypoint_diff"]:.2g} px).', '']
    L += ['## DESIGN targets', '', '| target | value | verdict |',
          '|---|---|---|']
    for t in tgt:
        L.append(f'| {t["target"]} | {_f(t["value"])} | {t["note"]} |')
    L += ['', '## Run', '']
    for k in ('command', 'machine', 'pose_work_dir', 'wall_seconds'):
        L.append(f'- {k}: {meta.get(k)}')
    L.append('- stage seconds (in the run that computed each stage): '
             f'{json.dumps(meta.get("stage_seconds"))}; total '
             f'{sum((meta.get("stage_seconds") or {}).values()):.0f} s')
    if meta.get('resumed_stages'):
        L.append(f'- resumed (skipped) this run: '
                 f'{", ".join(meta["resumed_stages"])}')
    L.append(f'- budget: {json.dumps(meta.get("budget"))}')
    for n in meta.get('notes', []):
        L.append(f'- note: {n}')
    path = out_dir / 'report.md'
    atomic_text_dump('\n'.join(L) + '\n', str(path))
    return path


def markdown_table(rows: List[dict]) -> str:
    L = ['| recognizer | skeletons | top-1 | gap closure | kpt err px | PCK |',
         '|---|---|---|---|---|---|']
    for r in rows:
        L.append(f'| {r["recognizer"]} | {r["source"]} | {_f(r["top1"])} | '
                 f'{_f(r["gap_closure"])} | {_f(r["kpt_mean_px"], "{:.2f}")}'
                 f' | {_f(r["pck"])} |')
    return '\n'.join(L)


# ----------------------------------------------------------------------------
# the job
# ----------------------------------------------------------------------------
@dataclass
class ActionResult:
    rows: List[dict]
    throughput: dict
    targets: List[dict]
    report: Path
    meta: dict = field(default_factory=dict)


def run_action_benchmark(out_dir: Path, work_dir: Path, budget: ActionBudget,
                         pose_work_dir: Path, command: str = '',
                         posec3d: bool = False, make_smoke_pose: bool = False
                         ) -> ActionResult:
    import torch
    from tqdm import tqdm
    t_start = time.time()
    torch.set_num_threads(budget.threads)
    out_dir, work_dir = Path(out_dir), Path(work_dir)
    pose_work_dir = Path(pose_work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    data_root = Path(budget.data_root)
    if not data_root.is_absolute():
        data_root = ROOT / data_root
    atomic_json_dump(asdict(budget), str(work_dir / 'budget.json'))
    runner = ToolRunner(threads=budget.threads)
    # seconds of each stage in the run that computed it (a rerun that skips
    # a stage keeps the recorded value): stage_seconds.json
    stage_file = work_dir / 'stage_seconds.json'
    stage_s: Dict[str, float] = _read_json(stage_file) or {}
    resumed: List[str] = []
    work0 = dict(n=_WORK['count'])
    n_stages = 5 + int(posec3d)
    stages = tqdm(total=n_stages, desc='action benchmark', unit='stage',
                  dynamic_ncols=True, position=0)

    def stage(name):
        work0['n'] = _WORK['count']
        stages.set_postfix_str(name)
        _log(f'[{stages.n + 1}/{n_stages}] {name}')

    def done(name, t0, computed=None):
        if computed is None:
            computed = _WORK['count'] > work0['n']
        if computed or name not in stage_s:
            stage_s[name] = round(time.time() - t0, 1)
        else:
            resumed.append(name)
        atomic_json_dump(stage_s, str(stage_file))
        stages.update(1)

    t0 = time.time()
    stage(f'data: procedural actions under {data_root}')
    data = ensure_actions(budget, data_root)
    done('data', t0, computed=data.get('num_generated', 1) > 0)

    t0 = time.time()
    stage('pose checkpoints + skeleton extraction (LR videos, batched, '
          'real-LR pipeline)')
    keys = [v for _, _, v in SOURCES if v]
    if make_smoke_pose:
        make_smoke_pose_checkpoints(pose_work_dir,
                                    work_dir / 'smoke_people', keys,
                                    runner=runner)
    poses = find_pose_checkpoints(pose_work_dir, keys)
    gt_file = str(data_root / 'gt_skeletons.pkl')
    ann = {'gt': gt_file}
    extract_info = {}
    for key, _, variant in SOURCES:
        if variant is None:
            continue
        extract_info[key] = extract_source(key, poses[variant], data_root,
                                           work_dir, budget)
        ann[key] = extract_info[key]['out_file']
    kp_err = {k: keypoint_error(f, gt_file) for k, f in ann.items()
              if k != 'gt'}
    done('extract', t0)

    t0 = time.time()
    stage('throughput: batched vs per-frame inference_topdown')
    tp = throughput(poses[THROUGHPUT_MODEL], data_root, work_dir, budget)
    done('throughput', t0)

    rows: List[dict] = []
    recognizers = [('ST-GCN', 'stgcn', STGCN_CONFIG, budget.epochs,
                    budget.seeds)]
    if posec3d:
        recognizers.append(('PoseC3D', 'posec3d', POSEC3D_CONFIG,
                            budget.posec3d_epochs, 1))
    for rname, rkey, cfg, epochs, n_seeds in recognizers:
        t0 = time.time()
        stage(f'{rname}: train ({epochs} epochs x {n_seeds} seed(s)) + test '
              'on each skeleton set')
        results: Dict[str, dict] = {}
        for key, _, _ in SOURCES:
            accs, t5, m1, secs = [], [], [], 0.0
            for s in range(n_seeds):
                seed = budget.seed + s
                opts = recognizer_opts(ann[key], epochs, seed,
                                       budget.batch_size)
                name = f'{rkey}/{key}' + (f'/seed{seed}' if n_seeds > 1
                                          else '')
                wd = work_dir / rkey / key / f'seed{seed}'
                tr = runner.train(name, wd, cfg, opts, epochs,
                                  extra=['--no-validate'])
                m = runner.test(name, wd, cfg, tr['checkpoint'], opts)
                accs.append(float(m['acc/top1']))
                t5.append(float(m.get('acc/top5', np.nan)))
                m1.append(float(m.get('acc/mean1', np.nan)))
                secs += float(tr.get('train_seconds', 0))
            results[key] = dict(top1=float(np.mean(accs)),
                                top1_per_seed=accs, top5=float(np.mean(t5)),
                                mean1=float(np.mean(m1)),
                                train_seconds=round(secs, 1))
        rows += build_rows(results, kp_err, rname)
        done(rname, t0)

    t0 = time.time()
    stage('report')
    tgt = targets(rows, tp)
    n_train, n_val = data['num_train'], data['num_val']
    notes = []
    st = {r['source']: r['top1'] for r in rows if r['recognizer'] == 'ST-GCN'}
    if st and min(st.values()) >= 0.999:
        notes.append('every source reaches 100% top-1: the benchmark cannot '
                     'tell them apart at this budget')
    notes.append(f'val has {n_val} clips: one clip is '
                 f'{1.0 / max(n_val, 1):.3f} top-1, so differences of a few '
                 'clips are within noise')
    meta = dict(
        data=(f'Procedural actions: {len(data["classes"])} classes, '
              f'{n_train} train / {n_val} val clips (fixed split: every 5th '
              f'clip of a class is val), {budget.num_frames} frames, LR video '
              f'80x64 (people 32-48 px tall, x4 below the rendered HR, sensor '
              f'noise {budget.lr_noise}), seed {budget.seed}.'),
        protocol=(f'Skeletons: GT from the generator; LR-direct, bicubic and '
                  f'PDSR pose checkpoints from {pose_work_dir} run batched '
                  f'(batch {budget.extract_batch}, flip test '
                  f'{"on" if budget.flip_test else "off"}) on the LR videos '
                  'with the '
                  'real-LR pipeline (crop warped straight to 32x24, no second '
                  'degradation), GT track boxes, keypoints in LR video pixels. '
                  f'Recognition: ST-GCN ({STGCN_CONFIG.name}), '
                  f'{budget.epochs} epochs, batch {budget.batch_size}, '
                  f'{budget.seeds} seed(s) per source, the same for every '
                  'source, trained with tools/train.py (no validation), the '
                  'last checkpoint tested with tools/test.py (4 clips).'
                  + (f' PoseC3D ({POSEC3D_CONFIG.name}), {budget.posec3d_epochs}'
                     ' epochs.' if posec3d else '')),
        machine=_machine(), command=command,
        pose_work_dir=str(pose_work_dir),
        pose_checkpoints=poses, extraction=extract_info,
        keypoint_error=kp_err, budget=asdict(budget), stage_seconds=stage_s,
        resumed_stages=resumed,
        notes=notes, wall_seconds=round(time.time() - t_start, 1))
    report = write_report(out_dir, rows, tp, tgt, meta)
    done('report', t0, computed=True)
    stages.close()
    meta['wall_seconds'] = round(time.time() - t_start, 1)
    return ActionResult(rows=rows, throughput=tp, targets=tgt, report=report,
                        meta=meta)
