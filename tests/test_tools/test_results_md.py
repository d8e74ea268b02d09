"""tools/analysis/results_md.py: the docs' result tables regenerated from report.json."""
import importlib.util
import json
import re

import pytest

from conftest import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location('results_md',
                                                  ROOT / 'tools/analysis/results_md.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _pose_report():
    """The fields of a pose report.json that the tables read (as the pose benchmark writes)."""
    def row(key, label, ap, pck, psnr=None, gap=None):
        return dict(variant=key, label=label, AP=ap, PCK=pck, PSNR=psnr, gap_closure_AP=gap)
    return dict(
        meta=dict(command='python tools/benchmark.py --frozen-pose', wall_seconds=1332.0,
                  budget=dict(hr_iters=3000, ft_iters=250, ft_seeds=1), reused_stages=[]),
        rows=[row('lr-direct', 'LR-direct (heatmap)', [0.0, 0.0, 0.0], [0.378, 0.366, 0.39],
                  gap=[0.0, 0.0, 0.0]),
              row('pdsr', 'pose-driven SR (PDSR)', [0.161, 0.146, 0.177],
                  [0.725, 0.71, 0.739], 23.32, [0.56, 0.53, 0.6]),
              row('frozen-pdsr', 'PDSR -> frozen HR oracle', [0.129, 0.113, 0.141],
                  [0.695, 0.679, 0.711], 21.3, [0.45, 0.41, 0.48]),
              row('hr-oracle', 'HR oracle (128x96)', [0.288, 0.27, 0.304], [0.783, 0.768, 0.797],
                  gap=[1.0, 1.0, 1.0])],
        differences=[dict(better='pdsr', worse='two-stage', dAP=[-0.0004, -0.003, 0.004],
                          AP_verdict='not significant', dPCK=[0.001, -0.002, 0.004],
                          PCK_verdict='not significant')])


def _write(root, name, report):
    (root / name).mkdir(parents=True)
    (root / name / 'report.json').write_text(json.dumps(report))


def test_pose_block_is_regenerated_and_prose_kept(tmp_path):
    tool = _tool()
    _write(tmp_path / 'reports', 'benchmark', _pose_report())
    page = tmp_path / 'page.md'
    page.write_text('Intro.\n\n<!-- results:pose benchmark -->\nold table\n<!-- /results -->\n\n'
                    '<!-- results:pose-diffs benchmark -->\n<!-- /results -->\nOutro.\n')
    assert tool.main([str(page), '--reports', str(tmp_path / 'reports'), '--check']) == 1
    assert 'old table' in page.read_text()  # --check changes nothing
    assert tool.main([str(page), '--reports', str(tmp_path / 'reports')]) == 0
    text = page.read_text()
    assert text.startswith('Intro.\n\n<!-- results:pose benchmark -->\n')
    assert 'old table' not in text
    assert text.endswith('<!-- /results -->\nOutro.\n')
    assert ('| pose-driven SR (PDSR) | 0.161 [0.146, 0.177] | 0.725 [0.710, 0.739] | 23.32 | '
            '0.56 [0.53, 0.60] |') in text
    assert '| PDSR → frozen HR oracle |' in text
    assert '| LR-direct (heatmap) | 0.000 [0.000, 0.000] | 0.378 [0.366, 0.390] | – | 0 |' in text
    assert text.count('| HR oracle (128x96) |') == 1 and '| – | 1 |' in text
    assert 'HR oracle 3000 iterations, every other row 250 x 1 seed(s); 22.2 min' in text
    assert ('| pdsr − two-stage | −0.000 [−0.003, 0.004] | not significant | '
            '+0.001 [−0.002, 0.004] | not significant |') in text
    # a second run is a no-op and --check passes
    assert tool.main([str(page), '--reports', str(tmp_path / 'reports'), '--check']) == 0


def test_missing_report_keeps_the_block_unless_strict(tmp_path):
    tool = _tool()
    page = tmp_path / 'page.md'
    original = '<!-- results:action action -->\nhand-written\n<!-- /results -->\n'
    page.write_text(original)
    assert tool.main([str(page), '--reports', str(tmp_path)]) == 0
    assert page.read_text() == original
    with pytest.raises(FileNotFoundError, match='action.*report.json'):
        tool.main([str(page), '--reports', str(tmp_path), '--strict'])


def test_unknown_kind_is_an_error(tmp_path):
    tool = _tool()
    _write(tmp_path, 'x', {})
    with pytest.raises(ValueError, match="unknown results block kind 'poses'"):
        tool.render('<!-- results:poses x -->\n<!-- /results -->\n', tmp_path)


def test_sizes_real_lr_and_action_tables(tmp_path):
    tool = _tool()
    buckets = ['all', '<48', '48-96']
    sec = dict(threshold=48.0, buckets=buckets, table=[
        dict(row=r, AP={b: [ap, ap - 0.01, ap + 0.01] for b in buckets})
        for r, ap in (('never-sr', 0.188), ('always-sr', 0.088), ('adaptive', 0.192))],
        differences=[dict(better='adaptive', worse='never-sr', bucket='all', metric='AP',
                          diff=[0.005, 0.001, 0.008]),
                     dict(better='adaptive', worse='never-sr', bucket='<48', metric='AP',
                          diff=[0.016, 0.005, 0.031]),
                     dict(better='adaptive', worse='always-sr', bucket='all', metric='AP',
                          diff=[0.105, 0.089, 0.121])],
        target=[dict(metric='AP', bucket='all', met=True), dict(metric='PCK', bucket='all',
                                                                met=False)])
    sizes = dict(meta=dict(command='make sizes', wall_seconds=258.0, reused_stages=['a']),
                 sizes_frozen=sec,
                 real_lr=dict(factor=4, rows=[dict(row='pdsr', AP_sim=[0.161, 0.15, 0.17],
                                                   AP_real=[0.13, 0.12, 0.14],
                                                   dAP=[-0.031, -0.04, -0.02],
                                                   AP_verdict='reversed')]))
    lines = '\n'.join(tool.sizes(sizes))
    assert ('| PDSR → frozen HR oracle | 48 px | 0.192 | 0.188 | 0.088 | +0.005 [0.001, 0.008] | '
            '+0.016 [0.005, 0.031] | +0.105 [0.089, 0.121] | met |') in lines
    assert '(1 stage(s) reused from an earlier run)' in lines
    assert 'PDSR (joint)' not in lines  # no section, no row
    assert ('| pdsr | simulated LR | 0.161 [0.150, 0.170] | 0.130 [0.120, 0.140] | '
            '−0.031 [−0.040, −0.020] | reversed | – |') in '\n'.join(tool.real_lr(sizes))
    sizes['real_lr']['rows'][0].update(met=False, trained_on='simulated + camera LR')
    assert '| pdsr | simulated + camera LR | 0.161' in '\n'.join(tool.real_lr(sizes))
    assert '| reversed | missed |' in '\n'.join(tool.real_lr(sizes))
    assert tool.real_lr_by_size(sizes)[-1].startswith('|---')  # no breakdown: header only
    assert len(tool.real_lr(sizes)[0].split('|')) == 9  # no crop-filled subset: 7 columns
    sizes['real_lr']['rows'].append(dict(sizes['real_lr']['rows'][0], row='bicubic'))
    sizes['real_lr']['rows'][0]['crop_filled'] = dict(
        min_region_rows=32.0, people=600, of=1094, diff=[-0.004, -0.012, 0.003],
        verdict='not significant', met=True)
    filled = tool.real_lr(sizes)
    assert filled[0].endswith('| real − simulated, crop region ≥ 32 px (600 people) | verdict '
                              '| target |')
    assert filled[2].endswith('| −0.004 [−0.012, 0.003] | not significant | met |')
    assert filled[3].endswith('| reversed | missed | – | – | – |')  # a row without the subset
    del sizes['real_lr']['rows'][1:], sizes['real_lr']['rows'][0]['crop_filled']
    sizes['real_lr']['rows'][0]['pck_by_lr_height'] = {
        '<24': dict(people=7, diff=[-0.08, -0.1, -0.06]),
        '>=40': dict(people=3, diff=[0.01, -0.01, 0.03])}
    assert tool.real_lr_by_size(sizes)[0] == '| row | <24 px (7 people) | >=40 px (3 people) |'
    assert tool.real_lr_by_size(sizes)[-1] == ('| pdsr | −0.080 [−0.100, −0.060] | '
                                               '+0.010 [−0.010, 0.030] |')
    assert tool.sizes_three(sizes)[-1].startswith('|---')  # no three-path section: header only
    sec['table'].append(dict(row='adaptive-3', AP={b: [0.2, 0.19, 0.21] for b in buckets}))
    sec['differences'] += [dict(better='adaptive-3', worse='never-sr', bucket='48-96',
                                metric='AP', diff=[0.02, 0.01, 0.03]),
                           dict(better='adaptive-3', worse='adaptive', bucket='all',
                                metric='AP', diff=[0.008, -0.001, 0.017])]
    sec.update(three_path=dict(thresholds=[32.0, 96.0]), target_three_path=[
        dict(rule='a', met=True), dict(rule='three-path above two-path', met=False)])
    three = '\n'.join(tool.sizes_three(sizes))
    assert ('| PDSR → frozen HR oracle | 32 / 96 px | 0.200 | 0.192 | 0.188 | – | '
            '+0.020 [0.010, 0.030] | +0.008 [−0.001, 0.017] | 1/2 met; missed: three-path '
            'above two-path |') in three
    assert tool.sizes_four(sizes)[-1].startswith('|---')  # no four-path record: header only
    sec['table'] += [dict(row='adaptive-4', AP={b: [0.207, 0.2, 0.21] for b in buckets}),
                     dict(row='always-x1', AP={b: [0.199, 0.19, 0.21] for b in buckets})]
    sec['differences'] += [dict(better='adaptive-4', worse=w, bucket=b, metric='AP', diff=d)
                           for w, b, d in (('never-sr', '48-96', [0.001, -0.011, 0.016]),
                                           ('adaptive', 'all', [0.007, 0.0004, 0.013]),
                                           ('adaptive-3', 'all', [0.0056, 0.0021, 0.0085]))]
    sec['three_path']['four_path'] = dict(thresholds=[32.0, 80.0, 112.0])
    sec['target_four_path'] = [dict(rule='four-path above never-SR in 48-96 px', met=False),
                               dict(rule='b', met=True)]
    four = '\n'.join(tool.sizes_four(sizes))
    assert ('| PDSR → frozen HR oracle | 32 / 80 / 112 px | 0.207 | 0.199 | '
            '+0.001 [−0.011, 0.016] | +0.007 [0.000, 0.013] | +0.006 [0.002, 0.009] | '
            '1/2 met; missed: four-path above never-SR in 48-96 px |') in four

    iv = dict(top1=dict(gt=[0.93, 0.9, 0.96], pdsr=[0.365, 0.3, 0.43]),
              gap_closure=dict(pdsr=[0.22, 0.11, 0.32]))
    action = dict(meta=dict(command='make action'), intervals={'ST-GCN': iv, 'PoseC3D': iv},
                  rows=[dict(recognizer=r, source=s, kpt_pck=k) for r in ('ST-GCN', 'PoseC3D')
                        for s, k in (('gt', None), ('pdsr', 0.739))])
    table = '\n'.join(tool.action(action))
    assert re.search(r'\| skeletons \| ST-GCN top-1 \| gap closure \| PoseC3D top-1 \| gap '
                     r'closure \| PCK@0.1 of the skeletons \|', table)
    assert ('| PDSR | 0.365 [0.300, 0.430] | 0.22 [0.11, 0.32] | 0.365 [0.300, 0.430] | '
            '0.22 [0.11, 0.32] | 0.739 |') in table
    assert '| ground truth | 0.930 [0.900, 0.960] | – |' in table


def test_the_docs_blocks_are_well_formed():
    """Every block in README.md and docs/results.md names a known kind and is closed."""
    tool = _tool()
    for name in tool.DEFAULT_FILES:
        text = (ROOT / name).read_text(encoding='utf-8')
        opened = re.findall(r'<!-- results:([\w-]+) ([\w./-]+) -->', text)
        blocks = list(tool.BLOCK.finditer(text))
        assert opened and len(blocks) == len(opened) == text.count('<!-- /results -->'), name
        assert {m['kind'] for m in blocks} <= set(tool.KINDS), name


def test_run_line_names_no_path_of_the_machine_that_ran_it():
    tool = _tool()
    line = tool.run_line(dict(command='python /work/x/tools/benchmark.py --sizes --hr-checkpoint '
                                      '/data/me/iter_3000.pth --out reports/s'))
    assert line.startswith('Run: `python tools/benchmark.py --sizes --hr-checkpoint '
                           'HR_ORACLE.pth --out reports/s`')
