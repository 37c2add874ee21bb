"""Data made from a seed: toy distributions, digit scenes and road scenes, with exact masks.

- :mod:`~segen_lib.synthetic.toy`: 1-D Gaussian mixtures and the 2-D ring of Gaussians
  (chapter 03).
- :mod:`~segen_lib.synthetic.digit_scenes`: shapes, and scenes of real MNIST digits whose
  masks mark each lit pixel with its digit's class (chapter 02).
- :mod:`~segen_lib.synthetic.road_scenes`: road scenes in the Cityscapes label space, under
  day, dusk or night and clear, fog or rain (chapter 06); :mod:`~segen_lib.synthetic.road_render`
  renders their light and weather.
- :mod:`~segen_lib.synthetic.road_edits`: edits of a road scene's label map (chapter 08).

The same seed gives the same data on every machine and backend.
"""

from segen_lib.synthetic.digit_scenes import (
                                              DIGIT_CLASS_NAMES,
                                              LIT_THRESHOLD,
                                              digit_scene_dataset,
                                              make_digit_scenes,
                                              make_shapes,
                                              resize_digits,
)
from segen_lib.synthetic.road_edits import add_person, move_object, objects_of, widen_road
from segen_lib.synthetic.road_scenes import (
                                              LIGHTING,
                                              ROAD_CLASS_NAMES,
                                              ROAD_TRAIN_IDS,
                                              WEATHER,
                                              make_road_scenes,
)
from segen_lib.synthetic.toy import mixture_pdf, ring_centres, sample_mixture, sample_ring

__all__ = [
    "mixture_pdf", "ring_centres", "sample_mixture", "sample_ring",
    "DIGIT_CLASS_NAMES", "LIT_THRESHOLD", "digit_scene_dataset", "make_digit_scenes", "make_shapes",
    "resize_digits",
    "LIGHTING", "ROAD_CLASS_NAMES", "ROAD_TRAIN_IDS", "WEATHER", "make_road_scenes",
    "add_person", "move_object", "objects_of", "widen_road",
]
