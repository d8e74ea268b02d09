"""Keep the whole frame for transforms that run after the top-down crop."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class KeepFrame(BaseTransform):
    """Keep a reference to the whole image under ``frame`` (no copy).

    ``TopdownAffine`` replaces ``img`` by the person crop. ``CameraLowResDegrade``
    needs the whole frame (a camera reduces the frame, not the crop), so put
    ``KeepFrame`` right before ``TopdownAffine``, after every transform that
    changes the image (e.g. ``RandomFlip``).

    Required Keys: img

    Added Keys: frame
    """

    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if not isinstance(img, np.ndarray):
            raise ValueError("KeepFrame needs results['img'] as an array (put it after "
                             f'LoadImage), got {type(img).__name__}')
        results['frame'] = img
        return results
