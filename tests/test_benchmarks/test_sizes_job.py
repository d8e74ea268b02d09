"""The mixed-size / real-LR evaluation: buckets, exact rescaling, routing, the whole job."""
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
from benchmarks.sizes.data import rescale_split, size_factors  # noqa: E402
from benchmarks.sizes.evaluate import bucket_of  # noqa: E402
from benchmarks.sizes.job import SizesBudget, load_row_config, run_sizes_benchmark  # noqa: E402
from benchmarks.sizes.pipelines import (  # noqa: E402
    ALWAYS_SR,
    NEVER_SR,
    routed_pipeline,
    with_pipeline,
)
from benchmarks.sizes.threshold import DUMP_FILES, region_heights  # noqa: E402

from lrpose_mm.action import real_lr_pipeline  # noqa: E402
from lrpose_mm.evaluation import load_instances  # noqa: E402

PDSR = 'lrpose_mm::synthetic/pdsr-x4_hrnet-tiny_synthetic-lr32x24.py'
ORACLE = 'lrpose_mm::synthetic/hr-oracle_hrnet-tiny_synthetic-128x96.py'


@pytest.mark.parametrize('height,bucket', [
    (0.0, '<48'), (47.999, '<48'), (48.0, '48-96'), (95.99, '48-96'), (96.0, '96-160'),
    (159.999, '96-160'), (160.0, '>=160'), (1e4, '>=160')])
def test_bucket_boundaries_belong_to_the_upper_bucket(height, bucket):
    assert bucket_of(height) == bucket


@pytest.mark.parametrize('bad', [-1.0, float('nan'), float('inf')])
def test_bucket_rejects_invalid_heights(bad):
    with pytest.raises(ValueError, match='height'):
        bucket_of(bad)


def test_size_factors_are_stratified_in_range():
    f = size_factors(8, (0.15, 0.95), seed=0)
    edges = np.exp(np.linspace(np.log(0.15), np.log(0.95), 9))
    assert np.all((f >= edges[:-1]) & (f <= edges[1:]))  # one factor per log-interval
    assert np.array_equal(f, size_factors(8, (0.15, 0.95), seed=0))
    with pytest.raises(ValueError, match='scale_range'):
        size_factors(4, (0.5, 1.5), seed=0)


def _generate(root: Path, n: int, split: str, img_size=(96, 128)) -> dict:
    from lrpose_mm.datasets.synthetic import generate_coco_people
    return generate_coco_people(str(root), n, seed=0, img_size=img_size, split_name=split,
                                workers=1, progress=False, people_per_image=(1, 2))


def test_rescale_maps_annotations_exactly_and_is_reused(tmp_path):
    import cv2
    src = _generate(tmp_path / 'src', 2, 'val')
    out = rescale_split(src['ann_file'], src['img_dir'], str(tmp_path / 'dst'), 'val-lr4',
                        {1: 0.25, 2: 0.5})
    assert not out['cached']
    old = json.loads(Path(src['ann_file']).read_text())
    new = json.loads(Path(out['ann_file']).read_text())
    assert [im['id'] for im in new['images']] == [im['id'] for im in old['images']]
    for im in new['images']:
        img = cv2.imread(str(tmp_path / 'dst' / 'val-lr4' / im['file_name']))
        assert img.shape[:2] == (im['height'], im['width'])
    s = {1: 0.25, 2: 0.5}
    for a, b in zip(old['annotations'], new['annotations']):
        f = s[a['image_id']]
        ka, kb = np.reshape(a['keypoints'], (-1, 3)), np.reshape(b['keypoints'], (-1, 3))
        lab = ka[:, 2] > 0
        np.testing.assert_allclose(kb[lab, :2], (ka[lab, :2] + 0.5) * f - 0.5, atol=2e-3)
        assert np.array_equal(kb[:, 2], ka[:, 2])
        x, y, w, h = a['bbox']
        np.testing.assert_allclose(b['bbox'], [(x + .5) * f - .5, (y + .5) * f - .5, w * f, h * f])
        assert b['area'] == pytest.approx(a['area'] * f * f)
    again = rescale_split(src['ann_file'], src['img_dir'], str(tmp_path / 'dst'), 'val-lr4',
                          {1: 0.25, 2: 0.5})
    assert again['cached'] and again['cache_key'] == out['cache_key']
    with pytest.raises(ValueError, match='no factor'):
        rescale_split(src['ann_file'], src['img_dir'], str(tmp_path / 'x'), 'v', {1: 0.5})


def test_pipelines_route_and_crop_at_the_right_sizes():
    cfg = load_row_config(dict(config=PDSR))
    never = next(t for t in routed_pipeline(cfg, NEVER_SR) if 'Adaptive' in t['type'])
    assert never['size_threshold'] == NEVER_SR and tuple(never['input_size']) == (96, 128)
    assert not any(t['type'] == 'LowResDegrade' for t in routed_pipeline(cfg, ALWAYS_SR))
    real = real_lr_pipeline(cfg, scale=4)
    crop = next(t for t in real if t['type'] == 'TopdownAffine')
    assert tuple(crop['input_size']) == (24, 32)
    assert not any(t['type'] == 'LowResDegrade' for t in real)
    with pytest.raises(ValueError, match='LowResDegrade'):
        real_lr_pipeline(load_row_config(dict(config=ORACLE)), scale=4)
    with pytest.raises(ValueError, match='simulates x4'):  # images reduced x2, model x4
        real_lr_pipeline(cfg, scale=2)


