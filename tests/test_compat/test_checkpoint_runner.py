"""A Runner-saved checkpoint loads through `load_from` and `resume` with weights_only on."""
import pickle

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import lrpose_mm  # noqa: F401


class _Points(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        x = torch.full((2,), float(i))
        return dict(inputs=x, target=x.sum().reshape(1) * 0.5)


class _Linear(BaseModel):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, inputs, target=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=((out - target) ** 2).mean())
        return out


def _runner(work_dir, max_epochs, **kwargs):
    return Runner(
        model=_Linear(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=_Points(), batch_size=4, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0), **kwargs)


def test_checkpoint_has_numpy_and_history_buffer_and_loads(tmp_path):
    runner = _runner(tmp_path / 'a', 2)
    runner.train()
    ckpt = tmp_path / 'a' / 'epoch_2.pth'
    allowed = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:  # without the fix, weights_only loading of this checkpoint fails
        with pytest.raises(pickle.UnpicklingError, match='Unsupported global'):
            torch.load(ckpt)
    finally:
        torch.serialization.add_safe_globals(allowed)
    weights = runner.model.fc.weight.detach().clone()

    loaded = _runner(tmp_path / 'b', 2, load_from=str(ckpt))
    loaded.load_or_resume()
    assert torch.equal(loaded.model.fc.weight, weights)

    resumed = _runner(tmp_path / 'c', 3, load_from=str(ckpt), resume=True)
    resumed.load_or_resume()
    assert resumed.train_loop.epoch == 2 and resumed.train_loop.iter == 4
    assert torch.equal(resumed.model.fc.weight, weights)
    state = resumed.optim_wrapper.optimizer.state_dict()['state']
    assert state and 'momentum_buffer' in state[0]  # optimizer state restored too
    resumed.train()
    assert resumed.train_loop.epoch == 3
