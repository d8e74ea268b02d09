"""Videos -> MMAction2 ``PoseDataset`` skeleton annotations, with a top-down
MMPose model (any; the SR models of this project included) batched over
frames: a resumable dataset job around :func:`.video_skeletons.extract_video`.

Output: a pickle ``dict(split=dict(train=[...], val=[...], ...),
annotations=[...])`` where each annotation has ``frame_dir``, ``label``,
``img_shape``, ``original_shape``, ``total_frames``, ``keypoint`` (M,T,V,2)
float32 and ``keypoint_score`` (M,T,V) float32. It stays a pickle because
MMAction2's ``PoseDataset`` loads nothing else; the intermediate results in
the work folder are JSON + ``.npz`` (:mod:`.work_dir`), which cannot run code.

Robustness and resumability:

* every finished video is written atomically to the work folder and a rerun
  skips it (unless the video, its track file or the settings changed: a
  settings change is refused with a clear error unless ``overwrite``);
* the annotation file, the failures file and the report are assembled at the
  end and written atomically;
* a video that cannot be read, whose track file is malformed, or in which no
  person was found is *failed*: logged, listed in ``<out>.failures.json``
  with the reason and left out of the annotations; the other videos go on;
  failed videos are retried on the next run;
* corrupt frames, skipped boxes and truncated video files are counted in the
  summary and listed in the report (:mod:`.video_skeletons`).

Coordinates: ``keypoint_space='original'`` (default) maps keypoints back to
the pixels of the video file, so skeletons from ``lr_scale=4`` and from the
full-resolution video share one coordinate frame (``img_shape`` =
``original_shape``); ``'input'`` keeps the coordinates of the frames fed to
the pose model (``img_shape`` = the downscaled shape).
"""
import collections
import dataclasses
import hashlib
import json
import logging
import os
import pickle
import re
import time
from typing import Any, Dict, List, Optional, Sequence, Union

from ..datasets.synthetic.ownership import NotOwnedError
from ..datasets.tracks import BoxFileError, tracks_path_for
from ..datasets.video_list import VideoEntry, parse_video_list
from ..fileio import atomic_bytes_dump, atomic_json_dump, file_sha256
from .boxes import DetectorBoxes, FullFrameBoxes, TrackBoxes
from .pose_runner import PoseRunner
from .settings import ExtractJob, ExtractSettings
from .video import resolve_backend
from .video_skeletons import VIDEO_FAILURES, extract_video
from .work_dir import ExtractWorkDir

logger = logging.getLogger('lrpose_mm.action')

#: sidecar in the work folder: path and SHA-256 of the files written beside ``--out``
OUTPUTS_FILE = 'outputs.json'
SETTINGS_VERSION = 2   # 2: work folder in JSON + npz, real_lr in the settings


def _sha1(*parts: Any) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b'\0')
    return h.hexdigest()


def _source_stat(path: str) -> List[Any]:
    """What identifies the content of a video file / frame folder cheaply."""
    if os.path.isdir(path):
        names = sorted(os.listdir(path))
        mt = max((os.stat(os.path.join(path, n)).st_mtime_ns for n in names), default=0)
        return ['dir', len(names), mt]
    if os.path.exists(path):
        st = os.stat(path)
        return ['file', st.st_size, st.st_mtime_ns]
    return ['missing']


def video_key(entry: VideoEntry) -> str:
    """File-name-safe unique key of a video in the work folder."""
    safe = re.sub(r'[^A-Za-z0-9_.-]+', '_', entry.frame_dir)[:80]
    return f'{safe}-{_sha1(entry.path, entry.frame_dir)[:10]}'


class _TqdmHandler(logging.Handler):

    def emit(self, record):
        try:
            from tqdm import tqdm
            tqdm.write(self.format(record))
        except Exception:
            self.handleError(record)