def _random_checkpoint(config: str, path: Path, seed: int = 0) -> str:
    """An untrained checkpoint of ``config`` (the tests check plumbing, not accuracy)."""
    import torch
    from mmpose.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(load_row_config(dict(config=config)).model)
    torch.save(dict(state_dict=model.state_dict(), meta={}), str(path))
    return str(path)


@pytest.fixture(scope='module')
def tiny_job(tmp_path_factory, mmpose_scope_one_thread):
    """A pose-job work dir on tiny generated data: budget.json + checkpoints.json."""
    from benchmarks.budget import BUDGETS
    root = tmp_path_factory.mktemp('sizes')
    data = root / 'data'
    _generate(data, 3, 'val', img_size=(128, 96))
    _generate(data, 4, 'train', img_size=(128, 96))   # the x2 necks and camera rows train
    work = root / 'work'
    work.mkdir()
    budget = dict(vars(BUDGETS['quick']), data_root=str(data))
    (work / 'budget.json').write_text(json.dumps(budget))
    ckpts = {k: dict(config=c, overrides={}, checkpoint=_random_checkpoint(c, root / f'{k}.pth'))
             for k, c in (('pdsr', PDSR), ('hr-oracle', ORACLE))}
    # the pose job's --frozen-pose row: other weights, so its routes must differ from PDSR's
    ckpts['frozen-pdsr'] = dict(config=PDSR, overrides=dict(model=dict(freeze_pose=True)),
                                checkpoint=_random_checkpoint(PDSR, root / 'frozen.pth', 1))
    (work / 'checkpoints.json').write_text(json.dumps(ckpts))
    return root, work, ckpts


def test_adaptive_equals_never_sr_when_every_person_is_above_the_threshold(tiny_job):
    from benchmarks.common.stages import StageRunner
    from benchmarks.pose.configure import configure
    from benchmarks.sizes.job import pose_job_budget
    root, work, ckpts = tiny_job
    budget = pose_job_budget(work)
    base = configure(load_row_config(ckpts['pdsr']), budget, budget.data_root, 1, 0, 'val')
    runner = StageRunner(root / 'routes')
    dumps = {}
    for name, thr in (('never', NEVER_SR), ('adaptive', 10.0)):  # every region is > 10 px
        cfg = with_pipeline(base, routed_pipeline(base, thr))
        rec = runner.test(name, cfg, ckpts['pdsr']['checkpoint'], files=DUMP_FILES)
        dumps[name] = load_instances(rec.files['instances'])
        dumps[name]['coco'] = json.loads(Path(rec.files['coco']).read_text())
    a, n = dumps['adaptive'], dumps['never']
    assert len(a['pred']) >= 3 and set(a['sr_path']) == {'direct'}
    assert np.array_equal(a['pred'], n['pred']) and np.array_equal(a['img_id'], n['img_id'])
    assert a['coco'] == n['coco']  # the CocoMetric results too


