"""Segmentation data made on the fly: shapes, multi-digit scenes, paired augmentation.

Introduced in ``notebooks/02_unet_segmentation.ipynb``.

- :func:`make_shapes`: grey images of random ellipses and rectangles with their exact
  binary masks: the very first segmentation steps, and (with small shapes) a task
  where the foreground is a few per cent of the pixels.
- :func:`make_digit_scenes`: real MNIST digits pasted on a canvas; the mask holds the
  digit's class + 1 where its pixels are lit and 0 elsewhere (11 classes). Training
  and test scenes are built from disjoint sets of MNIST images.
- :func:`paired_augmentation`: Keras preprocessing layers that move an image and its
  mask together (masks are resampled with nearest-neighbour interpolation).
"""

from __future__ import annotations

import keras
import numpy as np
from scipy import ndimage

from segen_lib import checks
from segen_lib.datasets.shipped import SPLITS, load_mnist

DIGIT_CLASS_NAMES = ("background",) + tuple(str(d) for d in range(10))
LIT_THRESHOLD = 96  # an MNIST pixel counts as part of the digit above this value (0..255)


def make_shapes(num_images: int, image_size: int = 64, seed: int = 0, max_shapes: int = 3,
                min_radius: float = 4.0, max_radius: float = 14.0, noise: float = 0.1
                ) -> tuple[np.ndarray, np.ndarray]:
    """Random ellipses and rectangles on a noisy background, with exact binary masks.

    Foreground and background have random, overlapping brightness, so a single
    threshold does not separate them: the network must use shape and edges.

    Args:
        num_images: how many images to make.
        image_size: height and width in pixels.
        seed: random seed; the same seed gives the same images.
        max_shapes: each image holds 1 to ``max_shapes`` shapes.
        min_radius: smallest half-size of a shape, in pixels.
        max_radius: largest half-size of a shape, in pixels. Small values give an
            imbalanced task (a few per cent foreground).
        noise: standard deviation of the Gaussian pixel noise.

    Returns:
        ``(images, masks)``: images ``(num_images, image_size, image_size, 1)``
        float32 in [0, 1]; masks of the same shape, float32 in {0, 1}.

    Example:
        >>> images, masks = make_shapes(2, image_size=32, seed=1)
        >>> images.shape, masks.shape
        ((2, 32, 32, 1), (2, 32, 32, 1))
    """
    num_images = checks.positive_int(num_images, "num_images")
    image_size = checks.integer(image_size, "image_size", minimum=8)
    seed = checks.integer(seed, "seed", minimum=0)
    max_shapes = checks.positive_int(max_shapes, "max_shapes")
    min_radius = checks.number(min_radius, "min_radius", minimum=0, include_minimum=False)
    max_radius = checks.number(max_radius, "max_radius", minimum=min_radius)
    noise = checks.number(noise, "noise", minimum=0)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:image_size, :image_size].astype(np.float32)
    images = np.empty((num_images, image_size, image_size), np.float32)
    masks = np.zeros((num_images, image_size, image_size), np.float32)
    for i in range(num_images):
        # smooth background gradient, so brightness alone does not give the mask
        gx, gy = rng.uniform(-0.3, 0.3, 2)
        image = rng.uniform(0.2, 0.5) + gx * (xx / image_size - 0.5) + gy * (yy / image_size - 0.5)
        for _ in range(rng.integers(1, max_shapes + 1)):
            cy, cx = rng.uniform(0, image_size, 2)
            ry, rx = rng.uniform(min_radius, max_radius, 2)
            if rng.random() < 0.5:
                inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
            else:
                inside = (np.abs(yy - cy) <= ry) & (np.abs(xx - cx) <= rx)
            image = np.where(inside, rng.uniform(0.45, 0.9), image)
            masks[i][inside] = 1.0
        images[i] = image + rng.normal(0, noise, image.shape)
    return np.clip(images, 0, 1)[..., None], masks[..., None]