def build_pose_model(pose_config, checkpoint: Optional[str], device: str = 'cpu'):
    """``mmpose.apis.init_model`` (a built ``nn.Module`` is returned as is);
    without a checkpoint the random weights are seeded, so reruns resume."""
    import torch
    if isinstance(pose_config, torch.nn.Module):
        return pose_config
    from mmpose.apis import init_model

    import lrpose_mm  # noqa: F401  (registers the SR modules, compat fixes)
    if checkpoint is not None:
        return init_model(pose_config, checkpoint, device=device)
    logger.warning('no pose checkpoint: using random (seeded) weights')
    state = torch.random.get_rng_state()
    torch.manual_seed(0)
    try:
        return init_model(pose_config, None, device=device)
    finally:
        torch.random.set_rng_state(state)


class _Job:
    """One run of :func:`extract_dataset`: model, box sources, work folder."""

    def __init__(self, runner: PoseRunner, settings: ExtractSettings, job: ExtractJob,
                 work: ExtractWorkDir):
        self.runner, self.job, self.work = runner, job, work
        self.detector = None
        det = settings.detector
        if det is not None and settings.boxes in ('auto', 'detector'):
            self.detector = DetectorBoxes(det.config, det.checkpoint, job.device,
                                          det.score_thr, det.cat_id, settings.max_persons)
        saved = dict(settings.to_dict(), version=SETTINGS_VERSION,
                     model=runner.fingerprint(),
                     video_backend=resolve_backend(settings.video_backend))
        if det is not None:
            saved['detector'] = dict(saved['detector'], config=os.path.abspath(det.config))
        self.saved_settings = saved
        self.settings_hash = _sha1(json.dumps(saved, sort_keys=True))
        self.settings = dataclasses.replace(settings, video_backend=saved['video_backend'])

    def box_source(self, entry: VideoEntry, tracks: Optional[str]):
        if tracks is not None:
            return TrackBoxes(tracks)
        if self.settings.boxes == 'tracks':
            raise BoxFileError(f'{entry.path}: no track file (give "tracks" in the video '
                               'list or --tracks-dir)')
        return self.detector if self.detector is not None else FullFrameBoxes()

    def source(self, entry: VideoEntry, tracks: Optional[str]) -> Dict[str, Any]:
        return dict(video=_source_stat(entry.path),
                    tracks=None if tracks is None else [tracks] + _source_stat(tracks),
                    label=entry.label, settings=self.settings_hash)

    def run_video(self, entry: VideoEntry) -> Dict[str, Any]:
        """``dict(result=...)``, ``dict(resumed=...)`` or ``dict(failure=...)``."""
        key = video_key(entry)
        tracks = entry.tracks or tracks_path_for(entry.path, self.job.tracks_dir)
        source = self.source(entry, tracks)
        done = self.work.load_result(key, source)
        if done is not None:
            return dict(resumed=done)
        old_failure = self.work.load_failure(key)
        if old_failure is not None and not self.job.retry_failed:
            return dict(failure=old_failure)
        try:
            src = self.box_source(entry, tracks)
            res = extract_video(self.runner, entry, src, self.settings, self.job.batch_size,
                                self.job.progress)
        except Exception as ex:   # one bad video fails that video, never the whole job
            if isinstance(ex, MemoryError):
                raise
            error = f'{type(ex).__name__}: {ex}'
            if not isinstance(ex, VIDEO_FAILURES):   # not a known bad-input case: say where
                logger.debug('%s: unexpected error', entry.path, exc_info=True)
                error = (f'{error} (an unexpected error while extracting {entry.path}; the '
                         f'traceback is in {self.work.log_file})')
            rec = dict(frame_dir=entry.frame_dir, path=entry.path, label=entry.label,
                       split=entry.split, error=error)
            logger.error('FAILED %s: %s', entry.path, rec['error'])
            self.work.save_failure(key, rec)
            return dict(failure=rec)
        res['source'] = source
        res['report']['boxes'] = getattr(src, 'name', type(src).__name__)
        _log_report(res['report'])
        self.work.save_result(key, res)
        return dict(result=res)

    def run_all(self, entries: Sequence[VideoEntry]):
        """Every video in turn: ``(results by frame_dir, failures, reports, n_resumed)``."""
        results: Dict[str, Dict] = {}
        failures: List[Dict[str, Any]] = []
        reports: List[Dict[str, Any]] = []
        n_resumed = 0
        bar = None
        if self.job.progress:
            from tqdm import tqdm
            bar = tqdm(total=len(entries), desc='videos', unit='video', dynamic_ncols=True)
        for e in entries:
            out = self.run_video(e)
            if 'failure' in out:
                failures.append(out['failure'])
            else:
                res = out.get('result') or out['resumed']
                n_resumed += 'resumed' in out
                results[e.frame_dir] = res
                reports.append(res['report'])
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        return results, failures, reports, n_resumed