@pytest.mark.slow
def test_quick_sizes_job_end_to_end(tiny_job):
    root, work, _ = tiny_job
    sizes = SizesBudget(num_images=4, n_resamples=10, img_size=(96, 128),
                        real_lr_rows=['pdsr'], three_path=False, camera_rows=False)
    out = root / 'report'
    run_sizes_benchmark(out, work, sizes, 'test')
    report = json.loads((out / 'report.json').read_text())
    sec = report['sizes']
    assert sec['buckets'][0] == 'all' and len(sec['buckets']) == 5
    rows = {r['row']: r for r in sec['table']}
    assert set(rows) == {'never-sr', 'always-sr', 'adaptive', 'hr-oracle'}
    assert rows['never-sr']['sr_share'] == 0.0 and rows['always-sr']['sr_share'] == 1.0
    assert rows['adaptive']['people']['all'] == sum(
        rows['adaptive']['people'][b] for b in sec['buckets'][1:])
    for r in rows.values():
        for metric in ('AP', 'PCK'):
            for iv in r[metric].values():
                if iv is not None:
                    assert 0.0 <= iv[1] <= iv[0] <= iv[2] <= 1.0
    pairs = {(d['better'], d['worse'], d['bucket'], d['metric']) for d in sec['differences']}
    assert ('adaptive', 'never-sr', 'all', 'AP') in pairs
    assert ('adaptive', 'always-sr', 'all', 'PCK') in pairs
    assert {(t['metric'], t['bucket']) for t in sec['target']} >= {('AP', 'all'), ('PCK', 'all')}
    for t in sec['target']:  # the verdicts of the paired differences decide the target
        v = [d['verdict'] for d in sec['differences'] if d['better'] == 'adaptive'
             and d['bucket'] == t['bucket'] and d['metric'] == t['metric']]
        assert len(v) == 2 and t['met'] == (
            v == ['significant'] * 2 if t['bucket'] == 'all' else 'reversed' not in v)
    # the frozen-oracle PDSR gets its own section: same people and oracle reference row,
    # its own checkpoint through its own stages
    frozen = report['sizes_frozen']
    assert sec['model'] == 'pdsr' and frozen['model'] == 'frozen-pdsr'
    frows = {r['row']: r for r in frozen['table']}
    assert set(frows) == set(rows) and frows['hr-oracle'] == rows['hr-oracle']
    assert frows['always-sr']['people'] == rows['always-sr']['people']
    for route in ('never-sr', 'always-sr', 'adaptive'):
        own = json.loads(next((work / f'sizes-frozen-pdsr-{route}').glob('*/stage.json'))
                         .read_text())
        assert own['checkpoint'] == str(root / 'frozen.pth')
        assert frows[route]['AP']['all'][0] == pytest.approx(own['metrics']['coco/AP'])
        assert frows[route]['PCK']['all'][0] == pytest.approx(own['metrics']['pck0.1/PCK'])
    never = {name: json.loads(next((work / name).glob('*/stage.json')).read_text())
             for name in ('sizes-never-sr', 'sizes-frozen-pdsr-never-sr')}
    assert never['sizes-never-sr']['checkpoint'] == str(root / 'pdsr.pth')
    preds = [load_instances(r['files']['instances'])['pred'] for r in never.values()]
    assert preds[0].shape == preds[1].shape and not np.allclose(preds[0], preds[1])
    md = (out / 'report.md').read_text()
    assert 'PDSR in front of the frozen HR oracle' in md and 'frozen-PDSR ckpt' in md
    real = report['real_lr']['rows']
    assert [r['row'] for r in real] == ['pdsr'] and real[0]['people'] > 0
    assert real[0]['met'] == (real[0]['AP_verdict'] != 'reversed' or real[0]['dAP'][0] >= -0.005)
    # the recorded paths are what the threshold says for each person's crop region
    stage = json.loads(next((work / 'sizes-adaptive').glob('*/stage.json')).read_text())
    assert rows['adaptive']['AP']['all'][0] == pytest.approx(stage['metrics']['coco/AP'])
    assert rows['adaptive']['PCK']['all'][0] == pytest.approx(stage['metrics']['pck0.1/PCK'])
    inst = load_instances(stage['files']['instances'])
    heights = region_heights(inst, Config.fromfile(str(next(
        (work / 'sizes-adaptive').glob('*/*.py')))))
    assert np.array_equal(inst['sr_path'] == 'sr', heights < sec['threshold'])
    assert real[0]['dAP'][1] <= real[0]['dAP'][0] <= real[0]['dAP'][2]
    gap = report['real_lr']['input_gap']
    assert gap['people'] == real[0]['people'] and gap['crop_size'] == [32, 24]
    assert gap['phase_lr_px'] == 0.375 and gap['mean_abs_diff'] >= 0
    assert 'Real vs simulated' in (out / 'report.md').read_text()
    run_sizes_benchmark(out, work, sizes, 'test')  # a rerun evaluates nothing again
    reused = set(json.loads((out / 'report.json').read_text())['meta']['reused_stages'])
    assert {'sizes-never-sr', 'sizes-always-sr', 'sizes-adaptive', 'sizes-hr-oracle',
            'sizes-frozen-pdsr-never-sr', 'sizes-frozen-pdsr-adaptive', 'test-pdsr',
            'real-lr-pdsr'} <= reused


@pytest.mark.slow
@pytest.mark.long
def test_quick_sizes_job_three_paths_and_camera_rows(tiny_job):
    """An x2 and an x1 neck per model, the three- and four-path rows, and the camera-trained
    rows of the real-LR table (six short trainings: `make test-all`)."""
    root, work, _ = tiny_job
    sizes = SizesBudget(num_images=4, n_resamples=10, img_size=(96, 128),
                        real_lr_rows=['pdsr'])
    out = root / 'report-3'
    run_sizes_benchmark(out, work, sizes, 'test')
    report = json.loads((out / 'report.json').read_text())
    sec = report['sizes']
    rows = {r['row']: r for r in sec['table']}
    assert set(rows) == {'never-sr', 'always-sr', 'adaptive', 'always-x2', 'adaptive-3',
                         'always-x1', 'adaptive-4', 'hr-oracle'}
    assert rows['always-x2']['route_share'] == {'sr_x2': 1.0}
    assert rows['always-x1']['route_share'] == {'sr_x1': 1.0}
    assert {r['row'] for r in report['sizes_frozen']['table']} == set(rows)
    md = (out / 'report.md').read_text()
    assert md.count('**Three-path targets**') == 2 and md.count('**Four-path targets**') == 2
    # the camera rows, and the row each mirrors (compared on simulated and real LR)
    real = report['real_lr']['rows']
    assert [r['row'] for r in real] == ['pdsr', 'frozen-pdsr', 'pdsr-camera',
                                        'frozen-pdsr-camera']
    assert real[2]['trained_on'] == 'simulated + camera LR'
    assert real[2]['vs_row'] == 'pdsr' and real[3]['vs_row'] == 'frozen-pdsr'
    assert real[3]['sim_met'] == (real[3]['sim_verdict'] != 'reversed')
    assert real[2]['dAP_real_vs_row'][1] <= real[2]['dAP_real_vs_row'][0]
    _check_three_paths(work, root, sec)


