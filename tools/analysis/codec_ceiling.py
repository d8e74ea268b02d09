"""The accuracy a codec allows: ground truth encoded, decoded back and scored with CocoMetric.

    python tools/analysis/codec_ceiling.py CONFIG [CONFIG ...] [--ann-file FILE] [--out FILE]

For each config: the encoder of its training pipeline's ``GenerateTarget`` and its head's
decoder. Every person of the annotation file (default: the config's test annotation file) is
cropped as the test pipeline does (``GetBBoxCenterScale`` + ``TopdownAffine`` at the codec's
input size), its keypoints are encoded and decoded, mapped back to the image and scored with
MMPose's CocoMetric. AP 1.0 means the codec loses nothing; a coarse heatmap whose Gaussian
centres are rounded to its grid caps AP below 1 before any network is trained.
"""
import argparse
import contextlib
import io
import json
from typing import Optional

import numpy as np

import lrpose_mm  # noqa: F401  (registers the modules, applies the compatibility fixes)
from lrpose_mm.config import load_config
from lrpose_mm.fileio import atomic_json_dump


def _encoder(cfg) -> dict:
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'GenerateTarget':
            return dict(t['encoder'])
    raise ValueError('the config\'s train pipeline has no GenerateTarget: no encoder to test')


def _decode(codec, encoded: dict):
    if 'heatmaps' in encoded:
        return codec.decode(encoded['heatmaps'])
    if 'keypoint_x_labels' in encoded:
        return codec.decode(encoded['keypoint_x_labels'], encoded['keypoint_y_labels'])
    raise ValueError(f'{type(codec).__name__}: neither heatmaps nor SimCC labels to decode '
                     f'(encoded keys {sorted(encoded)})')


def codec_ceiling(config: str, ann_file: Optional[str] = None) -> dict:
    """CocoMetric of the ground truth passed through ``config``'s encoder and decoder."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, KEYPOINT_CODECS, METRICS
    init_default_scope('mmpose')
    cfg = load_config(config)
    enc_cfg, dec_cfg = _encoder(cfg), dict(cfg.model.head.decoder)
    encoder, decoder = KEYPOINT_CODECS.build(enc_cfg), KEYPOINT_CODECS.build(dec_cfg)
    input_size = np.asarray(enc_cfg['input_size'], np.float32)
    ds_cfg = dict(cfg.test_dataloader.dataset)
    if ann_file is not None:
        ds_cfg.update(ann_file=ann_file, data_root='')
    ds_cfg.update(test_mode=True, pipeline=[
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=tuple(enc_cfg['input_size']),
             use_udp=enc_cfg['type'] == 'UDPHeatmap')])
    with contextlib.redirect_stdout(io.StringIO()):
        dataset = DATASETS.build(ds_cfg)
        metric = METRICS.build(dict(type='CocoMetric', ann_file=dataset.ann_file))
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        info['img'] = np.zeros((1, 1, 3), np.uint8)  # only the keypoints are transformed
        r = dataset.pipeline(info)
        kpts, _ = _decode(decoder, encoder.encode(r['transformed_keypoints'],
                                                  r.get('keypoints_visible')))
        scale, center = r['bbox_scale'][:, None], r['bbox_center'][:, None]
        kpts = kpts / input_size * scale + center - 0.5 * scale
        metric.process([], [dict(id=info['id'], img_id=info['img_id'], gt_instances={},
                                 pred_instances=dict(keypoints=kpts,
                                                     keypoint_scores=np.ones(kpts.shape[:2])))])
    with contextlib.redirect_stdout(io.StringIO()):
        res = metric.compute_metrics(metric.results)
    return dict(config=config, encoder=enc_cfg, decoder=dec_cfg, people=len(dataset),
                ann_file=dataset.ann_file, AP=float(res['AP']), AP50=float(res['AP .5']),
                AP75=float(res['AP .75']))


def main(argv=None) -> list:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('configs', nargs='+', help='config files or lrpose_mm::/mmpose:: names')
    p.add_argument('--ann-file', default=None, help='COCO keypoint file (default: the '
                   'config\'s test annotation file)')
    p.add_argument('--out', default=None, help='write the results as JSON here')
    args = p.parse_args(argv)
    out = [codec_ceiling(c, args.ann_file) for c in args.configs]
    for r in out:
        print(f'{r["config"]}: AP {r["AP"]:.3f} (AP50 {r["AP50"]:.3f}, AP75 {r["AP75"]:.3f}) '
              f'on {r["people"]} people; encoder {json.dumps(r["encoder"])}, decoder '
              f'{json.dumps(r["decoder"])}')
    if args.out:
        atomic_json_dump(out, args.out)
    return out


if __name__ == '__main__':
    main()
