"""Label spaces of the public segmentation data sets: class names, ids and colour palettes.

Introduced in ``notebooks/06_driving_scenes.ipynb``. The course's generated road scenes
(:func:`segen_lib.synthetic.make_road_scenes`) use the Cityscapes *train ids*, so a model
trained on them and the Cityscapes loader (:mod:`segen_lib.datasets.public_sets`) share one
label space.

Cityscapes (Cordts et al., 2016; ``cityscapesscripts/helpers/labels.py``) stores masks
as *label ids* 0..33 in ``*_gtFine_labelIds.png``; 19 of them are evaluated and get a
*train id* 0..18; every other label id maps to :data:`IGNORE_LABEL` (255), which losses
and metrics leave out. Note that Cityscapes has no lane-marking class: markings are
labelled ``road``.
"""

from __future__ import annotations

import numpy as np

from segen_lib import checks

IGNORE_LABEL = 255
"""The label of pixels that carry no class (Cityscapes void, Pascal VOC borders): excluded
from losses and metrics, never counted as a class."""

# (name, label id, train id, colour): cityscapesscripts/helpers/labels.py, license plate left out
CITYSCAPES_LABELS = (
    ("unlabeled", 0, 255, (0, 0, 0)),
    ("ego vehicle", 1, 255, (0, 0, 0)),
    ("rectification border", 2, 255, (0, 0, 0)),
    ("out of roi", 3, 255, (0, 0, 0)),
    ("static", 4, 255, (0, 0, 0)),
    ("dynamic", 5, 255, (111, 74, 0)),
    ("ground", 6, 255, (81, 0, 81)),
    ("road", 7, 0, (128, 64, 128)),
    ("sidewalk", 8, 1, (244, 35, 232)),
    ("parking", 9, 255, (250, 170, 160)),
    ("rail track", 10, 255, (230, 150, 140)),
    ("building", 11, 2, (70, 70, 70)),
    ("wall", 12, 3, (102, 102, 156)),
    ("fence", 13, 4, (190, 153, 153)),
    ("guard rail", 14, 255, (180, 165, 180)),
    ("bridge", 15, 255, (150, 100, 100)),
    ("tunnel", 16, 255, (150, 120, 90)),
    ("pole", 17, 5, (153, 153, 153)),
    ("polegroup", 18, 255, (153, 153, 153)),
    ("traffic light", 19, 6, (250, 170, 30)),
    ("traffic sign", 20, 7, (220, 220, 0)),
    ("vegetation", 21, 8, (107, 142, 35)),
    ("terrain", 22, 9, (152, 251, 152)),
    ("sky", 23, 10, (70, 130, 180)),
    ("person", 24, 11, (220, 20, 60)),
    ("rider", 25, 12, (255, 0, 0)),
    ("car", 26, 13, (0, 0, 142)),
    ("truck", 27, 14, (0, 0, 70)),
    ("bus", 28, 15, (0, 60, 100)),
    ("caravan", 29, 255, (0, 0, 90)),
    ("trailer", 30, 255, (0, 0, 110)),
    ("train", 31, 16, (0, 80, 100)),
    ("motorcycle", 32, 17, (0, 0, 230)),
    ("bicycle", 33, 18, (119, 11, 32)),
)

CITYSCAPES_CLASS_NAMES = tuple(name for name, _, train_id, _ in CITYSCAPES_LABELS if train_id != 255)
"""The 19 evaluated Cityscapes classes, indexed by train id (``"road"`` is 0, ``"bicycle"`` 18)."""

CITYSCAPES_PALETTE = np.array([colour for _, _, train_id, colour in CITYSCAPES_LABELS
                               if train_id != 255], np.uint8)
"""``(19, 3)`` uint8 RGB colour of each train id, as in the Cityscapes figures."""

