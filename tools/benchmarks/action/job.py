"""Action benchmark: do better low-resolution skeletons give better action recognition?

One run (``tools/action_benchmark.py``), every stage through the shared :class:`StageRunner`
(reused only when its settings are unchanged, an interrupted training resumes):

1. data: procedural action clips (LR video 80x64, people 32-48 px tall), split train / tune /
   val (:mod:`.action_data`);
2. skeletons: GT from the generator, and LR-direct, bicubic and PDSR skeletons extracted from
   the LR videos with the pose job's checkpoints (``<pose_work_dir>/checkpoints.json``), batched,
   real-LR pipeline; each cut to the same per-clip window;
3. recognition: ST-GCN and PoseC3D trained on each skeleton set with one budget, the last
   checkpoint tested on val (and GT also on tune, to show the task is not saturated);
4. report: top-1 with 95% bootstrap intervals over val clips, paired differences, gap closure
   with its interval, keypoint error, batched vs per-frame extraction speed.
"""
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar, Dict, List, Tuple

import torch

from lrpose_mm.fileio import atomic_json_dump, load_pickle

from ..common.report import machine
from ..common.stages import StageRunner, file_digest
from . import report as action_report
from .data import generate_actions, windowed_annotations
from .pose import make_smoke_pose_checkpoints, read_pose_checkpoints
from .recognition import POSEC3D, STGCN, train_and_test
from .skeletons import extract_source, keypoint_error, throughput

SOURCES = ('gt', 'lr-direct', 'bicubic', 'pdsr')  # gt: the generator's skeletons
#: with ``frozen_pose``: the pose job's ``--frozen-pose`` rows, bicubic and PDSR in front of
#: the frozen HR oracle (the plug-in case, where PDSR beats bicubic in the pose table)
FROZEN_SOURCES = ('frozen-bicubic', 'frozen-pdsr')
THROUGHPUT_MODEL = 'pdsr'


def skeleton_sources(frozen_pose: bool) -> tuple:
    """The skeleton sources of a run, in report order."""
    return SOURCES + (FROZEN_SOURCES if frozen_pose else ())


@dataclass
class ActionBudget:
    """Data and schedule sizes; one budget for every skeleton source."""
    #: number fields that may be 0 (every other one must be > 0)
    ZERO_ALLOWED: ClassVar[Tuple[str, ...]] = ('seed', 'lr_noise')
    clips_per_class: int = 100  # 10 classes: 600 train / 200 tune / 200 val clips
    num_frames: int = 24  # frames rendered per clip
    window: int = 4  # frames the recognizer sees (chosen on tune: docs/tuning.md "Action window")
    lr_noise: float = 2.0  # sensor noise (std, grey levels) of the LR video
    seed: int = 0
    data_root: str = 'data/actions_bench'
    epochs: int = 30  # ST-GCN
    batch_size: int = 16
    seeds: int = 1  # trainings per source and recognizer (per-clip top-1 averaged)
    posec3d: bool = True
    frozen_pose: bool = False  # also the pose job's frozen-oracle rows (FROZEN_SOURCES)
    posec3d_epochs: int = 20  # chosen on tune
    extract_batch: int = 64  # crops per forward pass
    flip_test: bool = False  # during extraction (half the cost; same for every pose model)
    throughput_frames: int = 96
    throughput_repeats: int = 2
    threads: int = 1  # torch threads (a 2-core machine shared with other jobs)
    n_resamples: int = 1000  # bootstrap resamples
    # --make-smoke-pose only: pose checkpoints trained from scratch for this job
    smoke_pose_iters: int = 2
    smoke_pose_images: int = 6
    smoke_pose_batch: int = 4


QUICK = ActionBudget(clips_per_class=5, num_frames=8, window=6, data_root='data/actions_quick',
                     epochs=2, posec3d_epochs=1, throughput_frames=8, throughput_repeats=1,
                     n_resamples=200)


@dataclass
class ActionResult:
    rows: List[dict]
    intervals: Dict[str, dict]
    tune: Dict[str, dict]
    throughput: Dict[str, float]
    targets: List[dict]
    report: Path
    meta: dict = field(default_factory=dict)


def _skeleton_sets(runner: StageRunner, budget: ActionBudget, data_root: Path,
                   poses: Dict[str, dict]) -> Dict[str, dict]:
    """``{source: dict(file, key, kpt)}``: windowed train/tune/val annotation files."""
    gt_file = str(data_root / 'gt_skeletons.pkl')
    raw = {'gt': gt_file}
    for src in poses:
        rec = extract_source(runner, src, poses[src], data_root / 'video_list.txt',
                             budget.extract_batch, budget.flip_test)
        raw[src] = rec.files['skeletons']
    names = [a['frame_dir'] for a in load_pickle(gt_file)['annotations']]
    out = {}
    for src, path in raw.items():
        settings = dict(source=file_digest(path), window=budget.window, seed=budget.seed)

        def cut(stage_dir: Path, path=path) -> dict:
            dst = stage_dir / 'skeletons.pkl'
            counts = windowed_annotations(path, str(dst), budget.window, budget.seed, names)
            return dict(metrics=counts, files=dict(skeletons=dst))

        rec = runner.compute(f'windows/{src}', settings, cut)
        out[src] = dict(file=rec.files['skeletons'], key=rec.key,
                        counts={k: int(v) for k, v in rec.metrics.items()},
                        kpt=None if src == 'gt' else keypoint_error(path, gt_file))
    return out