def _check_three_paths(work: Path, root: Path, sec: dict) -> None:
    """The x2 neck trained in front of the row's own pose network, merged beside the x4
    neck; each person routed by its region height at the two thresholds."""
    import torch
    three = sec['three_path']
    t4, t2 = three['thresholds']
    assert (t4, t2) == (64.0, 128.0)  # the transform's defaults at 128x96 (no tuning here)
    merged_stage = json.loads(next((work / 'sizes-pdsr-x4-x2').glob('*/stage.json')).read_text())
    merged = torch.load(merged_stage['files']['checkpoint'], weights_only=True)['state_dict']
    base = torch.load(str(root / 'pdsr.pth'), weights_only=True)['state_dict']
    assert all(torch.equal(merged[k], v) for k, v in base.items())
    x2 = {k for k in merged if k.startswith('extra_sr_necks.x2.')}
    assert x2 and len(x2) == len([k for k in base if k.startswith('sr_neck.')])
    stage = json.loads(next((work / 'sizes-adaptive-3').glob('*/stage.json')).read_text())
    inst = load_instances(stage['files']['instances'])
    heights = region_heights(inst, Config.fromfile(str(next(
        (work / 'sizes-adaptive-3').glob('*/*.py')))))
    expect = np.where(heights < t4, 'sr', np.where(heights < t2, 'sr_x2', 'direct'))
    assert np.array_equal(inst['sr_path'].astype(str), expect)
    rules = [t['rule'] for t in sec['target_three_path']]
    assert rules[:2] == ['three-path significantly above never-SR in 48-96 px',
                         'three-path significantly above two-path adaptive overall']
    # four paths: the x1 neck merged too, each person routed at the three thresholds (the
    # transform's defaults with an x1 neck: each factor up to its own crop's rows)
    four = three['four_path']
    assert four['thresholds'] == [32.0, 64.0, 128.0]
    merged_stage = json.loads(next((work / 'sizes-pdsr-x4-x2-x1').glob('*/stage.json'))
                              .read_text())
    merged = torch.load(merged_stage['files']['checkpoint'], weights_only=True)['state_dict']
    assert {k for k in merged if k.startswith('extra_sr_necks.x2.')} == x2
    assert any(k.startswith('extra_sr_necks.x1.') for k in merged)
    stage = json.loads(next((work / 'sizes-adaptive-4').glob('*/stage.json')).read_text())
    inst = load_instances(stage['files']['instances'])
    heights = region_heights(inst, Config.fromfile(str(next(
        (work / 'sizes-adaptive-4').glob('*/*.py')))))
    expect = np.array(['sr', 'sr_x2', 'sr_x1', 'direct'])[
        np.searchsorted(np.array(four['thresholds']), heights, side='right')]
    assert np.array_equal(inst['sr_path'].astype(str), expect)
    assert [t['rule'] for t in sec['target_four_path']][:2] == [
        'four-path significantly above never-SR in 48-96 px',
        'four-path significantly above two-path adaptive overall']


@pytest.mark.slow
def test_threshold_tuning_composes_the_two_routes(tiny_job):
    from benchmarks.common.stages import StageRunner
    from benchmarks.common.stats import CocoKeypointAP
    from benchmarks.pose.configure import configure
    from benchmarks.sizes.evaluate import coco_from, coco_sigmas
    from benchmarks.sizes.job import pose_job_budget
    from benchmarks.sizes.threshold import THRESHOLD_GRID, tune_threshold
    root, work, ckpts = tiny_job
    budget = pose_job_budget(work)
    base = configure(load_row_config(ckpts['pdsr']), budget, budget.data_root, 1, 0, 'val')
    ann = Path(budget.data_root) / 'annotations' / 'person_keypoints_val.json'
    gt = json.loads(ann.read_text())
    data = dict(ann_file=str(ann), cache_key=gt['info']['cache_key'],
                num_images=len(gt['images']), num_people=len(gt['annotations']))
    runner = StageRunner(root / 'tune')
    out = tune_threshold(runner, base, ckpts['pdsr']['checkpoint'], data, default=128.0)
    assert [float(k) for k in out['grid']] == list(THRESHOLD_GRID)
    assert out['chosen'] in THRESHOLD_GRID and out['default'] == 128.0
    ids = sorted(im['id'] for im in gt['images'])
    recs = {r.name: r for r in runner.log}
    for thr, route in ((32.0, 'never-sr'), (256.0, 'always-sr')):  # everyone one way
        res = json.loads(Path(recs[f'sizes-tune-{route}'].files['coco']).read_text())
        own = CocoKeypointAP(coco_from(gt), res, coco_sigmas(), ids)(np.arange(len(ids)))
        assert out['grid'][str(thr)]['AP'] == pytest.approx(own, abs=1e-12)
        pck = recs[f'sizes-tune-{route}'].metrics['pck0.1/PCK']
        assert out['grid'][str(thr)]['PCK'] == pytest.approx(pck, abs=1e-6)


