"""Edit the label map of a road scene by hand: move a car, add a pedestrian, widen the road.

Used by ``notebooks/08_image_to_image.ipynb``, where a pix2pix generator draws the scene
for an edited map: the "virtual scene" of the course's source article. Maps hold
Cityscapes train ids, as :func:`segen_lib.synthetic.make_road_scenes` draws them. Every
function returns a new map and leaves its argument unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage import measure

from segen_lib import checks
from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES

__all__ = ["objects_of", "move_object", "add_person", "widen_road"]

_NUM_CLASSES = len(CITYSCAPES_CLASS_NAMES)
_ROAD, _SIDEWALK, _PERSON, _CAR = (CITYSCAPES_CLASS_NAMES.index(name)
                                   for name in ("road", "sidewalk", "person", "car"))


def _map(label_map) -> np.ndarray:
    array = np.asarray(label_map)
    if array.ndim == 3 and array.shape[-1] == _NUM_CLASSES:
        raise ValueError(f"label_map must be one map (height, width) of train ids, received shape "
                         f"{array.shape}: one-hot or class scores? take argmax(axis=-1) first.")
    if array.ndim != 2:
        raise ValueError(f"label_map must be one map (height, width) of Cityscapes train ids, "
                         f"received shape {array.shape}: pass maps[i], not the whole batch.")
    return checks.label_masks(array[None], "label_map", _NUM_CLASSES, ignore_index=255)[0].astype(np.uint8)


def objects_of(label_map, class_id: int = _CAR) -> np.ndarray:
    """The separate objects of one class: 8-connected regions, largest first.

    Args:
        label_map: ``(height, width)`` Cityscapes train ids.
        class_id: the class (default: car, train id 13).

    Returns:
        int32 ``(height, width)``: 0 for other pixels, 1 for the largest object, 2 for
        the next, and so on (:func:`skimage.measure.label`, renumbered by size).

    Raises:
        ValueError: not one map of train ids, or a class id out of range.
    """
    array = _map(label_map)
    class_id = checks.integer(class_id, "class_id", minimum=0, maximum=_NUM_CLASSES - 1)
    regions = measure.label(array == class_id, connectivity=2)
    sizes = np.bincount(regions.ravel())[1:]
    order = np.zeros(len(sizes) + 1, np.int32)
    order[1 + np.argsort(-sizes, kind="stable")] = np.arange(1, len(sizes) + 1)
    return order[regions]


def move_object(label_map, shift: tuple[int, int], class_id: int = _CAR, rank: int = 1) -> np.ndarray:
    """Move one object of a class by ``(rows, columns)`` pixels.

    The pixels it leaves take the class that surrounds the object most (the road, for a
    car on it); the object is drawn at its new place over whatever is there, and what
    falls outside the map is cut.

    Args:
        label_map: ``(height, width)`` Cityscapes train ids.
        shift: ``(rows, columns)``; positive moves down and right.
        class_id: the object's class (default: car).
        rank: which object of that class, by size: 1 is the largest (:func:`objects_of`).

    Returns:
        The edited map, uint8 ``(height, width)``.

    Raises:
        ValueError: bad arguments (a ``shift`` that is not two integers), or a map with
            fewer than ``rank`` objects of the class.

    Example:
        >>> scene = np.zeros((4, 6), np.uint8); scene[1:3, 1:3] = 13    # a car on the road
        >>> move_object(scene, (0, 2))[1].tolist()
        [0, 0, 0, 13, 13, 0]
    """
    array = _map(label_map)
    if isinstance(shift, (str, bytes)) or np.ndim(shift) != 1 or len(shift) != 2:
        raise ValueError(f"shift must be (rows, columns), two integers, received {shift!r}: e.g. "
                         "(0, 5) moves the object 5 pixels to the right.")
    rows, columns = (checks.integer(value, "shift", minimum=-10**6) for value in shift)
    rank = checks.positive_int(rank, "rank")
    objects = objects_of(array, class_id)
    if objects.max() < rank:
        raise ValueError(f"the map holds {objects.max()} {CITYSCAPES_CLASS_NAMES[class_id]} object(s); "
                         f"rank={rank} asks for more: pick a map with one, or a lower rank.")
    region = objects == rank
    ring = ndimage.binary_dilation(region, iterations=1) & ~region & (array != class_id)
    around = np.bincount(array[ring], minlength=256) if ring.any() else np.bincount([_ROAD], minlength=256)
    edited = array.copy()
    edited[region] = around.argmax()
    moved = np.zeros_like(region)
    height, width = region.shape
    source = region[max(0, -rows):height - max(0, rows), max(0, -columns):width - max(0, columns)]
    moved[max(0, rows):max(0, rows) + source.shape[0], max(0, columns):max(0, columns) + source.shape[1]] = source
    edited[moved] = class_id
    return edited


def add_person(label_map, row: int, column: int, height: int) -> np.ndarray:
    """Draw a pedestrian standing at ``(row, column)`` (the feet), ``height`` pixels tall.

    The silhouette is a body a third as wide as it is tall (legs and trunk) under a
    round head a fifth of the height; in a perspective scene a person further away
    (nearer the horizon) should be drawn smaller.

    Args:
        label_map: ``(height, width)`` Cityscapes train ids.
        row, column: where the feet touch the ground, in pixels.
        height: the person's height in pixels, at least 3.

    Returns:
        The edited map, uint8 ``(height, width)``, with the person (train id 11) drawn
        over what was there.

    Raises:
        ValueError: bad arguments, or feet outside the map.

    Example:
        >>> int((add_person(np.zeros((16, 16), np.uint8), 14, 8, 10) == 11).sum()) > 10
        True
    """
    array = _map(label_map)
    rows, columns = array.shape
    row = checks.integer(row, "row", minimum=0, maximum=rows - 1)
    column = checks.integer(column, "column", minimum=0, maximum=columns - 1)
    height = checks.integer(height, "height", minimum=3)
    y, x = np.mgrid[:rows, :columns]
    head = height / 5
    body = (y <= row) & (y > row - height + head) & (np.abs(x - column) <= max(height / 6, 0.5))
    centre = row - height + head / 2
    skull = (y - centre) ** 2 + (x - column) ** 2 <= max(head / 2, 0.5) ** 2
    edited = array.copy()
    edited[body | skull] = _PERSON
    return edited


def widen_road(label_map, fraction: float) -> np.ndarray:
    """Widen the road into the sidewalks by ``fraction`` of its width on each side, row by row.

    Each row's road span (its leftmost to rightmost road pixel) grows by ``fraction``
    times its width on both sides; only sidewalk pixels in the way become road, so the
    growth follows the perspective and stops at buildings, cars and people.

    Args:
        label_map: ``(height, width)`` Cityscapes train ids.
        fraction: growth on each side as a share of the road's width (0 to 1).

    Returns:
        The edited map, uint8 ``(height, width)``.

    Raises:
        ValueError: bad arguments.

    Example:
        >>> scene = np.full((1, 10), 1, np.uint8); scene[0, 4:6] = 0   # sidewalk | road | sidewalk
        >>> widen_road(scene, 0.5)[0].tolist()
        [1, 1, 1, 0, 0, 0, 0, 1, 1, 1]
    """
    array = _map(label_map)
    fraction = checks.number(fraction, "fraction", minimum=0.0, maximum=1.0)
    edited = array.copy()
    columns = np.arange(array.shape[1])
    for index, line in enumerate(array):
        road = np.flatnonzero(line == _ROAD)
        if not len(road):
            continue
        left, right = road.min(), road.max()
        grow = fraction * (right - left + 1)
        reach = (columns >= left - grow) & (columns <= right + grow) & (line == _SIDEWALK)
        edited[index, reach] = _ROAD
    return edited