def run_action_benchmark(out_dir: Path, work_dir: Path, budget: ActionBudget,
                         pose_work_dir: Path, command: str = '',
                         make_smoke_pose: bool = False) -> ActionResult:
    t_start = time.time()
    torch.set_num_threads(budget.threads)
    work_dir, data_root = Path(work_dir), Path(budget.data_root)
    runner = StageRunner(work_dir)
    atomic_json_dump(asdict(budget), str(Path(work_dir) / 'budget.json'))

    data = generate_actions(data_root, budget.clips_per_class, budget.num_frames,
                            budget.lr_noise, budget.seed)
    if budget.window > budget.num_frames:
        raise ValueError(f'window ({budget.window}) must not exceed num_frames '
                         f'({budget.num_frames})')
    sources = skeleton_sources(budget.frozen_pose)
    if make_smoke_pose:
        make_smoke_pose_checkpoints(
            runner, pose_work_dir, work_dir / f'smoke_people{budget.smoke_pose_images}',
            iters=budget.smoke_pose_iters, num_images=budget.smoke_pose_images,
            batch_size=budget.smoke_pose_batch, frozen_pose=budget.frozen_pose)
    poses = read_pose_checkpoints(pose_work_dir, sources[1:])
    sets = _skeleton_sets(runner, budget, data_root, poses)
    tp = throughput(runner, THROUGHPUT_MODEL, poses[THROUGHPUT_MODEL],
                    data_root / 'video_list.txt', budget.throughput_frames,
                    budget.extract_batch, budget.throughput_repeats, budget.threads,
                    budget.flip_test).metrics

    recognizers = [(STGCN, budget.epochs)] + ([(POSEC3D, budget.posec3d_epochs)]
                                             if budget.posec3d else [])
    rows, ivs, tune = [], {}, {}
    for rec, epochs in recognizers:
        correct, tune_correct = {}, []
        for src in sources:
            s = sets[src]
            splits = ('val', 'tune') if src == 'gt' else ('val', )
            res = [train_and_test(runner, rec, src, s['file'], s['key'], epochs,
                                  budget.seed + k, budget.batch_size, budget.window, splits)
                   for k in range(budget.seeds)]
            correct[src] = [r['val']['correct'] for r in res]
            if src == 'gt':
                tune_correct = [r['tune']['correct'] for r in res]
            kpt = s['kpt'] or {}
            rows.append(dict(recognizer=rec.label, source=src,
                             top1_per_seed=[r['val']['top1'] for r in res],
                             mean_class_acc=sum(r['val']['mean1'] for r in res) / len(res),
                             kpt_epe_px=kpt.get('epe_px'), kpt_pck=kpt.get('pck'),
                             train_seconds=sum(r['val']['train_seconds'] for r in res)))
        _, mats = action_report.clip_matrix(correct)
        ivs[rec.label] = action_report.intervals(mats, budget.n_resamples, budget.seed)
        _, tmat = action_report.clip_matrix({'gt': tune_correct})
        tune[rec.label] = dict(num_clips=len(tmat['gt']), interval=action_report.top1_samples(
            tmat, budget.n_resamples, budget.seed)['gt'].interval())

    tgt = action_report.targets(ivs, tp.get('speedup'))
    notes = []
    for label, t in tune.items():
        if t['interval'][0] >= 0.999:
            notes.append(f'{label}: GT reaches 100% top-1 on tune: the task is saturated, use a '
                         'shorter --window')
    n_val = ivs['ST-GCN']['num_clips']
    notes.append(f'val has {n_val} clips: one clip is {1.0 / max(n_val, 1):.4f} top-1')
    if make_smoke_pose:
        notes.append(f'pose checkpoints trained by this job from scratch '
                     f'({budget.smoke_pose_iters} iterations, batch {budget.smoke_pose_batch}, '
                     f'{budget.smoke_pose_images} generated images), NOT the pose job\'s models: '
                     'the extracted rows measure the pipeline, not the methods')
    meta = dict(
        data=(f'Procedural actions: {len(data["classes"])} classes, clips per split '
              f'{sets["gt"]["counts"]} '
              f'(train/tune/val by clip index; val = the generator\'s val), {budget.num_frames} '
              f'frames rendered, the recognizer sees a {budget.window}-frame window per clip (the '
              f'same for every source), LR video 80x64 (people 32-48 px tall, x4 below the '
              f'rendered HR, sensor noise {budget.lr_noise}), seed {budget.seed}.'),
        protocol=('Skeletons: GT from the generator; LR-direct, bicubic and PDSR pose checkpoints '
                  + ('(and bicubic and PDSR in front of the frozen HR oracle: SR neck trained, '
                     'pose network the oracle as it is) ' if budget.frozen_pose else '')
                  + f'from {pose_work_dir}/checkpoints.json run batched (batch '
                  f'{budget.extract_batch}, flip test {"on" if budget.flip_test else "off"}) on '
                  'the LR videos with the real-LR pipeline and GT track boxes, keypoints in LR '
                  f'video pixels. Recognition: ST-GCN {budget.epochs} epochs'
                  + (f', PoseC3D {budget.posec3d_epochs} epochs' if budget.posec3d else '')
                  + f', batch {budget.batch_size}, {budget.seeds} seed(s), the same for every '
                  'source, no validation; the last checkpoint is tested on val.'),
        machine=machine(), command=command, pose_checkpoints=poses,
        throughput_model=THROUGHPUT_MODEL, budget=asdict(budget),
        n_resamples=budget.n_resamples, reused_stages=runner.reused(),
        stage_seconds={r.name: r.seconds for r in runner.log},
        compute_seconds=round(sum(r.seconds for r in runner.log), 1),
        notes=notes, wall_seconds=round(time.time() - t_start, 1))
    report = action_report.write_action_report(Path(out_dir), rows, ivs, tune, tp, tgt, meta)
    return ActionResult(rows=rows, intervals=ivs, tune=tune, throughput=tp, targets=tgt,
                        report=report, meta=meta)
