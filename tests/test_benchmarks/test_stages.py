"""The shared stage runner: reuse only when every setting is unchanged, resume when cut."""
import copy
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
from benchmarks.common.stages import StageRunner, settings_key  # noqa: E402


@pytest.fixture()
def tiny_cfg(tiny_topdown_cfg, tmp_path):
    cfg = Config.fromfile(str(tiny_topdown_cfg))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, by_epoch=False)
    cfg.log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
    return cfg


def test_settings_key_follows_config_and_inputs(tiny_cfg):
    k = settings_key(tiny_cfg, dict(data='a'))
    assert settings_key(copy.deepcopy(tiny_cfg), dict(data='a')) == k
    assert settings_key(tiny_cfg, dict(data='b')) != k
    other = copy.deepcopy(tiny_cfg)
    other.optim_wrapper.optimizer.lr = 0.5
    assert settings_key(other, dict(data='a')) != k


@pytest.mark.slow
def test_train_reuses_unchanged_stage_and_retrains_a_changed_one(tiny_cfg, tmp_path,
                                                                  mmpose_scope_one_thread):
    runner = StageRunner(tmp_path / 'work')
    first = runner.train('hr', tiny_cfg, dict(data='a'))
    assert Path(first.checkpoint).is_file() and not first.reused
    again = StageRunner(tmp_path / 'work').train('hr', tiny_cfg, dict(data='a'))
    assert again.reused and again.checkpoint == first.checkpoint
    changed = copy.deepcopy(tiny_cfg)
    changed.randomness = dict(seed=1)
    other = StageRunner(tmp_path / 'work').train('hr', changed, dict(data='a'))
    assert not other.reused and other.key != first.key
    assert Path(first.checkpoint).is_file()  # the old stage is kept, never deleted


@pytest.mark.slow
def test_interrupted_training_resumes_from_its_checkpoint(tiny_cfg, tmp_path,
                                                          mmpose_scope_one_thread):
    import torch
    runner = StageRunner(tmp_path / 'work')
    cut = copy.deepcopy(tiny_cfg)
    rec = runner.train('hr', cut, None)
    # simulate an interruption after iteration 2 of a 3-iteration stage: same key folder
    longer = copy.deepcopy(tiny_cfg)
    longer.train_cfg.max_iters = 3
    key = settings_key(longer, None)
    wd = tmp_path / 'work' / 'hr' / key
    wd.mkdir(parents=True)
    ckpt = wd / 'iter_2.pth'
    ckpt.write_bytes(Path(rec.checkpoint).read_bytes())
    (wd / 'last_checkpoint').write_text(str(ckpt))
    done = runner.train('hr', longer, None)
    assert Path(done.checkpoint).name == 'iter_3.pth'
    meta = torch.load(done.checkpoint, map_location='cpu', weights_only=False)['meta']
    assert meta['iter'] == 3
