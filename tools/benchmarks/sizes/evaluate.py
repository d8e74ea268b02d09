"""Mixed-size statistics of one test stage: AP and PCK overall and per bucket of person
height, with bootstrap samples over images; each prediction is tied to its GT box through
the per-person dump."""
import contextlib
import copy
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np
from mmpose.datasets.transforms import TopdownAffine
from mmpose.structures.bbox import bbox_xyxy2cs
from xtcocotools.coco import COCO

from lrpose_mm.datasets.metainfo import coco_metainfo
from lrpose_mm.evaluation import load_instances

from ..common.stages import StageRecord
from ..common.stats import (
    Bootstrapped,
    CocoKeypointAP,
    bootstrap,
    per_image_pck,
    person_hits,
    verdict,
)

#: person-height buckets (GT box height in image pixels): (label, low, high), low <= h < high
SIZE_BUCKETS: Tuple[Tuple[str, float, float], ...] = (
    ('<48', 0.0, 48.0), ('48-96', 48.0, 96.0), ('96-160', 96.0, 160.0),
    ('>=160', 160.0, float('inf')))


#: person-height buckets of the real-LR comparison: GT box height in the real LR image (px),
#: against the 32 px LR crop
LR_BUCKETS: Tuple[Tuple[str, float, float], ...] = (
    ('<24', 0.0, 24.0), ('24-32', 24.0, 32.0), ('32-40', 32.0, 40.0), ('>=40', 40.0, float('inf')))


def bucket_of(height: float) -> str:
    """The :data:`SIZE_BUCKETS` label of a person ``height`` px tall (low <= h < high)."""
    h = float(height)
    if not np.isfinite(h) or h < 0:
        raise ValueError(f'person height must be a finite number >= 0, got {height!r}')
    return next(label for label, lo, hi in SIZE_BUCKETS if lo <= h < hi)



@dataclass
class RowStats:
    """AP / PCK (point + bootstrap samples) of one evaluation, overall and per bucket."""
    label: str
    stage: StageRecord
    ap: Dict[str, Bootstrapped] = field(default_factory=dict)
    pck: Dict[str, Bootstrapped] = field(default_factory=dict)
    people: Dict[str, int] = field(default_factory=dict)
    sr_share: Optional[float] = None  # fraction of people routed to an SR path
    route_share: Dict[str, float] = field(default_factory=dict)  # per route ('sr', 'sr_x2')
    sr_share_by_bucket: Dict[str, float] = field(default_factory=dict)


def coco_from(data: dict):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = data
        gt.createIndex()
    return gt


def coco_sigmas() -> np.ndarray:
    return coco_metainfo()['sigmas']


def match_results(results: List[dict], inst: Dict[str, np.ndarray]) -> np.ndarray:
    """Index into the dump of each ``CocoMetric`` result (same image, same keypoints):
    ties every (post-NMS) prediction to the GT box it was made from."""
    by_img: Dict[int, np.ndarray] = {}
    for i, iid in enumerate(inst['img_id']):
        by_img.setdefault(int(iid), []).append(i)
    out = np.empty(len(results), np.int64)
    for r, res in enumerate(results):
        cand = np.asarray(by_img.get(int(res['image_id']), []), np.int64)
        if not len(cand):
            raise ValueError(f'result for image {res["image_id"]} has no dumped person')
        kp = np.asarray(res['keypoints'], np.float64).reshape(-1, 3)[:, :2]
        err = np.abs(inst['pred'][cand].astype(np.float64) - kp).max(axis=(1, 2))
        if err.min() > 1e-2:
            raise ValueError(f'result for image {res["image_id"]} matches no dumped '
                             f'prediction (closest {err.min():.3g} px)')
        out[r] = cand[int(err.argmin())]
    return out


def person_annotations(inst: Dict[str, np.ndarray], gt_data: dict) -> List[dict]:
    """The GT annotation of each dumped person (same image, same box as MMPose clips it)."""
    by_img: Dict[int, List[dict]] = {}
    for a in gt_data['annotations']:
        by_img.setdefault(int(a['image_id']), []).append(a)
    size = {int(im['id']): (im['width'], im['height']) for im in gt_data['images']}
    out = []
    for iid, box in zip(inst['img_id'], inst['bbox']):
        anns = by_img.get(int(iid), [])
        if not anns:
            raise ValueError(f'dumped person of image {iid} has no GT annotation')
        xyxy = np.array([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in anns)])
        W, H = size[int(iid)]  # MMPose's CocoDataset clips boxes to the image like this
        xyxy[:, 0::2] = np.clip(xyxy[:, 0::2], 0, W - 1)
        xyxy[:, 1::2] = np.clip(xyxy[:, 1::2], 0, H - 1)
        err = np.abs(xyxy - box[None]).max(1)
        if err.min() > 1e-2:
            raise ValueError(f'dumped person of image {iid} matches no GT box '
                             f'(closest {err.min():.3g} px)')
        out.append(anns[int(err.argmin())])
    return out