LABEL_ID_TO_TRAIN_ID = np.full(256, IGNORE_LABEL, np.uint8)
"""Lookup table: ``LABEL_ID_TO_TRAIN_ID[label_ids]`` turns a ``*_labelIds.png`` mask into train
ids (255 for the 15 label ids that are not evaluated, and for anything above 33)."""
for _name, _label_id, _train_id, _colour in CITYSCAPES_LABELS:
    LABEL_ID_TO_TRAIN_ID[_label_id] = _train_id
LABEL_ID_TO_TRAIN_ID.setflags(write=False)
CITYSCAPES_PALETTE.setflags(write=False)


def colorize(masks, palette=CITYSCAPES_PALETTE, ignore_colour=(0, 0, 0)) -> np.ndarray:
    """Paint masks of class ids with a palette, for display.

    Args:
        masks: integer class ids, any shape (e.g. ``(h, w)`` or ``(batch, h, w)``), in
            ``0..len(palette) - 1`` or :data:`IGNORE_LABEL`.
        palette: ``(num_classes, 3)`` RGB colours in 0..255 (default: Cityscapes train ids).
        ignore_colour: RGB colour of :data:`IGNORE_LABEL` pixels.

    Returns:
        ``masks.shape + (3,)`` uint8 RGB image.

    Raises:
        ValueError: ids that are not whole numbers (probabilities), one-hot masks, ids
            outside the palette (and not 255; label ids where train ids are expected are
            named), or a palette or ``ignore_colour`` that is not RGB in 0..255.

    Example:
        >>> colorize(np.array([[0, 10], [13, 255]]))[..., 0].tolist()  # red channel
        [[128, 70], [0, 0]]
    """
    palette = np.asarray(palette)
    if palette.ndim != 2 or palette.shape[1] != 3:
        raise ValueError(f"palette must have shape (num_classes, 3), received {palette.shape}.")
    if palette.dtype.kind not in "biuf" or palette.min() < 0 or palette.max() > 255 \
            or np.any(palette != np.round(palette)) or (palette.dtype.kind == "f" and palette.max() <= 1):
        fix = (" (colours in [0, 1], as matplotlib gives them: multiply by 255 and round)"
               if palette.dtype.kind == "f" and palette.size and 0 <= palette.min() and palette.max() <= 1 else "")
        raise ValueError(f"palette must hold whole RGB values in 0..255, received values in "
                         f"{palette.min()}..{palette.max()}{fix}.")
    array = np.asarray(masks)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"masks must hold class ids, received dtype {array.dtype}.")
    if array.dtype.kind == "f" and np.any(array != np.round(array)):
        raise ValueError("masks must hold class ids (whole numbers), received fractions: take "
                         "argmax(axis=-1) of predicted probabilities first.")
    if array.ndim >= 3 and checks.looks_one_hot(array, len(palette)):
        raise ValueError(f"masks of shape {array.shape} look one-hot (one 1 per pixel on the last axis): "
                         "colorize takes class ids; take argmax(axis=-1) first.")
    ids = array.astype(np.int64)
    bad = (ids != IGNORE_LABEL) & ((ids < 0) | (ids >= len(palette)))
    if bad.any():
        hint = (": Cityscapes label ids (0..33) become train ids with "
                "LABEL_ID_TO_TRAIN_ID[masks]" if len(palette) == 19 and ids[bad].min() >= 0
                and ids[bad].max() <= 33 else ": give a palette with a colour per class")
        raise ValueError(f"masks hold ids {sorted(set(ids[bad].tolist()))[:5]} outside the palette's "
                         f"0..{len(palette) - 1} (and {IGNORE_LABEL} = ignore){hint}.")
    table = np.concatenate([palette, np.zeros((IGNORE_LABEL + 1 - len(palette), 3))]).astype(np.uint8)
    ignore_colour = checks.integers(ignore_colour, "ignore_colour", minimum=0)
    if len(ignore_colour) != 3 or max(ignore_colour) > 255:
        raise ValueError(f"ignore_colour must be one RGB colour, three integers in 0..255, received "
                         f"{ignore_colour}.")
    table[IGNORE_LABEL] = ignore_colour
    return table[ids]