def _person_stage(tmp_path, name, people, missed):
    """A test-stage record of ``people`` [(image, height)], with a GT dict in which each
    person's predictions are exact except those listed in ``missed`` (moved far away)."""
    from benchmarks.common.stages import StageRecord
    rng = np.random.default_rng(0)
    anns, res, dump = [], [], dict(pred=[], gt=[], mask=[], bbox=[], img_id=[], pred_scores=[])
    for i, (img, h) in enumerate(people):
        x0, y0, w = 5.0 + 40 * i, 5.0, h / 2
        kp = np.stack([x0 + rng.uniform(0, w, 17), y0 + rng.uniform(0, h, 17)], 1)
        anns.append(dict(id=i + 1, image_id=img, category_id=1, iscrowd=0, num_keypoints=17,
                         bbox=[x0, y0, w, h], area=w * h,
                         keypoints=np.concatenate([kp, np.full((17, 1), 2)], 1).ravel().tolist()))
        pred = kp + (3 * h if i in missed else 0.0)
        res.append(dict(image_id=img, category_id=1, score=1.0,
                        keypoints=np.concatenate([pred, np.ones((17, 1))], 1).ravel().tolist()))
        for k, v in dict(pred=pred, gt=kp, mask=np.ones(17, bool), img_id=img,
                         bbox=[x0, y0, x0 + w, y0 + h], pred_scores=np.ones(17)).items():
            dump[k].append(v)
    gt = dict(images=[dict(id=i, width=400, height=300, file_name=f'{i}.png') for i in (1, 2)],
              annotations=anns, categories=[dict(id=1, name='person')])
    (tmp_path / f'{name}.json').write_text(json.dumps(res))
    np.savez(tmp_path / f'{name}.npz', **{k: np.asarray(v) for k, v in dump.items()})
    return gt, StageRecord(name, 'k', str(tmp_path), 0.0, files=dict(
        coco=str(tmp_path / f'{name}.json'), instances=str(tmp_path / f'{name}.npz')))


def test_bucket_ap_scores_each_bucket_on_its_own_people(tmp_path):
    """Perfect predictions everywhere except one 96-160 px person: that bucket alone drops."""
    from benchmarks.common.stats import resample_indices
    from benchmarks.sizes.evaluate import evaluate_stage
    people = [(1, 30.0), (1, 70.0), (1, 200.0), (2, 120.0), (2, 40.0)]  # (image, height)
    gt, rec = _person_stage(tmp_path, 'x', people, missed=(3,))
    row = evaluate_stage('x', rec, gt, [1, 2], resample_indices(2, 10))
    assert row.people == {'all': 5, '<48': 2, '48-96': 1, '96-160': 1, '>=160': 1}
    for b in ('<48', '48-96', '>=160'):
        assert row.ap[b].point == pytest.approx(1.0) and row.pck[b].point == 1.0
    assert row.ap['96-160'].point == 0.0 and row.pck['96-160'].point == 0.0
    assert 0.5 < row.ap['all'].point < 1.0


def test_real_lr_gap_by_size_pairs_the_same_people(tmp_path):
    """Real − simulated PCK per bucket of the person's LR height: the same people in both
    dumps; a miss of the small person shows in its bucket alone."""
    from benchmarks.common.stages import StageRecord
    from benchmarks.common.stats import resample_indices
    from benchmarks.sizes.evaluate import pck_gap_by_size
    rng = np.random.default_rng(0)
    heights = [16.0, 28.0, 50.0]   # LR px: buckets <24, 24-32, >=40
    recs = {}
    for name, miss in (('sim', None), ('real', 16.0)):
        dump = dict(pred=[], gt=[], mask=[], bbox=[], img_id=[], pred_scores=[])
        for i, h in enumerate(heights):
            kp = np.stack([10 + rng.uniform(0, h / 2, 17), 5 + rng.uniform(0, h, 17)], 1)
            dump['gt'].append(kp)
            dump['pred'].append(kp + (h if h == miss else 0.0))
            dump['mask'].append(np.ones(17, bool))
            dump['bbox'].append([10, 5, 10 + h / 2, 5 + h])
            dump['img_id'].append(i % 2 + 1)
            dump['pred_scores'].append(np.ones(17))
        np.savez(tmp_path / f'{name}.npz', **{k: np.asarray(v) for k, v in dump.items()})
        recs[name] = StageRecord(name, 'k', str(tmp_path), 0.0,
                                 files=dict(instances=str(tmp_path / f'{name}.npz')))
    out = pck_gap_by_size(recs['sim'], recs['real'], [1, 2], resample_indices(2, 20))
    assert list(out) == ['<24', '24-32', '>=40']
    assert [out[b]['people'] for b in out] == [1, 1, 1]
    assert out['<24']['diff'][0] == -1.0 and out['<24']['sim'][0] == 1.0
    assert out['24-32']['diff'][0] == 0.0 and out['>=40']['diff'][0] == 0.0
    other = StageRecord('other', 'k', str(tmp_path), 0.0,
                        files=dict(instances=str(tmp_path / 'other.npz')))
    np.savez(tmp_path / 'other.npz', **{k: v[:2] for k, v in np.load(tmp_path / 'sim.npz').items()})
    with pytest.raises(ValueError, match='do not list the same people'):
        pck_gap_by_size(recs['sim'], other, [1, 2], resample_indices(2, 20))