def make_digit_scenes(num_images: int, image_size: int = 64, max_digits: int = 3, seed: int = 0,
                      split: str = "train", digit_size: int = 28,
                      digits: tuple[np.ndarray, np.ndarray] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Scenes of real MNIST digits on a black canvas, with per-pixel class masks.

    Each scene holds 1 to ``max_digits`` digits at random positions; a digit is
    placed only where its lit pixels touch no other digit's (so every pixel has one
    true class). The mask is ``digit + 1`` where the digit's pixel is above
    :data:`LIT_THRESHOLD` and ``0`` (background) elsewhere: 11 classes, named in
    :data:`DIGIT_CLASS_NAMES`.

    Args:
        num_images: how many scenes to make.
        image_size: canvas height and width (at least ``digit_size``).
        max_digits: most digits per scene.
        seed: random seed; the same seed gives the same scenes.
        split: ``"train"`` or ``"test"``: which shipped MNIST digits to use (the two
            share no image, so test scenes contain only unseen digits).
        digit_size: side of a pasted digit in pixels; MNIST's 28×28 digits are
            resized (area-averaged) when it is smaller, e.g. 14 for 32×32 scenes.
        digits: optional ``(images, labels)`` to draw from instead of the shipped split
            (``(n, 28, 28)`` in 0..255, e.g. uint8, and ``(n,)`` digits in 0..9).

    Returns:
        ``(images, masks)``: images ``(num_images, image_size, image_size, 1)`` float32
        in [0, 1]; masks ``(num_images, image_size, image_size)`` uint8 in 0..10.

    Raises:
        ValueError: a bad count or size; ``digits`` images not in 0..255 (images in
            [0, 1] would give empty masks) or labels outside 0..9.

    Example:
        >>> images, masks = make_digit_scenes(4, seed=0, split="test")
        >>> images.shape, masks.shape, int(masks.max()) <= 10
        ((4, 64, 64, 1), (4, 64, 64), True)
    """
    num_images = checks.positive_int(num_images, "num_images")
    digit_size = checks.integer(digit_size, "digit_size", minimum=7, maximum=28)  # 28: MNIST's size
    image_size = checks.integer(image_size, "image_size", minimum=digit_size)
    max_digits = checks.positive_int(max_digits, "max_digits")
    seed = checks.integer(seed, "seed", minimum=0)
    checks.one_of(split, "split", SPLITS)
    source_images, source_labels = load_mnist(split) if digits is None else _check_digits(digits)
    if digit_size != 28:
        source_images = resize_digits(source_images, digit_size)
    rng = np.random.default_rng(seed)
    images = np.zeros((num_images, image_size, image_size), np.float32)
    masks = np.zeros((num_images, image_size, image_size), np.uint8)
    size = digit_size
    span = image_size - size + 1
    for i in range(num_images):
        lit_canvas = np.zeros((image_size, image_size), bool)
        for _ in range(rng.integers(1, max_digits + 1)):
            index = rng.integers(len(source_images))
            digit = source_images[index]
            lit = digit > LIT_THRESHOLD
            grown = ndimage.binary_dilation(lit)  # one pixel wider: keeps digits from touching
            for _attempt in range(20):
                top, left = rng.integers(0, span, 2)
                window = (slice(top, top + size), slice(left, left + size))
                if not (lit_canvas[window] & grown).any():
                    break
            else:
                continue  # no free place: the scene keeps fewer digits
            images[i][window] = np.maximum(images[i][window], digit / 255.0)
            masks[i][window][lit] = source_labels[index] + 1
            lit_canvas[window] |= lit
    return images[..., None], masks


def _check_digits(digits) -> tuple[np.ndarray, np.ndarray]:
    """``digits=(images, labels)`` of :func:`make_digit_scenes`, checked."""
    if not isinstance(digits, (tuple, list)) or len(digits) != 2:
        raise ValueError("digits must be a pair (images, labels), received "
                         f"{type(digits).__name__}.")
    images, labels = np.asarray(digits[0]), digits[1]
    if images.ndim != 3 or images.shape[1:] != (28, 28) or not len(images):
        raise ValueError(f"digits images must have shape (n, 28, 28), received {images.shape}.")
    checks.finite(images, "digits images")
    low, high = images.min(), images.max()
    if low < 0 or high > 255 or (images.dtype.kind == "f" and high <= 1):
        raise ValueError(f"digits images must be in 0..255 like MNIST's uint8 (a pixel is lit "
                         f"above {LIT_THRESHOLD}), received values in [{low:.3g}, {high:.3g}]"
                         + (": for images in [0, 1] use (x * 255).astype('uint8')." if high <= 1
                            else "."))
    labels = checks.class_labels(labels, "digits labels", 10)
    if len(labels) != len(images):
        raise ValueError(f"digits holds {len(images)} images but {len(labels)} labels.")
    return images, labels


def resize_digits(images: np.ndarray, digit_size: int) -> np.ndarray:
    """Shrink ``(n, 28, 28)`` uint8 digits to ``(n, digit_size, digit_size)`` by area averaging.

    Example:
        >>> digits = np.zeros((2, 28, 28), np.uint8)
        >>> digits[:, 10:18, 12:16] = 255
        >>> small = resize_digits(digits, 14)
        >>> small.shape, int(small.max())
        ((2, 14, 14), 255)
    """
    digit_size = checks.integer(digit_size, "digit_size", minimum=1, maximum=28)
    edges = np.linspace(0, 28, digit_size + 1)
    # weight[i, j]: overlap of output pixel i with input pixel j, rows summing to 1
    weight = np.clip(np.minimum(edges[1:, None], np.arange(1, 29)) -
                     np.maximum(edges[:-1, None], np.arange(28)), 0, None)
    weight /= weight.sum(1, keepdims=True)
    out = np.einsum("ij,njk,lk->nil", weight, images.astype(np.float32), weight)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def digit_scene_dataset(num_images: int, batch_size: int = 32, image_size: int = 64,
                        max_digits: int = 3, digit_size: int = 28, seed: int = 0, **kwargs):
    """A ``keras.utils.PyDataset`` of digit scenes that draws fresh scenes every epoch.

    New scenes each epoch act as unlimited augmentation (the digits are reused, their
    placement and company are not). Scenes come from the *training* digits only.

    Args:
        num_images: scenes per epoch.
        batch_size: scenes per batch.
        image_size, max_digits, digit_size: as in :func:`make_digit_scenes`.
        seed: seed of the first epoch; epoch ``k`` uses ``seed + k``.
        **kwargs: passed to ``keras.utils.PyDataset`` (``workers``, ...).

    Returns:
        A dataset yielding ``(images, masks)`` batches as :func:`make_digit_scenes`.
        ``fit`` shuffles the order of its batches every epoch (``shuffle=True``).

    Example:
        >>> scenes = digit_scene_dataset(10, batch_size=4, image_size=32, digit_size=14)
        >>> len(scenes), scenes[0][0].shape, scenes[2][1].shape
        (3, (4, 32, 32, 1), (2, 32, 32))
    """
    num_images = checks.positive_int(num_images, "num_images")
    batch_size = checks.positive_int(batch_size, "batch_size")

    class DigitScenes(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(**kwargs)
            self.epoch = 0
            self._make()

        def _make(self):
            self.images, self.masks = make_digit_scenes(
                num_images, image_size=image_size, max_digits=max_digits, seed=seed + self.epoch,
                split="train", digit_size=digit_size)

        def __len__(self):
            return -(-num_images // batch_size)

        def __getitem__(self, index):
            batch = slice(index * batch_size, (index + 1) * batch_size)
            return self.images[batch], self.masks[batch]

        def on_epoch_end(self):
            self.epoch += 1
            self._make()

    return DigitScenes()
