"""Tiny end-to-end runs of tools/train.py, tools/test.py and tools/dist_train.sh."""
import json

import pytest

from conftest import PY, run_tool

pytestmark = pytest.mark.slow   # trainings through tools/ (about 40 s)


@pytest.fixture(scope='module')
def trained(tiny_topdown_cfg, tmp_path_factory):
    work = tmp_path_factory.mktemp('train')
    run_tool(PY, 'tools/train.py', str(tiny_topdown_cfg), '--work-dir', str(work))
    return work


def test_train_writes_checkpoints_and_validates(trained):
    assert (trained / 'epoch_1.pth').is_file() and (trained / 'epoch_2.pth').is_file()
    assert (trained / 'last_checkpoint').read_text().strip().endswith('epoch_2.pth')
    scalars = list(trained.glob('*/vis_data/scalars.json'))
    lines = [json.loads(x) for x in scalars[0].read_text().splitlines()]
    assert any('coco/AP' in x for x in lines)  # validation ran CocoMetric
    assert any(x.get('loss', 0) > 0 for x in lines)


def test_test_tool_evaluates_with_coco_metric(trained, tiny_topdown_cfg, tmp_path):
    out, dump = tmp_path / 'metrics.json', tmp_path / 'preds.pkl'
    run_tool(PY, 'tools/test.py', str(tiny_topdown_cfg), str(trained / 'epoch_2.pth'),
             '--work-dir', str(tmp_path / 'w'), '--out', str(out), '--dump', str(dump))
    metrics = json.loads(out.read_text())
    for key in ('coco/AP', 'coco/AP .5', 'coco/AR'):
        assert 0.0 <= metrics[key] <= 1.0, (key, metrics)
    import pickle
    preds = pickle.loads(dump.read_bytes())
    assert len(preds) == 6 and preds[0]['pred_instances']['keypoints'].shape == (1, 17, 2)


def test_test_tool_rejects_bad_dump_name(trained, tiny_topdown_cfg, tmp_path):
    with pytest.raises(AssertionError, match='--dump must name a .pkl file'):
        run_tool(PY, 'tools/test.py', str(tiny_topdown_cfg), str(trained / 'epoch_2.pth'),
                 '--work-dir', str(tmp_path), '--dump', str(tmp_path / 'x.json'))


def test_resume_continues_from_latest(trained, tiny_topdown_cfg):
    proc = run_tool(PY, 'tools/train.py', str(tiny_topdown_cfg), '--work-dir', str(trained),
                    '--resume', '--cfg-options', 'train_cfg.max_epochs=3')
    assert 'resumed epoch: 2' in (proc.stdout + proc.stderr)
    assert (trained / 'epoch_3.pth').is_file()


# torch's gloo backend sometimes aborts one rank while the processes end, after the run is
# complete ("terminate called without an active exception", exit code -6; seen once in about ten
# CI runs here): such an attempt is run again, once, with a fresh work dir; every assertion below
# holds for the run that is kept
GLOO_TEARDOWN_ABORT = 'terminate called without an active exception'


def test_two_process_cpu_distributed_training(tiny_topdown_cfg, tmp_path):
    for attempt in range(2):
        work = tmp_path / f'attempt{attempt}'
        try:
            proc = run_tool('bash', 'tools/dist_train.sh', str(tiny_topdown_cfg), '2',
                            '--work-dir', str(work), '--cfg-options', 'train_cfg.max_epochs=1',
                            'train_cfg.val_interval=5', env=dict(PYTHON=PY, PORT='29533'))
            break
        except AssertionError as err:
            if attempt or GLOO_TEARDOWN_ABORT not in str(err) or not (
                    work / 'epoch_1.pth').is_file():
                raise
    tmp_path = work
    log = proc.stdout + proc.stderr
    assert (tmp_path / 'epoch_1.pth').is_file()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log  # world size 2
    # 6 images, batch 3 per process: each of the two processes sees half -> 1 iteration
    assert 'Epoch(train) [1][1/1]' in log
