"""tools/learning_curve.py: one oracle training, every point evaluated with intervals."""
import json

import pytest

from conftest import PY, run_tool


@pytest.mark.slow
@pytest.mark.long
def test_learning_curve_evaluates_every_point_and_reuses_them(tmp_path):
    args = [PY, 'tools/learning_curve.py', '--budget', 'quick', '--points', '6', '3',
            '--splits', 'tune', '--data-root', str(tmp_path / 'data'),
            '--out', str(tmp_path / 'report'), '--work-dir', str(tmp_path / 'wd')]
    run_tool(*args)
    report = json.loads((tmp_path / 'report' / 'report.json').read_text())
    assert report['points'] == [3, 6]
    rows = report['results']['tune']
    assert [r['iters'] for r in rows] == [3, 6]
    for r in rows:
        for point, lo, hi in (r['AP'], r['PCK']):
            assert 0.0 <= lo <= point <= hi <= 1.0
        assert 0.0 <= r['collapse'] <= 1.0
    ckpts = sorted(p.name for p in (tmp_path / 'wd' / 'hr-oracle-curve').glob('*/iter_*.pth'))
    assert ckpts == ['iter_3.pth', 'iter_6.pth']
    assert report['budget']['amp'] is True and report['reused'] == []
    md = (tmp_path / 'report' / 'report.md').read_text()
    assert '| 3 |' in md and '| 6 |' in md
    run_tool(*args)  # a rerun trains and evaluates nothing again
    again = json.loads((tmp_path / 'report' / 'report.json').read_text())
    assert set(again['reused']) == {'hr-oracle-curve', 'test-curve-tune-3', 'test-curve-tune-6'}
    assert again['results'] == report['results']