def test_real_lr_ap_gap_counts_only_people_whose_crop_region_fills_the_crop(tmp_path):
    """A person 16 px tall in the real LR image has a crop region of 20 rows, under the
    32-row crop: missing it on real LR leaves the crop-filled gap at 0; missing a 40 px
    person (region 50 rows) shows there."""
    from benchmarks.common.stats import resample_indices
    from benchmarks.sizes.evaluate import ap_gap_crop_filled
    people = [(1, 16.0), (1, 40.0), (2, 60.0), (2, 36.0)]
    idx = resample_indices(2, 20)
    sim_gt, sim = _person_stage(tmp_path, 'sim', people, missed=())
    real_gt, real = _person_stage(tmp_path, 'real', people, missed=(0,))
    out = ap_gap_crop_filled(sim, real, sim_gt, real_gt, [1, 2], idx, (24, 32))
    assert (out['people'], out['of'], out['min_region_rows']) == (3, 4, 32.0)
    assert out['sim'][0] == pytest.approx(1.0) and out['diff'][0] == pytest.approx(0.0)
    assert out['met'] and out['verdict'] == 'not significant'
    _, real = _person_stage(tmp_path, 'real', people, missed=(1, 2))
    out = ap_gap_crop_filled(sim, real, sim_gt, real_gt, [1, 2], idx, (24, 32))
    assert out['real'][0] < 0.5 and out['diff'][0] < -0.5 and not out['met']
    # a taller crop (64 rows) leaves only the 60 px person (75 rows)
    assert ap_gap_crop_filled(sim, real, sim_gt, real_gt, [1, 2], idx, (48, 64))['people'] == 1
    assert ap_gap_crop_filled(sim, real, sim_gt, real_gt, [1, 2], idx,
                              (96, 128)) == dict(min_region_rows=128.0, people=0, of=4)
    _, short = _person_stage(tmp_path, 'short', people[:3], missed=())
    with pytest.raises(ValueError, match='do not list the same people'):
        ap_gap_crop_filled(sim, short, sim_gt, real_gt, [1, 2], idx, (24, 32))


