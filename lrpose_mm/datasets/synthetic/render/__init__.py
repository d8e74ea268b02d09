"""Rendering: clothed, textured people from 17 COCO keypoints, and cluttered
backgrounds.

- :mod:`.appearance`: how a person looks (skin, hair, clothes, left/right
  cues) and the materials that colour a body part;
- :mod:`.raster`: anti-aliased swept shapes through a per-person z-buffer;
- :mod:`.person`: a person from keypoints (:func:`render_person`);
- :mod:`.face`: the head, hair/hat and face details;
- :mod:`.background`: procedural or photo backgrounds with clutter.
"""
from .appearance import MARKERS, PATTERNS, Appearance, Fabric, sample_appearance
from .background import list_background_images, noise, render_background, texture
from .person import PART_IDS, PersonRender, render_person

__all__ = [
    'MARKERS', 'PATTERNS', 'Appearance', 'Fabric', 'sample_appearance',
    'list_background_images', 'noise', 'render_background', 'texture', 'PART_IDS',
    'PersonRender', 'render_person'
]
