"""tools/wheelhouse_lock.py: which wheels an offline wheelhouse for a torch machine carries."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / 'tools'))
import wheelhouse_lock  # noqa: E402

STACK = {'numpy': ('numpy', '1.26.4'), 'setuptools': ('setuptools', '80.10.2'),
         'pillow': ('pillow', '12.0.0'), 'scipy': ('scipy', '1.17.1'),
         'mmpose': ('mmpose', '1.3.2'), 'cython': ('Cython', '3.3.1'),
         'decord': ('decord', '0.6.0'), 'lrpose-mm': ('lrpose_mm', '0.1.0'),
         'opencv-python': ('opencv-python', '4.11.0.86'),
         'opencv-contrib-python': ('opencv-contrib-python', '4.11.0.86')}
TORCH = {'torch', 'torchvision', 'numpy', 'pillow', 'setuptools', 'sympy'}


def test_torch_target_gets_the_stack_less_torch_with_one_headless_opencv():
    assert wheelhouse_lock.select(STACK, TORCH) == [
        'mmpose==1.3.2', 'numpy==1.26.4', 'opencv-python-headless==4.11.0.86',
        'scipy==1.17.1', 'setuptools==80.10.2']


def test_what_the_target_has_is_left_out_any_opencv_of_that_version_included():
    have = {('scipy', '1.17.1'), ('numpy', '2.3.0'), ('opencv-python', '4.11.0.86')}
    assert wheelhouse_lock.select(STACK, TORCH, have) == [
        'mmpose==1.3.2', 'numpy==1.26.4', 'setuptools==80.10.2']
    other_cv = {('opencv-contrib-python', '4.8.0.76')}   # another version: still carried
    assert 'opencv-python-headless==4.11.0.86' in wheelhouse_lock.select(STACK, TORCH, other_cv)


def test_two_opencv_versions_are_refused():
    stack = dict(STACK, **{'opencv-python-headless': ('opencv-python-headless', '4.8.0.76')})
    with pytest.raises(ValueError, match=r"several OpenCV versions \['4.11.0.86', '4.8.0.76'\]"):
        wheelhouse_lock.select(stack, TORCH)


def test_read_freeze_and_report(tmp_path):
    freeze = tmp_path / 'have.txt'
    freeze.write_text('# comment\nOpenCV_Python==4.11.0.86\nmmpose @ file:///x\n'
                      'typing_extensions==4.15.0 ; python_version >= "3.9"\n')
    assert wheelhouse_lock.read_freeze(str(freeze)) == {
        ('opencv-python', '4.11.0.86'), ('typing-extensions', '4.15.0')}
    bad = tmp_path / 'bad.json'
    bad.write_text('{"install": [{"name": "x"}]}')
    with pytest.raises(ValueError, match='bad.json is not a pip --report file'):
        wheelhouse_lock.read_report(str(bad))


def test_cli_writes_the_header_that_install_sh_checks(tmp_path):
    def report(path, pins):
        path.write_text(json.dumps({'install': [
            {'metadata': {'name': n, 'version': v}} for n, v in pins.values()]}))
        return str(path)

    torch = {k: (k, '1') for k in TORCH}
    have = tmp_path / 'have.txt'
    have.write_text('scipy==1.17.1\n')
    out = subprocess.run(
        [sys.executable, str(ROOT / 'tools' / 'wheelhouse_lock.py'), report(tmp_path / 's', STACK),
         report(tmp_path / 't', torch), '--have', str(have), '--extras', 'tests'],
        capture_output=True, text=True, check=True).stdout.splitlines()
    pyver = '%d.%d' % sys.version_info[:2]
    assert out[0].startswith(f'# lrpose_mm wheelhouse: python={pyver} machine=')
    assert out[0].endswith(' extras=tests')
    assert out[1].startswith('#') and out[1].endswith('; 1 wheels the target has')
    assert out[2:] == ['mmpose==1.3.2', 'numpy==1.26.4', 'opencv-python-headless==4.11.0.86',
                       'setuptools==80.10.2']
