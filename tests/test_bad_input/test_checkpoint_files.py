"""Checkpoint files that cannot be loaded are named before a Runner is built."""
import io
import runpy
import sys
import zipfile

import pytest
import torch

from lrpose_mm.engine import check_checkpoint_file

from conftest import ROOT


def _good(path):
    torch.save({'state_dict': {'w': torch.ones(3)}}, path)
    return path


CASES = {
    'zero-byte': (lambda p: p.write_bytes(b''), ValueError, r'is empty \(0 bytes\)'),
    'cut-zip': (lambda p: p.write_bytes(_good(p).read_bytes()[:300]), ValueError,
                r'is a cut zip archive \(300 bytes\)'),
    'text-file': (lambda p: p.write_text('not a checkpoint'), ValueError,
                  'is not a PyTorch checkpoint'),
    'missing': (lambda p: None, FileNotFoundError, 'does not exist'),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_bad_checkpoint_file_is_named(tmp_path, name):
    make, error, words = CASES[name]
    path = tmp_path / 'epoch_1.pth'
    make(path)
    with pytest.raises(error, match=rf'checkpoint {path}.* {words}' if name != 'missing'
                       else rf'checkpoint {path} {words}'):
        check_checkpoint_file(str(path))


@pytest.mark.parametrize('make', ['zip', 'legacy-pickle'])
def test_good_checkpoints_and_remote_paths_pass(tmp_path, make):
    path = tmp_path / 'ok.pth'
    if make == 'zip':
        _good(path)
    else:
        torch.save({'w': torch.ones(1)}, path, _use_new_zipfile_serialization=False)
    assert zipfile.is_zipfile(path) == (make == 'zip')
    check_checkpoint_file(str(path))
    check_checkpoint_file('https://example.org/model.pth')
    check_checkpoint_file(None)


@pytest.mark.parametrize('tool', ['test', 'train'])
def test_tools_name_a_zero_byte_checkpoint(tmp_path, tiny_topdown_cfg, monkeypatch, tool):
    ckpt = tmp_path / 'empty.pth'
    ckpt.write_bytes(b'')
    work = tmp_path / 'work'
    args = ([str(tiny_topdown_cfg), str(ckpt)] if tool == 'test' else
            [str(tiny_topdown_cfg), '--cfg-options', f'load_from={ckpt}'])
    monkeypatch.setattr(sys, 'argv', [f'{tool}.py', *args, '--work-dir', str(work)])
    monkeypatch.setattr(sys, 'stdout', io.StringIO())
    with pytest.raises(ValueError, match=rf'{ckpt} is empty \(0 bytes\)'):
        runpy.run_path(str(ROOT / 'tools' / f'{tool}.py'), run_name='__main__')
    assert not work.exists()