def _log_report(rep: Dict[str, Any]) -> None:
    name = rep['frame_dir']
    if rep['bad_frames']:
        logger.warning('%s: %d corrupt frame(s) %s: scores set to 0', name,
                       len(rep['bad_frames']), [b[0] for b in rep['bad_frames']][:20])
    if rep['num_skipped_boxes']:
        logger.warning('%s: %d empty/degenerate box(es) skipped, e.g. frame %d person %d: %s',
                       name, rep['num_skipped_boxes'], *rep['skipped_boxes'][0])
    for w in rep['warnings']:
        logger.warning('%s: %s', name, w)
    logger.info('%s: %d frames, %d persons, %d crops, %.2fs', name, rep['total_frames'],
                rep['persons'], rep['crops'], rep['seconds'])


def _assemble(entries: Sequence[VideoEntry], results: Dict[str, Dict]) -> bytes:
    """The PoseDataset file's content: annotations in list order, splits by entry."""
    annotations, split = [], collections.OrderedDict(train=[], val=[])
    for e in entries:
        r = results.get(e.frame_dir)
        if r is None:
            continue
        annotations.append(r['annotation'])
        split.setdefault(e.split, []).append(e.frame_dir)
    return pickle.dumps(dict(split=dict(split), annotations=annotations),
                        protocol=pickle.HIGHEST_PROTOCOL)


class _Logging:
    """The job's log file (everything) and console (warnings) while it runs."""

    def __init__(self, log_file: str):
        self.fh = logging.FileHandler(log_file)
        self.fh.setLevel(logging.DEBUG)
        self.fh.setFormatter(logging.Formatter('%(asctime)s %(levelname)s %(message)s'))
        self.ch = _TqdmHandler()
        self.ch.setLevel(logging.WARNING)
        self.ch.setFormatter(logging.Formatter('[extract] %(levelname)s %(message)s'))

    def __enter__(self):
        self.old_level = logger.level
        logger.addHandler(self.fh)
        logger.addHandler(self.ch)
        logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        logger.removeHandler(self.fh)
        logger.removeHandler(self.ch)
        self.fh.close()
        logger.setLevel(self.old_level)


