"""tools/analysis/sr_figure.py: the README picture (LR | SR | pose on SR) from a checkpoint."""
import sys

import cv2
import numpy as np
import pytest
import torch

from conftest import ROOT

sys.path.insert(0, str(ROOT / 'tools' / 'analysis'))
import sr_figure  # noqa: E402

CFG = ROOT / 'configs' / 'synthetic' / 'pdsr-x4_hrnet-tiny_synthetic-lr32x24.py'


@pytest.fixture(scope='module')
def val_people(tmp_path_factory):
    from lrpose_mm.datasets.synthetic import generate_coco_people
    root = tmp_path_factory.mktemp('people')
    generate_coco_people(str(root), 2, seed=3, split_name='val', workers=1, progress=False)
    return root


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """Random weights of the config's model in mmengine's checkpoint layout."""
    from mmengine.config import Config
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    import lrpose_mm  # noqa: F401
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(CFG)).model)
    path = tmp_path_factory.mktemp('ckpt') / 'pdsr.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), str(path))
    return path


def test_picture_has_a_row_per_person_and_three_tiles(val_people, checkpoint, tmp_path):
    out = tmp_path / 'fig.png'
    torch.set_num_threads(1)
    _, shape = sr_figure.main([str(CFG), str(checkpoint), '--out', str(out), '--indices', '0', '1',
                               '--magnify', '2', '--cfg-options',
                               f'test_dataloader.dataset.data_root={val_people}'])
    img = cv2.imread(str(out))
    assert img.shape == shape
    # the SR output of the config is 128x96 (x4 from 32x24): tiles 192x256 at magnify 2
    assert img.shape == (2 * 256 + 4, 3 * 192, 3)
    lr_tile, sr_tile, pose_tile = (img[:256, i * 192:(i + 1) * 192] for i in range(3))
    # the LR tile is blocky (nearest 8x), the skeleton changes the SR tile
    assert np.array_equal(lr_tile[16::8, ::8][:-1], lr_tile[17::8, 1::8][:-1])
    assert np.abs(pose_tile.astype(int) - sr_tile.astype(int)).sum() > 0
    assert not list(tmp_path.glob('.*tmp*'))


def test_bad_requests_name_the_problem(val_people, checkpoint, tmp_path):
    with pytest.raises(SystemExit):
        sr_figure.parse_args([str(CFG), str(checkpoint), '--out', 'x.png', '--magnify', '0'])
    with pytest.raises(ValueError, match=r'--indices \[99\]: the test dataset has'):
        sr_figure.main([str(CFG), str(checkpoint), '--out', str(tmp_path / 'f.png'),
                        '--indices', '99', '--cfg-options',
                        f'test_dataloader.dataset.data_root={val_people}'])
    assert not (tmp_path / 'f.png').exists()
