"""Videos -> MMAction2 ``PoseDataset`` skeleton annotations, with a top-down
MMPose model (any; the SR models of this project included) batched over
frames.

Output: a pickle ``dict(split=dict(train=[...], val=[...], ...),
annotations=[...])`` where each annotation has ``frame_dir``, ``label``,
``img_shape``, ``original_shape``, ``total_frames``, ``keypoint`` (M,T,V,2)
float32 and ``keypoint_score`` (M,T,V) float32 -- MMAction2's ``PoseDataset``
loads it unchanged.

Robustness and resumability (DESIGN.md contract 5):

* every finished video is written atomically to ``<work_dir>/videos/`` and a
  rerun skips it (unless the video, its track file or the settings changed:
  a settings change is refused with a clear error unless ``overwrite``);
* the annotation file, the failures file and the report are assembled at the
  end and written atomically;
* a video that cannot be read (or whose track file is broken, or in which no
  person was found) is *failed*: logged, listed in
  ``<out>.failures.json`` and left out of the annotations; failed videos are
  retried on the next run;
* a corrupt frame inside a readable video keeps its place on the time axis
  (so the track file stays aligned), gets keypoint score 0 for every person
  (no keypoints are invented; coordinates stay 0, MMAction2's convention for
  "no person"), and is listed in the report, in the log and in the
  annotation's ``bad_frames``; a video with more than ``max_bad_frame_ratio``
  corrupt frames is failed instead;
* an empty or degenerate box is reported (log + report) and skipped: that
  person has score 0 in that frame.

Coordinates: ``keypoint_space='original'`` (default) maps keypoints back to
the pixels of the video file, so skeletons from ``lr_scale=4`` and from the
full-resolution video share one coordinate frame (``img_shape`` =
``original_shape``); ``'input'`` keeps the coordinates of the frames fed to
the pose model (``img_shape`` = the downscaled shape).
"""
import collections
import hashlib
import json
import logging
import os
import re
import time
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from .boxes import (BoxFileError, DetectorBoxes, FullFrameBoxes, TrackBoxes,
                    sanitize_box)
from ..fileio import (atomic_json_dump, atomic_pickle_dump, changed_settings,
                      load_pickle)
from .video import FrameReader, VideoReadError, downscale, resolve_backend
from .video_list import VideoEntry, parse_video_list

logger = logging.getLogger('lrpose_mm.action')

SETTINGS_VERSION = 1
MAX_LISTED = 2000  # skipped boxes listed per video in the report


class NoPersonError(RuntimeError):
    """A readable video in which no usable person box was found."""


class SettingsMismatchError(RuntimeError):
    """The work folder holds results made with different settings."""


VIDEO_FAILURES = (VideoReadError, BoxFileError, NoPersonError)


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def _sha1(*parts: Any) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b'\0')
    return h.hexdigest()


def model_fingerprint(model) -> str:
    """Hash of the model's weights, config and test-time settings."""
    import torch
    h = hashlib.sha1()
    for k, v in model.state_dict().items():
        h.update(k.encode())
        if torch.is_tensor(v):
            h.update(v.detach().cpu().contiguous().numpy().tobytes())
    cfg = getattr(model, 'cfg', None)
    if cfg is not None:
        h.update(str(cfg.get('model', '')).encode())
        try:
            h.update(str(cfg.test_dataloader.dataset.pipeline).encode())
        except AttributeError:
            pass
    return h.hexdigest()


def _source_stat(path: str) -> List[Any]:
    """What identifies the content of a video file / frame folder cheaply."""
    if os.path.isdir(path):
        names = sorted(os.listdir(path))
        mt = max((os.stat(os.path.join(path, n)).st_mtime_ns for n in names),
                 default=0)
        return ['dir', len(names), mt]
    if os.path.exists(path):
        st = os.stat(path)
        return ['file', st.st_size, st.st_mtime_ns]
    return ['missing']


def video_key(entry: VideoEntry) -> str:
    safe = re.sub(r'[^A-Za-z0-9_.-]+', '_', entry.frame_dir)[:80]
    return f'{safe}-{_sha1(entry.path, entry.frame_dir)[:10]}'


class _TqdmHandler(logging.Handler):

    def emit(self, record):
        try:
            from tqdm import tqdm
            tqdm.write(self.format(record))
        except Exception:
            self.handleError(record)