def _recorded_outputs(outputs_file: str) -> Dict[str, List[str]]:
    """``{path: [sha256, ...]}`` of the files this extraction wrote (its sidecar)."""
    try:
        with open(outputs_file) as f:
            rec = json.load(f)
        return {str(k): [str(h) for h in v] for k, v in rec.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def check_out_files(paths: Sequence[str], outputs_file: str, overwrite: bool) -> None:
    """Refuse to replace an existing file of ``paths`` (the annotation file and
    its failures list) that this extraction did not write, unless ``overwrite``.

    A file is the extractor's own when the sidecar ``outputs_file`` in its work
    folder records its path and SHA-256: a rerun replaces its own results; a
    user's file at that path (notes, another annotation file) raises
    :class:`NotOwnedError` before anything is written.
    """
    recorded = _recorded_outputs(outputs_file)
    for path in paths:
        if not os.path.lexists(path):
            continue
        if os.path.isdir(path):
            raise NotOwnedError(f'--out: {path} is a folder, not a file path')
        own = os.path.isfile(path) and file_sha256(path) in recorded.get(path, ())
        if not own and not overwrite:
            raise NotOwnedError(
                f'--out: {path} exists and was not written by this extraction (not recorded '
                f'in {outputs_file}): refusing to replace it; choose another --out, or pass '
                '--overwrite to replace it')


def _write_outputs(files: Dict[str, bytes], outputs_file: str) -> None:
    """Write ``{path: content}`` atomically, recording each content's SHA-256 in
    the sidecar first (beside the previous one), so that a run killed at any
    moment leaves files that the next run recognises as its own."""
    recorded = _recorded_outputs(outputs_file)
    new = {p: hashlib.sha256(data).hexdigest() for p, data in files.items()}
    atomic_json_dump({p: sorted(set(recorded.get(p, [])) | {h}) for p, h in new.items()},
                     outputs_file)
    for path, data in files.items():
        atomic_bytes_dump(data, path)
    atomic_json_dump({p: [h] for p, h in new.items()}, outputs_file)


def _summary(job: _Job, out_file: str, stem: str, entries, results, failures, reports,
             n_resumed: int, t_start: float) -> Dict[str, Any]:
    return dict(out_file=out_file, work_dir=job.work.root, num_videos=len(entries),
                num_ok=len(results), num_failed=len(failures), num_resumed=n_resumed,
                failures=failures, failures_file=stem + '.failures.json',
                report_file=job.work.report_file, log_file=job.work.log_file,
                num_bad_frames=sum(len(r['bad_frames']) for r in reports),
                num_skipped_boxes=sum(r['num_skipped_boxes'] for r in reports),
                num_truncated_videos=sum(1 for r in reports if r.get('missing_frames')),
                seconds=round(time.perf_counter() - t_start, 3))


def extract_dataset(pose_config: Union[str, Any], checkpoint: Optional[str],
                    video_list: Union[str, Sequence[Any]], out_file: str,
                    settings: ExtractSettings = ExtractSettings(),
                    job: ExtractJob = ExtractJob()) -> Dict[str, Any]:
    """Extract skeletons for a list of videos into a PoseDataset file.

    Args:
        pose_config: MMPose top-down config path (or a model already built by
            ``mmpose.apis.init_model``).
        checkpoint: its weights (``None``: seeded random weights, for tests).
        video_list: list file (see :mod:`lrpose_mm.datasets.video_list`) or a
            list of entries.
        out_file: the annotation pickle to write.
        settings: what determines the skeletons (:class:`ExtractSettings`).
        job: how the job runs (:class:`ExtractJob`).

    Returns:
        a summary dict: ``out_file``, ``num_videos``, ``num_ok``,
        ``num_failed``, ``failures`` (list of dicts), ``num_resumed``,
        ``num_bad_frames``, ``num_skipped_boxes``, ``num_truncated_videos``,
        ``report_file``, ``failures_file``, ``log_file``, ``seconds``.
    """
    t_start = time.perf_counter()
    resolve_backend(settings.video_backend)   # e.g. decord asked for but missing: before any write
    entries = parse_video_list(video_list, default_split=job.default_split,
                               val_ratio=job.val_ratio)
    out_file = os.path.abspath(out_file)
    stem = out_file[:-4] if out_file.endswith('.pkl') else out_file
    work_root = os.path.abspath(job.work_dir or stem + '_work')
    outputs_file = os.path.join(work_root, OUTPUTS_FILE)
    check_out_files([out_file, stem + '.failures.json'], outputs_file, job.overwrite)
    work = ExtractWorkDir(work_root)
    with _Logging(work.log_file):
        runner = PoseRunner(build_pose_model(pose_config, checkpoint, job.device),
                            settings.real_lr)
        run = _Job(runner, settings, job, work)
        work.check_settings(run.saved_settings, job.overwrite)
        logger.info('extracting %d videos -> %s (work dir %s, settings %s, pipeline %s)',
                    len(entries), out_file, work.root, run.settings_hash[:10],
                    runner.describe_pipeline())
        results, failures, reports, n_resumed = run.run_all(entries)
        summary = _summary(run, out_file, stem, entries, results, failures, reports,
                           n_resumed, t_start)
        _write_outputs({out_file: _assemble(entries, results),
                        summary['failures_file']: json.dumps(failures, indent=1).encode()},
                       outputs_file)
        work.write_report(summary, run.saved_settings, reports)
        logger.info('done: %d ok (%d resumed), %d failed -> %s', len(results), n_resumed,
                    len(failures), out_file)
        if failures:
            logger.warning('%d video(s) failed; listed in %s', len(failures),
                           summary['failures_file'])
        return summary