@pytest.mark.slow
@pytest.mark.long
def test_three_path_tuning_composes_the_three_routes(tiny_job, tmp_path):
    """Every grid pair is composed per person from never-SR, always-x4 and always-x2: a pair
    that sends everyone to the x2 neck scores exactly the always-x2 evaluation; the same for
    the four-path triples with always-x1."""
    import torch
    from benchmarks.common.stages import StageRunner
    from benchmarks.pose.configure import configure
    from benchmarks.sizes.job import pose_job_budget
    from benchmarks.sizes.scales import (
        extra_neck_config,
        restore_neck_config,
        three_path_config,
        tune_four_path,
        tune_three_path,
    )
    from benchmarks.sizes.threshold import THRESHOLD_GRID
    from mmpose.registry import MODELS

    from lrpose_mm.models import merge_sr_neck_checkpoints
    root, work, ckpts = tiny_job
    budget = pose_job_budget(work)
    row = load_row_config(ckpts['pdsr'])
    x2_cfg = extra_neck_config(row, ckpts['pdsr']['checkpoint'])
    torch.manual_seed(5)
    x2 = MODELS.build(dict(x2_cfg.model, pose_init_cfg=None))
    state = torch.load(ckpts['pdsr']['checkpoint'], weights_only=True)['state_dict']
    x2.load_state_dict({k: v for k, v in state.items() if not k.startswith('sr_neck.')},
                       strict=False)   # the same pose network, a new x2 neck
    torch.save(dict(state_dict=x2.state_dict()), tmp_path / 'x2.pth')
    merged = merge_sr_neck_checkpoints(ckpts['pdsr']['checkpoint'], {2: str(tmp_path / 'x2.pth')},
                                       str(tmp_path / 'merged.pth'))
    base = configure(row, budget, budget.data_root, 1, 0, 'val')
    cfg3 = configure(three_path_config(row, x2_cfg.model.sr_neck), budget, budget.data_root, 1,
                     0, 'val')
    ann = Path(budget.data_root) / 'annotations' / 'person_keypoints_val.json'
    gt = json.loads(ann.read_text())
    data = dict(ann_file=str(ann), cache_key=gt['info']['cache_key'],
                num_images=len(gt['images']), num_people=len(gt['annotations']))
    runner = StageRunner(root / 'tune3')
    two = {k: runner.test(f'two-{k}', with_pipeline(base, routed_pipeline(base, t)),
                          ckpts['pdsr']['checkpoint'], files=DUMP_FILES)
           for k, t in (('never-sr', NEVER_SR), ('always-sr', ALWAYS_SR))}
    out = tune_three_path(runner, base, cfg3, merged, data, two, (48.0, 96.0), 'tune3-')
    assert len(out['grid']) == len(THRESHOLD_GRID) * (len(THRESHOLD_GRID) - 1) // 2
    assert out['default'] == [48.0, 96.0] and out['chosen'][0] < out['chosen'][1]
    best = max(v['AP'] for v in out['grid'].values())
    assert out['grid'][f'{out["chosen"][0]:g}/{out["chosen"][1]:g}']['AP'] == best
    heights = region_heights(load_instances(two['never-sr'].files['instances']),
                             with_pipeline(base, routed_pipeline(base, NEVER_SR)))
    pair = next((a, b) for a in THRESHOLD_GRID for b in THRESHOLD_GRID
                if a < b and a <= heights.min() and heights.max() < b)
    always_x2 = next(r for r in runner.log if r.name == 'tune3-always-x2')
    inst = load_instances(always_x2.files['instances'])
    assert set(inst['sr_path'].astype(str)) == {'sr_x2'}
    assert out['grid'][f'{pair[0]:g}/{pair[1]:g}']['AP'] == pytest.approx(
        always_x2.metrics['coco/AP'], abs=1e-9)
    assert out['grid'][f'{pair[0]:g}/{pair[1]:g}']['PCK'] == pytest.approx(
        always_x2.metrics['pck0.1/PCK'], abs=1e-6)
    # four paths: an x1 neck beside the x2 one; a triple that sends everyone to the x1 neck
    # scores exactly the always-x1 evaluation, every other one is composed per person
    x1_cfg = restore_neck_config(row, ckpts['pdsr']['checkpoint'])
    torch.manual_seed(6)
    x1 = MODELS.build(dict(x1_cfg.model, pose_init_cfg=None))
    x1.load_state_dict({k: v for k, v in state.items() if not k.startswith('sr_neck.')},
                       strict=False)
    torch.save(dict(state_dict=x1.state_dict()), tmp_path / 'x1.pth')
    merged4 = merge_sr_neck_checkpoints(
        ckpts['pdsr']['checkpoint'], {2: str(tmp_path / 'x2.pth'), 1: str(tmp_path / 'x1.pth')},
        str(tmp_path / 'merged4.pth'))
    cfg4 = configure(three_path_config(row, x2_cfg.model.sr_neck, x1_cfg.model.sr_neck), budget,
                     budget.data_root, 1, 0, 'val')
    out4 = tune_four_path(runner, base, cfg3, merged, cfg4, merged4, data, two,
                          (48.0, 96.0, 128.0), 'tune3-')
    assert len(out4['grid']) == len(list(itertools.combinations(THRESHOLD_GRID, 3)))
    assert out4['grid'][f'{out4["chosen"][0]:g}/{out4["chosen"][1]:g}/'
                        f'{out4["chosen"][2]:g}']['AP'] == max(v['AP'] for v in
                                                               out4['grid'].values())
    always_x1 = next(r for r in runner.log if r.name == 'tune3-always-x1')
    assert set(load_instances(always_x1.files['instances'])['sr_path'].astype(str)) == {'sr_x1'}
    low = max(t for t in THRESHOLD_GRID if t <= heights.min())
    triple = next((a, b, c) for a, b, c in itertools.combinations(THRESHOLD_GRID, 3)
                  if b == low and heights.max() < c)
    assert out4['grid']['/'.join(f'{t:g}' for t in triple)]['AP'] == pytest.approx(
        always_x1.metrics['coco/AP'], abs=1e-9)
    # ... and one that sends everyone to the x2 neck, the always-x2 one
    triple = next((a, b, c) for a, b, c in itertools.combinations(THRESHOLD_GRID, 3)
                  if a <= heights.min() and heights.max() < b)
    assert out4['grid']['/'.join(f'{t:g}' for t in triple)]['AP'] == pytest.approx(
        always_x2.metrics['coco/AP'], abs=1e-9)