# ----------------------------------------------------------------------------
# real low-resolution input
# ----------------------------------------------------------------------------
def real_lr_pipeline(cfg_or_pipeline) -> List[dict]:
    """The test pipeline for REAL low-resolution frames.

    The SR configs evaluate on simulated LR: ``TopdownAffine`` to the HR
    size, then ``LowResDegrade`` (x s). Frames that are already low
    resolution must not be degraded a second time: this returns a copy of the
    pipeline with ``LowResDegrade`` dropped and ``TopdownAffine``'s
    ``input_size`` divided by the model scale (``model_scale`` or ``scale``),
    so the crop is warped straight to the LR size the model expects (the
    estimator then maps coordinates with the real-LR pixel-centre rule, see
    ``SRTopdownPoseEstimator``). A pipeline without ``LowResDegrade`` is
    returned unchanged (an HR or already-LR model).

    Args:
        cfg_or_pipeline: an mmengine ``Config`` / config path (its
            ``test_dataloader.dataset.pipeline`` is used) or a pipeline list.
    """
    import copy
    if isinstance(cfg_or_pipeline, str):
        from mmengine.config import Config
        cfg_or_pipeline = Config.fromfile(cfg_or_pipeline)
    if isinstance(cfg_or_pipeline, (list, tuple)):
        pipeline = cfg_or_pipeline
    else:
        pipeline = cfg_or_pipeline.test_dataloader.dataset.pipeline
    pipeline = [copy.deepcopy(dict(t)) for t in pipeline]
    degrade = [t for t in pipeline if t.get('type') == 'LowResDegrade']
    if not degrade:
        return pipeline
    if len(degrade) > 1:
        raise ValueError('the pipeline has more than one LowResDegrade')
    d = degrade[0]
    scale = d.get('model_scale') or d.get('scale', 4)
    if isinstance(scale, (list, tuple)):
        raise ValueError('LowResDegrade with a list of scales needs '
                         'model_scale to derive the real-LR input size')
    scale = int(scale)
    i_deg = pipeline.index(d)
    affine = [i for i, t in enumerate(pipeline[:i_deg])
              if t.get('type') == 'TopdownAffine']
    if not affine:
        raise ValueError('no TopdownAffine before LowResDegrade: cannot '
                         'derive the real-LR input size')
    t = pipeline[affine[-1]]
    w, h = (int(v) for v in t['input_size'])
    if w % scale or h % scale:
        raise ValueError(f'TopdownAffine input_size {(w, h)} is not divisible '
                         f'by the SR scale {scale}')
    t['input_size'] = (w // scale, h // scale)
    del pipeline[i_deg]
    return pipeline


# ----------------------------------------------------------------------------
# one video
# ----------------------------------------------------------------------------
def extract_video(model, entry: VideoEntry, box_source, *, batch_size: int = 64,
                  lr_scale: float = 1, lr_interp: str = 'area',
                  keypoint_space: str = 'original', max_persons: int = 2,
                  video_backend: str = 'auto', min_box_size: float = 2.0,
                  max_bad_frame_ratio: float = 0.5, pipeline=None,
                  progress: bool = False) -> Dict[str, Any]:
    """Extract the skeletons of one video.

    Returns ``dict(annotation=..., report=...)``. Raises one of
    ``VideoReadError``, ``BoxFileError``, ``NoPersonError`` for a video that
    must be listed as failed.
    """
    from lrpose_mm.apis import iter_topdown_batched
    t0 = time.perf_counter()
    if keypoint_space not in ('original', 'input'):
        raise ValueError("keypoint_space must be 'original' or 'input'")
    num_kpts = int((getattr(model, 'dataset_meta', None) or {}).get(
        'num_keypoints', 17))
    reader = FrameReader(entry.path, video_backend)
    per_frame: List[List[tuple]] = []
    bad_frames: List[int] = []
    bad_reasons: Dict[int, str] = {}
    skipped: List[list] = []
    n_skipped = 0
    queue: collections.deque = collections.deque()
    shapes: Dict[str, Any] = {}
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(desc=entry.frame_dir[:30], unit='fr', leave=False,
                   dynamic_ncols=True)

    def crops():
        nonlocal n_skipped
        for idx, frame in reader:
            if bar is not None:
                if bar.total is None and reader.num_frames_hint:
                    bar.total = reader.num_frames_hint
                bar.update(1)
            per_frame.append([])
            if frame is None:
                bad_frames.append(idx)
                bad_reasons[idx] = 'frame could not be decoded'
                continue
            if 'orig' not in shapes:
                shapes['orig'] = frame.shape[:2]
            elif frame.shape[:2] != shapes['orig']:
                bad_frames.append(idx)
                bad_reasons[idx] = (f'frame size {frame.shape[:2]} differs '
                                    f'from the first frame {shapes["orig"]}')
                continue
            fin = downscale(frame, lr_scale, lr_interp)
            if 'input' not in shapes:
                shapes['input'] = fin.shape[:2]
            h0, w0 = shapes['orig']
            hi, wi = fin.shape[:2]
            sx, sy = w0 / wi, h0 / hi
            seen = set()
            for b in box_source(idx, fin, sx, sy):
                pid = int(b[4])
                box, reason = sanitize_box(b, wi, hi, min_box_size)
                if box is None or pid in seen:
                    reason = reason or f'duplicate track id {pid}'
                    n_skipped += 1
                    if len(skipped) < MAX_LISTED:
                        skipped.append([idx, pid, reason])
                    logger.debug('%s frame %d person %d: box skipped: %s',
                                 entry.frame_dir, idx, pid, reason)
                    continue
                seen.add(pid)
                queue.append((idx, pid))
                yield fin, box

    try:
        for sample in iter_topdown_batched(model, crops(), batch_size,
                                           pipeline):
            idx, pid = queue.popleft()
            kp = np.asarray(sample.pred_instances.keypoints, np.float32)
            sc = np.asarray(sample.pred_instances.keypoint_scores, np.float32)
            per_frame[idx].append((pid, kp.reshape(-1, num_kpts, 2)[0],
                                   sc.reshape(-1, num_kpts)[0]))
    finally:
        if bar is not None:
            bar.close()
    assert not queue, 'internal error: unmatched crops'

    T = len(per_frame)
    if T == 0 or 'orig' not in shapes:
        raise VideoReadError(f'{entry.path}: no frame could be decoded')
    if len(bad_frames) > max_bad_frame_ratio * T:
        raise VideoReadError(
            f'{entry.path}: {len(bad_frames)} of {T} frames are corrupt '
            f'(more than max_bad_frame_ratio={max_bad_frame_ratio})')
    counts = collections.Counter(p for fr in per_frame for p, _, _ in fr)
    if not counts:
        raise NoPersonError(
            f'{entry.path}: no usable person box in any of its {T} frames'
            + (f' ({n_skipped} degenerate boxes skipped)' if n_skipped else
               ''))
    pids = sorted(counts, key=lambda p: (-counts[p], p))
    warnings = list(reader.warnings)
    if len(pids) > max_persons:
        warnings.append(f'{len(pids)} persons tracked; kept the '
                        f'{max_persons} present in most frames '
                        f'(ids {pids[:max_persons]}), dropped ids '
                        f'{pids[max_persons:]}')
        pids = pids[:max_persons]
    slot = {p: m for m, p in enumerate(pids)}
    M = len(pids)
    keypoint = np.zeros((M, T, num_kpts, 2), np.float32)
    score = np.zeros((M, T, num_kpts), np.float32)
    present = np.zeros((M, T), bool)
    for t, fr in enumerate(per_frame):
        for pid, kp, sc in fr:
            if pid in slot:
                keypoint[slot[pid], t] = kp
                score[slot[pid], t] = sc
                present[slot[pid], t] = True
    h0, w0 = shapes['orig']
    hi, wi = shapes['input']
    if keypoint_space == 'original' and (hi, wi) != (h0, w0):
        keypoint[..., 0] = (keypoint[..., 0] + 0.5) * (w0 / wi) - 0.5
        keypoint[..., 1] = (keypoint[..., 1] + 0.5) * (h0 / hi) - 0.5
        keypoint[~present] = 0  # keep "no person" entries exactly 0
    img_shape = (h0, w0) if keypoint_space == 'original' else (hi, wi)
    ann = dict(frame_dir=entry.frame_dir, label=int(entry.label),
               img_shape=tuple(int(v) for v in img_shape),
               original_shape=(int(h0), int(w0)), total_frames=int(T),
               keypoint=keypoint, keypoint_score=score)
    if bad_frames:
        ann['bad_frames'] = list(bad_frames)
    report = dict(frame_dir=entry.frame_dir, path=entry.path,
                  total_frames=T, persons=M, track_ids=pids,
                  crops=int(sum(len(f) for f in per_frame)),
                  bad_frames=[[i, bad_reasons[i]] for i in bad_frames],
                  skipped_boxes=skipped, num_skipped_boxes=n_skipped,
                  warnings=warnings, backend=reader.backend,
                  input_shape=[int(hi), int(wi)],
                  seconds=round(time.perf_counter() - t0, 3))
    return dict(annotation=ann, report=report)


# ----------------------------------------------------------------------------
# a dataset
# ----------------------------------------------------------------------------
def _build_pose_model(pose_config, checkpoint, device):
    import torch
    if isinstance(pose_config, torch.nn.Module):
        return pose_config
    import lrpose_mm  # noqa: F401  (registers the SR modules, compat fixes)
    from mmpose.apis import init_model
    if checkpoint is None:
        # random weights (smoke tests): seeded, so that reruns resume
        logger.warning('no pose checkpoint: using random (seeded) weights')
        state = torch.random.get_rng_state()
        torch.manual_seed(0)
        try:
            return init_model(pose_config, None, device=device)
        finally:
            torch.random.set_rng_state(state)
    return init_model(pose_config, checkpoint, device=device)


def _assemble(entries, results, out_file) -> Dict[str, Any]:
    annotations, split = [], collections.OrderedDict(train=[], val=[])
    for e in entries:
        r = results.get(e.frame_dir)
        if r is None:
            continue
        annotations.append(r['annotation'])
        split.setdefault(e.split, []).append(e.frame_dir)
    data = dict(split=dict(split), annotations=annotations)
    atomic_pickle_dump(data, out_file)
    return data


def extract_dataset(pose_config: Union[str, Any],
                    checkpoint: Optional[str],
                    video_list: Union[str, Sequence[Any]],
                    out_file: str,
                    lr_scale: float = 1,
                    batch_size: int = 64,
                    *,
                    work_dir: Optional[str] = None,
                    device: str = 'cpu',
                    boxes: str = 'auto',
                    tracks_dir: Optional[str] = None,
                    det_config: Optional[str] = None,
                    det_checkpoint: Optional[str] = None,
                    det_score_thr: float = 0.5,
                    det_cat_id: int = 0,
                    max_persons: int = 2,
                    keypoint_space: str = 'original',
                    lr_interp: str = 'area',
                    video_backend: str = 'auto',
                    min_box_size: float = 2.0,
                    max_bad_frame_ratio: float = 0.5,
                    default_split: str = 'train',
                    val_ratio: float = 0.0,
                    pipeline: Optional[Sequence[dict]] = None,
                    overwrite: bool = False,
                    retry_failed: bool = True,
                    progress: bool = True) -> Dict[str, Any]:
    """Extract skeletons for a list of videos into a PoseDataset file.

    Args:
        pose_config: MMPose top-down config path (or a model already built by
            ``mmpose.apis.init_model``).
        checkpoint: its weights (``None``: random weights, for tests).
        video_list: list file (see :mod:`.video_list`) or list of entries.
        out_file: the annotation pickle to write.
        lr_scale: downscale frames by this factor first (simulated LR).
        batch_size: crops per forward pass.
        boxes: 'auto' (per video: its track file if any, else the detector
            if ``det_config`` is given, else the full frame), 'tracks'
            (a track file is required for every video), 'full-frame' or
            'detector'.
        tracks_dir: folder with ``<video stem>.json`` track files, used for
            videos whose list entry names none.
        work_dir: per-video results, log and report (default:
            ``<out_file without .pkl>_work``).

    Returns:
        a summary dict: ``out_file``, ``num_videos``, ``num_ok``,
        ``num_failed``, ``failures`` (list of dicts), ``num_resumed``,
        ``report_file``, ``failures_file``, ``log_file``, ``seconds``.
    """
    t_start = time.perf_counter()
    if boxes not in ('auto', 'tracks', 'full-frame', 'detector'):
        raise ValueError("boxes must be 'auto', 'tracks', 'full-frame' or "
                         f"'detector', got {boxes!r}")
    if boxes == 'detector' and not det_config:
        raise ValueError("boxes='detector' needs det_config")
    if lr_scale <= 0:
        raise ValueError(f'lr_scale must be > 0, got {lr_scale}')
    if lr_interp not in ('area', 'bicubic', 'bilinear'):
        raise ValueError("lr_interp must be 'area', 'bicubic' or 'bilinear'")
    if keypoint_space not in ('original', 'input'):
        raise ValueError("keypoint_space must be 'original' or 'input'")
    entries = parse_video_list(video_list, default_split=default_split,
                               val_ratio=val_ratio)
    out_file = os.path.abspath(out_file)
    stem = out_file[:-4] if out_file.endswith('.pkl') else out_file
    work_dir = os.path.abspath(work_dir or stem + '_work')
    os.makedirs(os.path.join(work_dir, 'videos'), exist_ok=True)
    os.makedirs(os.path.join(work_dir, 'failed'), exist_ok=True)

    log_file = os.path.join(work_dir, 'extract.log')
    fh = logging.FileHandler(log_file)
    fh.setLevel(logging.DEBUG)
    fh.setFormatter(logging.Formatter('%(asctime)s %(levelname)s %(message)s'))
    ch = _TqdmHandler()
    ch.setLevel(logging.WARNING)
    ch.setFormatter(logging.Formatter('[extract] %(levelname)s %(message)s'))
    logger.addHandler(fh)
    logger.addHandler(ch)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        model = _build_pose_model(pose_config, checkpoint, device)
        backend = resolve_backend(video_backend)
        det = None
        if det_config and boxes in ('auto', 'detector'):
            det = DetectorBoxes(det_config, det_checkpoint, device,
                                det_score_thr, det_cat_id, max_persons)
        settings = dict(
            version=SETTINGS_VERSION, model=model_fingerprint(model),
            pipeline=_sha1(pipeline) if pipeline is not None else None,
            lr_scale=float(lr_scale), lr_interp=lr_interp,
            keypoint_space=keypoint_space, max_persons=int(max_persons),
            video_backend=backend, min_box_size=float(min_box_size),
            max_bad_frame_ratio=float(max_bad_frame_ratio), boxes=boxes,
            detector=(None if det is None else
                      [os.path.abspath(det_config), det_checkpoint,
                       det_score_thr, det_cat_id]))
        settings_file = os.path.join(work_dir, 'settings.json')
        diff = changed_settings(settings_file, settings)
        if diff is not None:
            if diff and not overwrite:
                raise SettingsMismatchError(
                    f'{work_dir} holds results made with different settings '
                    f'({", ".join(diff)} changed); use another work_dir or '
                    'overwrite=True (--overwrite) to discard them')
            if diff:
                logger.warning('settings changed (%s): discarding previous '
                               'results in %s', ', '.join(diff), work_dir)
                for sub in ('videos', 'failed'):
                    for n in os.listdir(os.path.join(work_dir, sub)):
                        os.unlink(os.path.join(work_dir, sub, n))
        atomic_json_dump(settings, settings_file)
        settings_hash = _sha1(json.dumps(settings, sort_keys=True))
        logger.info('extracting %d videos -> %s (work dir %s, settings %s)',
                    len(entries), out_file, work_dir, settings_hash[:10])

        results: Dict[str, Dict] = {}
        failures: List[Dict[str, Any]] = []
        reports: List[Dict[str, Any]] = []
        n_resumed = 0
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=len(entries), desc='videos', unit='video',
                       dynamic_ncols=True)
        for e in entries:
            key = video_key(e)
            res_file = os.path.join(work_dir, 'videos', key + '.pkl')
            fail_file = os.path.join(work_dir, 'failed', key + '.json')
            tracks = e.tracks
            if tracks is None and tracks_dir:
                from .boxes import tracks_path_for
                tracks = tracks_path_for(e.path, tracks_dir)
            source = dict(video=_source_stat(e.path),
                          tracks=None if tracks is None else
                          [tracks] + _source_stat(tracks),
                          label=e.label, settings=settings_hash)
            # ---- resume ----
            if os.path.exists(res_file):
                try:
                    done = load_pickle(res_file)
                except Exception as ex:  # truncated by a crash: redo it
                    logger.warning('%s: unreadable partial result (%s); '
                                   'extracting again', res_file, ex)
                    done = None
                if done is not None and done.get('source') == source:
                    results[e.frame_dir] = done
                    reports.append(done['report'])
                    n_resumed += 1
                    if bar is not None:
                        bar.update(1)
                    continue
            if os.path.exists(fail_file) and not retry_failed:
                with open(fail_file) as f:
                    failures.append(json.load(f))
                if bar is not None:
                    bar.update(1)
                continue
            # ---- extract ----
            try:
                if tracks is not None:
                    src = TrackBoxes(tracks)
                elif boxes == 'tracks':
                    raise BoxFileError(f'{e.path}: no track file (give '
                                       '"tracks" in the video list or '
                                       '--tracks-dir)')
                elif det is not None:
                    src = det
                else:
                    src = FullFrameBoxes()
                res = extract_video(
                    model, e, src, batch_size=batch_size, lr_scale=lr_scale,
                    lr_interp=lr_interp, keypoint_space=keypoint_space,
                    max_persons=max_persons, video_backend=backend,
                    min_box_size=min_box_size,
                    max_bad_frame_ratio=max_bad_frame_ratio,
                    pipeline=pipeline, progress=progress)
            except VIDEO_FAILURES as ex:
                rec = dict(frame_dir=e.frame_dir, path=e.path,
                           label=e.label, split=e.split,
                           error=f'{type(ex).__name__}: {ex}')
                logger.error('FAILED %s: %s', e.path, rec['error'])
                atomic_json_dump(rec, fail_file)
                failures.append(rec)
                if bar is not None:
                    bar.update(1)
                continue
            res['annotation']['label'] = int(e.label)
            res['source'] = source
            rep = res['report']
            box_src = getattr(src, 'name', type(src).__name__)
            rep['boxes'] = box_src
            if rep['bad_frames']:
                logger.warning('%s: %d corrupt frame(s) %s: scores set to 0',
                               e.frame_dir, len(rep['bad_frames']),
                               [b[0] for b in rep['bad_frames']][:20])
            if rep['num_skipped_boxes']:
                logger.warning('%s: %d empty/degenerate box(es) skipped, '
                               'e.g. frame %d person %d: %s', e.frame_dir,
                               rep['num_skipped_boxes'],
                               *rep['skipped_boxes'][0])
            for w in rep['warnings']:
                logger.warning('%s: %s', e.frame_dir, w)
            logger.info('%s: %d frames, %d persons, %d crops, %.2fs',
                        e.frame_dir, rep['total_frames'], rep['persons'],
                        rep['crops'], rep['seconds'])
            atomic_pickle_dump(res, res_file)
            if os.path.exists(fail_file):
                os.unlink(fail_file)
            results[e.frame_dir] = res
            reports.append(rep)
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()

        _assemble(entries, results, out_file)
        failures_file = stem + '.failures.json'
        report_file = os.path.join(work_dir, 'report.json')
        atomic_json_dump(failures, failures_file)
        summary = dict(out_file=out_file, work_dir=work_dir,
                       num_videos=len(entries), num_ok=len(results),
                       num_failed=len(failures), num_resumed=n_resumed,
                       failures=failures, failures_file=failures_file,
                       report_file=report_file, log_file=log_file,
                       num_bad_frames=sum(len(r['bad_frames'])
                                          for r in reports),
                       num_skipped_boxes=sum(r['num_skipped_boxes']
                                             for r in reports),
                       seconds=round(time.perf_counter() - t_start, 3))
        atomic_json_dump(dict(summary=summary, settings=settings,
                              videos=reports), report_file)
        logger.info('done: %d ok (%d resumed), %d failed -> %s',
                    len(results), n_resumed, len(failures), out_file)
        if failures:
            logger.warning('%d video(s) failed; listed in %s',
                           len(failures), failures_file)
        return summary
    finally:
        logger.removeHandler(fh)
        logger.removeHandler(ch)
        fh.close()
        logger.setLevel(old_level)