def evaluate_stage(label: str, rec: StageRecord, gt_data: dict, image_ids: Sequence[int],
                   idx: np.ndarray, buckets: bool = True) -> RowStats:
    """Overall and per-bucket AP / PCK of one test stage on the shared resamples ``idx``."""
    sigmas = coco_sigmas()
    pos = {iid: i for i, iid in enumerate(image_ids)}
    inst = load_instances(rec.files['instances'])
    anns = person_annotations(inst, gt_data)
    labels = np.array([bucket_of(a['bbox'][3]) for a in anns])
    hits = person_hits(inst['pred'], inst['gt'], inst['mask'], inst['bbox'])
    img_pos = np.array([pos[int(i)] for i in inst['img_id']])
    results = json.loads(Path(rec.files['coco']).read_text())
    row = RowStats(label, rec)
    ap = CocoKeypointAP(coco_from(gt_data), copy.deepcopy(results), sigmas, image_ids)
    row.ap['all'] = bootstrap(ap, idx)
    row.pck['all'] = bootstrap(per_image_pck(hits, img_pos, len(image_ids)), idx)
    row.people['all'] = len(anns)
    if 'sr_path' in inst:
        is_sr = np.char.startswith(inst['sr_path'].astype(str), 'sr')  # 'sr', 'sr_x2'
        row.sr_share = float(np.mean(is_sr))
        row.route_share = {str(r): float(np.mean(inst['sr_path'] == r))
                           for r in np.unique(inst['sr_path'])}
    if not buckets:
        return row
    res_bucket = labels[match_results(results, inst)]
    ann_bucket = {a['id']: bucket_of(a['bbox'][3]) for a in gt_data['annotations']}
    for b, _, _ in SIZE_BUCKETS:
        sel = labels == b
        row.people[b] = int(sel.sum())
        if not sel.any():
            continue
        if 'sr_path' in inst:
            row.sr_share_by_bucket[b] = float(np.mean(is_sr[sel]))
        row.pck[b] = bootstrap(per_image_pck(hits[sel], img_pos[sel], len(image_ids)), idx)
        in_b = res_bucket == b
        if in_b.any():
            row.ap[b] = subset_ap(gt_data, results, {i for i, v in ann_bucket.items() if v == b},
                                  in_b, image_ids, idx)
    return row


def subset_ap(gt_data: dict, results: List[dict], keep_ann: Set[int], keep_result: np.ndarray,
              image_ids: Sequence[int], idx: np.ndarray) -> Bootstrapped:
    """Bootstrapped AP of some people only: the GT annotations ``keep_ann`` (ids) against
    the results flagged in ``keep_result``, over the images ``image_ids``."""
    gt = dict(gt_data, annotations=[a for a in gt_data['annotations'] if a['id'] in keep_ann])
    res = copy.deepcopy([r for r, keep in zip(results, keep_result) if keep])
    return bootstrap(CocoKeypointAP(coco_from(gt), res, coco_sigmas(), image_ids), idx)


def paired_dumps(sim: StageRecord, real: StageRecord) -> Tuple[dict, dict]:
    """The per-person dumps of a simulated-LR and a real-LR test of the same people, in the
    same order (an error names the two stages otherwise)."""
    s, r = load_instances(sim.files['instances']), load_instances(real.files['instances'])
    if not np.array_equal(s['img_id'], r['img_id']):
        raise ValueError(f'the dumps of {sim.name} and {real.name} do not list the same people')
    return s, r


def ap_gap_crop_filled(sim: StageRecord, real: StageRecord, sim_gt: dict, real_gt: dict,
                       image_ids: Sequence[int], idx: np.ndarray,
                       crop_size: Tuple[int, int], padding: float = 1.25) -> dict:
    """Real − simulated AP of the people whose crop region in the real LR image is at least
    as tall as the LR crop (``crop_size`` = (w, h)), paired over the resamples ``idx``.

    Their real crop is reduced or kept, never enlarged, so both inputs hold a full crop of
    the person's rows and only the resampling (kernels, phase, order) differs. A smaller
    person has fewer rows in the real LR image than in the simulated crop, which is reduced
    from the HR crop: a difference of information, not of degradation."""
    s, r = paired_dumps(sim, real)
    w, h = crop_size
    _, scale = bbox_xyxy2cs(r['bbox'].astype(np.float32), padding=padding)
    rows = TopdownAffine._fix_aspect_ratio(scale, w / h)[:, 1]
    keep = rows >= h
    out = dict(min_region_rows=float(h), people=int(keep.sum()), of=int(len(keep)))
    if not keep.any():
        return out
    aps = []
    for inst, rec, gt in ((s, sim, sim_gt), (r, real, real_gt)):
        results = json.loads(Path(rec.files['coco']).read_text())
        keep_ann = {a['id'] for a, k in zip(person_annotations(inst, gt), keep) if k}
        aps.append(subset_ap(gt, results, keep_ann, keep[match_results(results, inst)],
                             image_ids, idx))
    diff = (aps[1] - aps[0]).interval()
    out.update(sim=aps[0].interval(), real=aps[1].interval(), diff=diff, verdict=verdict(diff),
               met=bool(verdict(diff) != 'reversed' or diff[0] >= -0.005))
    return out


def pck_gap_by_size(sim: StageRecord, real: StageRecord, image_ids: Sequence[int],
                    idx: np.ndarray) -> Dict[str, dict]:
    """Real − simulated PCK@0.1 of the same people per :data:`LR_BUCKETS` bucket of their
    height in the real LR image, paired over the shared image resamples ``idx``."""
    s, r = paired_dumps(sim, real)
    pos = {iid: i for i, iid in enumerate(image_ids)}
    img_pos = np.array([pos[int(i)] for i in s['img_id']])
    hits = [person_hits(d['pred'], d['gt'], d['mask'], d['bbox']) for d in (s, r)]
    heights = r['bbox'][:, 3] - r['bbox'][:, 1]
    out = {}
    for label, lo, hi in LR_BUCKETS:
        sel = (heights >= lo) & (heights < hi)
        if not sel.any():
            continue
        ps, pr = (bootstrap(per_image_pck(h[sel], img_pos[sel], len(image_ids)), idx)
                  for h in hits)
        diff = (pr - ps).interval()
        out[label] = dict(people=int(sel.sum()), sim=ps.interval(), real=pr.interval(),
                          diff=diff, verdict=verdict(diff))
    return out
