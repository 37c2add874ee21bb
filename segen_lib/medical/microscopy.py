"""A leak-free split of one microscopy image into quadrants, and tiles to train on.

Introduced in ``notebooks/07_medical_imaging.ipynb``. With one annotated image, the
test set must be a region no training tile touches: random tiles drawn from the whole
image overlap each other, and a nucleus cut by a tile's edge would sit half in training
and half in test. So the image is cut into four quadrants; one is the test set, one the
validation set, two are for training, and training tiles keep a margin away from the
test quadrant (a nucleus on the dividing line is never seen on both sides).

:class:`TileSampler` draws fresh training tiles at random positions inside the
training quadrants every epoch, each under one of the eight symmetries of the square
(flips and 90° rotations: a microscope has no up or down) and a random intensity scale
(staining and exposure vary), image and mask transformed together.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
import numpy as np

from segen_lib import checks

QUADRANTS = ("top-left", "top-right", "bottom-left", "bottom-right")
UNSCALED = 10.0  # a scaled image stays near [0, 1]; raw 8- or 16-bit values go far beyond


def quadrant_slices(shape, quadrant: str) -> tuple[slice, slice]:
    """The rows and columns of one quadrant of an image.

    Args:
        shape: the image's ``(height, width, ...)``; height and width must be even.
        quadrant: one of :data:`QUADRANTS`.

    Returns:
        ``(rows, cols)`` slices: ``image[rows, cols]`` is the quadrant.

    Raises:
        ValueError: an unknown quadrant, a shape that is not one image's (a batch), or an
            odd or too small height or width.

    Example:
        >>> quadrant_slices((512, 512), "bottom-right")
        (slice(256, 512, None), slice(256, 512, None))
    """
    checks.one_of(quadrant, "quadrant", QUADRANTS)
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] > 4):
        raise ValueError(f"shape must be one image's (height, width) or (height, width, channels), "
                         f"received {tuple(shape)}: pass image.shape of one image, not of a batch.")
    if len(shape) < 2 or shape[0] < 2 or shape[1] < 2 or shape[0] % 2 or shape[1] % 2:
        raise ValueError(f"the image's height and width must be even and at least 2 to cut it "
                         f"into quadrants, received shape {tuple(shape)}; crop one row or column.")
    half_h, half_w = shape[0] // 2, shape[1] // 2
    rows = slice(0, half_h) if quadrant.startswith("top") else slice(half_h, shape[0])
    cols = slice(0, half_w) if quadrant.endswith("left") else slice(half_w, shape[1])
    return rows, cols


def _regions(shape, quadrants, test: str, margin: int) -> list[tuple[int, int, int, int]]:
    """``(top, left, bottom, right)`` of each quadrant, moved ``margin`` pixels away from the
    test quadrant: on the shared edge, or, for the quadrant that touches it only at a
    corner, on the side that faces it across the horizontal dividing line."""
    test_rows, test_cols = quadrant_slices(shape, test)
    out = []
    for quadrant in quadrants:
        rows, cols = quadrant_slices(shape, quadrant)
        top, bottom, left, right = rows.start, rows.stop, cols.start, cols.stop
        if rows == test_rows:  # side by side: shrink the shared vertical edge
            left, right = (left + margin, right) if left == test_cols.stop else (left, right - margin)
        else:  # above or below (sharing an edge or a corner): shrink the horizontal side
            top, bottom = (top + margin, bottom) if top == test_rows.stop else (top, bottom - margin)
        out.append((top, left, bottom, right))
    return out


def _grid(start: int, stop: int, tile: int, stride: int) -> list[int]:
    if stop - start < tile:
        return []
    positions = list(range(start, stop - tile + 1, stride))
    if positions[-1] != stop - tile:
        positions.append(stop - tile)  # the last tile flush with the region's edge
    return positions


class QuadrantSplit(NamedTuple):
    """The split of :func:`quadrant_split`; arrays are ``(n, tile, tile, ...)`` tiles."""

    train_regions: list  # (top, left, bottom, right) per training quadrant, margin applied
    validation_images: np.ndarray
    validation_masks: np.ndarray
    validation_origins: np.ndarray  # (n, 2): (row, col) of each tile's top-left pixel
    test_image: np.ndarray  # the whole test quadrant
    test_mask: np.ndarray
    test_slices: tuple  # (rows, cols) of the test quadrant in the full image


def quadrant_split(image, mask, test: str = "bottom-left", validation: str = "bottom-right",
                   tile_size: int = 64, stride: int = 32, margin: int = 16) -> QuadrantSplit:
    """Split one image and its mask into training regions, validation tiles and a test quadrant.

    Args:
        image: ``(height, width)`` or ``(height, width, channels)`` array, height and
            width even.
        mask: array with the image's height and width (class map or instance labels).
        test: the quadrant held out for the test (:data:`QUADRANTS`).
        validation: the quadrant cut into validation tiles (a different one).
        tile_size: side of the validation tiles in pixels (and the training tiles of
            :class:`TileSampler`).
        stride: step between validation tiles (< ``tile_size``: they overlap, which is
            harmless inside one set).
        margin: pixels kept free between the training or validation regions and the
            test quadrant.

    Returns:
        A :class:`QuadrantSplit`. The two remaining quadrants are the training regions;
        no training region or validation tile reaches within ``margin`` pixels of the
        test quadrant.

    Raises:
        ValueError: an unknown or repeated quadrant; image and mask of different heights
            and widths; a tile size larger than a quadrant less the margin; bad numbers.

    Example:
        >>> image, mask = np.zeros((256, 256)), np.zeros((256, 256), np.uint8)
        >>> split = quadrant_split(image, mask, tile_size=64, stride=32)
        >>> split.validation_images.shape, split.test_image.shape, split.train_regions
        ((9, 64, 64), (128, 128), [(0, 0, 112, 128), (0, 128, 112, 256)])
    """
    image, mask = np.asarray(image), np.asarray(mask)
    if image.ndim not in (2, 3) or mask.ndim not in (2, 3) or image.shape[:2] != mask.shape[:2]:
        raise ValueError("image and mask must be 2-D (or 3-D with channels) with the same "
                         f"height and width, received shapes {image.shape} and {mask.shape}.")
    checks.one_of(test, "test", QUADRANTS)
    checks.one_of(validation, "validation", QUADRANTS)
    if validation == test:
        raise ValueError(f"validation and test must be different quadrants, received {test!r} "
                         "for both.")
    tile_size = checks.positive_int(tile_size, "tile_size")
    stride = checks.positive_int(stride, "stride")
    margin = checks.integer(margin, "margin", minimum=0)
    shape = image.shape
    test_rows, test_cols = quadrant_slices(shape, test)
    train = [q for q in QUADRANTS if q not in (test, validation)]
    regions = _regions(shape, train + [validation], test, margin)
    for quadrant, (top, left, bottom, right) in zip(train + [validation], regions):
        if bottom - top < tile_size or right - left < tile_size:
            raise ValueError(f"tile_size {tile_size} does not fit in the {quadrant} quadrant less "
                             f"the margin ({bottom - top}×{right - left} pixels); use smaller "
                             "tiles or a smaller margin.")
    top, left, bottom, right = regions[-1]
    origins = np.array([(r, c) for r in _grid(top, bottom, tile_size, stride)
                        for c in _grid(left, right, tile_size, stride)], dtype=np.int64)
    tiles = [(slice(r, r + tile_size), slice(c, c + tile_size)) for r, c in origins]
    return QuadrantSplit(
        train_regions=regions[:-1],
        validation_images=np.stack([image[t] for t in tiles]),
        validation_masks=np.stack([mask[t] for t in tiles]),
        validation_origins=origins,
        test_image=image[test_rows, test_cols].copy(),
        test_mask=mask[test_rows, test_cols].copy(),
        test_slices=(test_rows, test_cols),
    )


def dihedral(array: np.ndarray, k: int) -> np.ndarray:
    """One of the eight symmetries of the square applied to the first two axes.

    Args:
        array: ``(height, width, ...)`` with height == width (or any shape for k = 0).
        k: 0..7; ``k % 4`` quarter turns counter-clockwise, then a left-right flip when
            ``k >= 4``.

    Returns:
        The transformed array (a view where NumPy allows).

    Raises:
        ValueError: ``k`` outside 0..7.

    Example:
        >>> dihedral(np.array([[1, 2], [3, 4]]), 5).tolist()
        [[4, 2], [3, 1]]
    """
    k = checks.integer(k, "k", minimum=0, maximum=7)
    out = np.rot90(array, k % 4, axes=(0, 1))
    return out[:, ::-1] if k >= 4 else out


class TileSampler(keras.utils.PyDataset):
    """Random training tiles from the training regions, new every epoch: a ``keras.utils.PyDataset``.

    Each tile is cut at a uniformly random position inside one of the regions (chosen
    in proportion to their areas), transformed by a random symmetry of the square
    (:func:`dihedral`), image and mask alike, and its image multiplied by a random
    intensity factor. Works with any Keras backend (NumPy batches).

    Args:
        image: ``(height, width)`` float image scaled to about [0, 1] (e.g. by
            percentiles; values may exceed 1 a little, never :data:`UNSCALED`).
        mask: ``(height, width)`` integer class map.
        regions: ``(top, left, bottom, right)`` boxes, e.g.
            :attr:`QuadrantSplit.train_regions`.
        tile_size: tile side in pixels.
        tiles_per_epoch: tiles drawn per epoch.
        batch_size: tiles per batch.
        intensity: the factor is drawn uniformly from ``[1 - intensity, 1 + intensity]``.
        seed: epoch ``e`` draws with seed ``(seed, e)``, so runs repeat.

    Yields (``sampler[i]``):
        ``(images, masks)``: ``(batch, tile, tile, 1)`` float32 and ``(batch, tile,
        tile)`` of the mask's dtype.

    Raises:
        ValueError: image and mask of different shapes; an integer image, or one whose
            values reach :data:`UNSCALED` (raw pixel values, not scaled); a region outside
            the image or smaller than a tile; bad numbers.
    """

    def __init__(self, image, mask, regions, tile_size: int = 64, tiles_per_epoch: int = 256,
                 batch_size: int = 16, intensity: float = 0.3, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        image, mask = np.asarray(image), np.asarray(mask)
        if image.ndim != 2 or image.shape != mask.shape:
            raise ValueError("image and mask must be 2-D arrays of the same shape, received "
                             f"{image.shape} and {mask.shape}.")
        self.tile = checks.positive_int(tile_size, "tile_size")
        self.count = checks.positive_int(tiles_per_epoch, "tiles_per_epoch")
        self.batch = checks.positive_int(batch_size, "batch_size")
        self.intensity = checks.number(intensity, "intensity", minimum=0, maximum=1,
                                       include_maximum=False)
        self.seed = checks.integer(seed, "seed", minimum=0)
        self.regions = [tuple(int(v) for v in r) for r in regions]
        if not self.regions:
            raise ValueError("regions must hold at least one (top, left, bottom, right) box.")
        for top, left, bottom, right in self.regions:
            if (min(top, left) < 0 or bottom > image.shape[0] or right > image.shape[1]
                    or bottom - top < self.tile or right - left < self.tile):
                raise ValueError(f"region {(top, left, bottom, right)} must lie inside the image "
                                 f"{image.shape} and hold a {self.tile}×{self.tile} tile.")
        if image.dtype.kind != "f":
            raise ValueError(f"image must be a float image scaled for the network (e.g. by its 1st "
                             f"and 99.8th percentiles to about [0, 1], as chapter 07 does), received "
                             f"{image.dtype} values in {image.min()}..{image.max()}.")
        if np.abs(image).max() > UNSCALED:
            raise ValueError(f"image looks unscaled: its values reach {np.abs(image).max():.4g}; scale "
                             "it to about [0, 1] first (e.g. by its 1st and 99.8th percentiles).")
        self.image, self.mask = image.astype(np.float32), mask
        self.epoch = 0
        self._draw()

    def _draw(self):
        rng = np.random.default_rng((self.seed, self.epoch))
        areas = np.array([(b - t) * (r - l) for t, l, b, r in self.regions], np.float64)
        which = rng.choice(len(self.regions), self.count, p=areas / areas.sum())
        images, masks = [], []
        for index in which:
            top, left, bottom, right = self.regions[index]
            r = rng.integers(top, bottom - self.tile + 1)
            c = rng.integers(left, right - self.tile + 1)
            k = int(rng.integers(8))
            images.append(dihedral(self.image[r:r + self.tile, c:c + self.tile], k))
            masks.append(dihedral(self.mask[r:r + self.tile, c:c + self.tile], k))
        scale = rng.uniform(1 - self.intensity, 1 + self.intensity, (self.count, 1, 1))
        self.images = (np.stack(images) * scale)[..., None].astype(np.float32)
        self.masks = np.stack(masks)

    def __len__(self):
        return -(-self.count // self.batch)

    def __getitem__(self, index):
        rows = slice(index * self.batch, (index + 1) * self.batch)
        return self.images[rows], self.masks[rows]

    def on_epoch_end(self):
        self.epoch += 1
        self._draw()