def test_extra_neck_trains_on_simulated_and_camera_lr_of_its_route(tiny_coco,
                                                                    mmpose_scope_one_thread):
    """The x2 neck's config: the row's model with an x2 neck in front of the frozen pose
    network, its samples drawn from the row's simulated LR at x2 or the camera config's camera
    LR with the route's crop ratios; without camera samples, the row's simulated LR only."""
    from benchmarks.sizes.scales import (
        CAMERA_CONFIG,
        EXTRA_CROP_RATIO,
        camera_mix_pipeline,
        extra_neck_config,
    )

    from lrpose_mm.config import load_config

    from conftest import run_train_pipeline
    row = load_row_config(dict(config=PDSR))
    cfg = extra_neck_config(row, 'pose.pth')
    assert cfg.model.sr_neck.scale == 2 and cfg.model.freeze_pose is True
    assert cfg.model.pose_init_cfg == dict(checkpoint='pose.pth')
    steps = [dict(t) for t in cfg.train_dataloader.dataset.pipeline]
    types = [t['type'] for t in steps]
    assert types.index('KeepFrame') == types.index('TopdownAffine') - 1
    mix = steps[types.index('RandomChoice')]
    (sim, ), (camera, ) = mix['transforms']
    row_sim = next(t for t in row.train_dataloader.dataset.pipeline
                   if t['type'] == 'LowResDegrade')
    assert mix['prob'] == [0.5, 0.5] and dict(sim) == dict(row_sim, scale=2)
    expected = dict(load_config(CAMERA_CONFIG).camera_degrade, scale=2,
                    crop_ratio=EXTRA_CROP_RATIO)
    assert dict(camera) == expected
    sim_only = extra_neck_config(row, 'pose.pth', camera_prob=0.0)
    assert [t['type'] for t in sim_only.train_dataloader.dataset.pipeline] == \
        [t['type'] for t in row.train_dataloader.dataset.pipeline]
    # both paths give the 64x48 LR crop of the 128x96 HR crop
    samples = run_train_pipeline(tiny_coco, steps[:-1])
    for res in samples:
        assert res['img'].shape[:2] == (64, 48) and res['img_hr'].shape[:2] == (128, 96)
    assert {'camera_degrade' in res for res in samples} == {True, False}
    with pytest.raises(ValueError, match='LowResDegrade'):
        camera_mix_pipeline([dict(type='TopdownAffine', input_size=(96, 128))], camera, 0.5)


def test_x1_neck_restores_people_resized_to_the_pose_input(tiny_coco, mmpose_scope_one_thread):
    """The x1 neck's config: an x1 neck folded to half the size in front of the frozen pose
    network; its samples are the row's simulated LR reduced x1 or x2 and resized back, or
    camera LR of people 0.35-1x the input height enlarged into the crop: both the pose input
    size, with the HR crop as the target."""
    from benchmarks.sizes.scales import (
        CAMERA_CONFIG,
        RESTORE_CROP_RATIO,
        RESTORE_SIM_SCALES,
        restore_neck_config,
    )

    from lrpose_mm.config import load_config

    from conftest import run_train_pipeline
    row = load_row_config(dict(config=PDSR))
    cfg = restore_neck_config(row, 'pose.pth')
    neck = cfg.model.sr_neck
    assert (neck.scale, neck.unshuffle) == (1, 2) and cfg.model.freeze_pose is True
    assert cfg.model.pose_init_cfg == dict(checkpoint='pose.pth')
    steps = [dict(t) for t in cfg.train_dataloader.dataset.pipeline]
    mix = next(t for t in steps if t['type'] == 'RandomChoice')
    (sim, ), (camera, ) = mix['transforms']
    row_sim = next(t for t in row.train_dataloader.dataset.pipeline
                   if t['type'] == 'LowResDegrade')
    assert dict(sim) == dict(row_sim, scale=list(RESTORE_SIM_SCALES), model_scale=1)
    assert dict(camera) == dict(load_config(CAMERA_CONFIG).camera_degrade, scale=1,
                                crop_ratio=RESTORE_CROP_RATIO)
    samples = run_train_pipeline(tiny_coco, steps[:-1])
    for res in samples:
        assert res['img'].shape[:2] == (128, 96) and res['img_hr'].shape[:2] == (128, 96)
        assert res['sr_scale'] == 1
    assert {'camera_degrade' in res for res in samples} == {True, False}
    # the enlarged people really lost detail: their crop differs from the HR one
    assert all(np.abs(res['img'].astype(float) - res['img_hr']).mean() > 0.5
               for res in samples if 'camera_degrade' in res)


def test_camera_rows_train_as_the_camera_config(mmpose_scope_one_thread):
    """Every camera row draws the camera-mix config's camera LR at its share: derived from the
    PDSR row, the training pipeline is that config's own; from another row, only the
    degradation step differs from the row's."""
    from benchmarks.sizes.job import CAMERA_ROWS, camera_row_config
    from benchmarks.sizes.scales import CAMERA_CONFIG

    from lrpose_mm.config import load_config
    camera = load_config(CAMERA_CONFIG)
    derived = camera_row_config(load_row_config(dict(config=PDSR)))
    assert derived.train_dataloader.dataset.pipeline == camera.train_dataloader.dataset.pipeline
    assert derived.test_dataloader.dataset.pipeline == camera.test_dataloader.dataset.pipeline
    two_stage = load_row_config(dict(config=PDSR.replace('pdsr-x4', 'two-stage-x4')))
    steps = camera_row_config(two_stage).train_dataloader.dataset.pipeline
    own = two_stage.train_dataloader.dataset.pipeline
    mix = next(t for t in steps if t['type'] == 'RandomChoice')
    assert mix['transforms'][0] == [next(t for t in own if t['type'] == 'LowResDegrade')]
    assert [t['type'] for t in steps if t['type'] not in ('RandomChoice', 'KeepFrame')] == \
        [t['type'] for t in own if t['type'] != 'LowResDegrade']
    assert set(CAMERA_ROWS.values()) == {'bicubic', 'two-stage', 'pdsr', 'frozen-two-stage',
                                         'frozen-pdsr'}
