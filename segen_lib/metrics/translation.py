r"""How good are translated images? The FCN-score and the high-frequency energy.

Used by ``notebooks/08_image_to_image.ipynb``. pix2pix (Isola et al., 2017, section 4.2)
judges label map → photo translation with the **FCN-score**: a fixed segmentation
network (an FCN in the paper, trained on real Cityscapes photos) segments the generated
photos, and its per-class IoU against the label maps they were generated from is the
score. A plausible scene of the right layout is segmented as that layout; a blur, or a
realistic scene of another layout, is not. The reference is the same network's score on
real scenes: generated scenes cannot be segmented better than real ones by a segmenter
trained on real ones.

The course's fixed segmenter is ``data/road_segmenter.keras`` (chapter 06's U-Net
trained on 3,000 drawn road scenes of 32×64 pixels by ``data/train_road_segmenter.py``).

:func:`laplacian_energy` measures sharpness: the mean squared response to the discrete
Laplacian (:func:`scipy.ndimage.laplace`), which is large where the image has edges and
fine texture and small where it is blurred. The ratio of generated to real scenes is
about 1 for sharp images and well below 1 for the blur of an L1-trained generator.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage

from segen_lib import checks
from segen_lib.datasets.shipped import data_dir, verify
from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES, IGNORE_LABEL
from segen_lib.metrics.robustness import predict_labels
from segen_lib.metrics.segmentation import segmentation_report

__all__ = ["SEGMENTER_FILE", "load_road_segmenter", "fcn_score", "laplacian_energy"]

SEGMENTER_FILE = "road_segmenter.keras"


@lru_cache(maxsize=1)
def load_road_segmenter():
    """The shipped road-scene segmenter (checked against data/SHA256SUMS; no network).

    Returns:
        A Keras model taking ``(batch, 32, 64, 3)`` float32 RGB in [0, 1] and returning
        softmax probabilities over the 19 Cityscapes train ids.

    Raises:
        segen_lib.datasets.DataFileError: the file is missing or corrupt.
    """
    import keras

    verify([SEGMENTER_FILE])
    return keras.saving.load_model(data_dir() / SEGMENTER_FILE, compile=False)


def _downsample(images: np.ndarray, maps: np.ndarray, size: tuple[int, int]):
    """Images by block means and maps by the centre pixel of each block, to ``size``."""
    height, width = images.shape[1:3]
    factors = (height // size[0], width // size[1])
    if (height, width) == tuple(size):
        return images, maps
    if factors[0] != factors[1] or factors[0] < 1 or (height, width) != (size[0] * factors[0], size[1] * factors[1]):
        raise ValueError(f"the segmenter takes {size[0]}×{size[1]} scenes; images of {height}×{width} "
                         f"are not a whole multiple of it: draw or resize them to {size[0]}×{size[1]} "
                         f"(or {2 * size[0]}×{2 * size[1]}, …).")
    k = factors[0]
    small = images.reshape(len(images), size[0], k, size[1], k, images.shape[-1]).mean(axis=(2, 4))
    return small, maps[:, k // 2::k, k // 2::k]


def fcn_score(images, maps, segmenter=None, batch_size: int = 128) -> dict[str, dict[str, float]]:
    """The FCN-score of generated scenes: a fixed segmenter's per-class IoU against their label maps.

    Args:
        images: generated (or real) scenes ``(n, H, W, 3)``, float32 in [-1, 1] (what a
            ``tanh`` generator makes; real scenes in [0, 1] become ``x * 2 - 1``).
        maps: the label maps ``(n, H, W)`` the scenes were generated from, Cityscapes
            train ids (255: ignored).
        segmenter: the fixed segmenter, a Keras model from ``(batch, h, w, 3)`` in [0, 1]
            to 19 class scores; default :func:`load_road_segmenter`. Scenes larger than
            its input by a whole factor are shrunk to it (block means; the maps keep
            each block's centre pixel).
        batch_size: scenes per forward pass.

    Returns:
        :func:`segen_lib.metrics.segmentation_report` of the segmenter's labels against
        ``maps``: per-class ``iou``, then ``"mean"`` with the mean IoU over the classes
        present and the pixel accuracy.

    Raises:
        ValueError: images that are not floats in [-1, 1] (:func:`segen_lib.checks.float_images`),
            maps with labels outside the 19 train ids (and 255), images and maps of
            different counts or sizes, or a size the segmenter cannot be given.

    Source: Isola et al. (2017), "Image-to-image translation with conditional adversarial
    networks", section 4.2 (FCN-score).
    """
    images = checks.float_images(images, "images", "[-1, 1]")
    num_classes = len(CITYSCAPES_CLASS_NAMES)
    maps = checks.label_masks(maps, "maps", num_classes, ignore_index=IGNORE_LABEL)
    if maps.ndim != 3 or images.shape[:3] != maps.shape or images.shape[-1] != 3:
        raise ValueError(f"images must be (n, H, W, 3) RGB scenes and maps (n, H, W) label maps of the "
                         f"same n, H and W, received {images.shape} and {maps.shape}.")
    segmenter = load_road_segmenter() if segmenter is None else segmenter
    size = tuple(segmenter.inputs[0].shape[1:3])
    if None not in size:
        images, maps = _downsample(images, maps, size)
    predicted = predict_labels(segmenter, (images + 1) / 2, batch_size=batch_size)
    return segmentation_report(maps, predicted, num_classes, CITYSCAPES_CLASS_NAMES)


def laplacian_energy(images) -> float:
    r"""Mean squared discrete Laplacian of images: high where they have edges and fine texture.

    :math:`\frac{1}{N}\sum (\nabla^2 x)^2` over every pixel and channel: the 5-point
    stencil of :func:`scipy.ndimage.laplace` (``reflect`` borders) over height and width
    of each image and channel, as one :func:`scipy.ndimage.correlate`. Blurring lowers
    it; compare generated images with real ones of the same scale as a ratio.

    Args:
        images: ``(n, H, W, C)`` floats (any scale, but the same for the images compared).

    Returns:
        The mean squared Laplacian, a float >= 0.

    Raises:
        ValueError: not 4 axes, not finite floats, or empty.

    Example:
        >>> flat = np.zeros((1, 8, 8, 1), np.float32)
        >>> edge = flat.copy(); edge[:, :, 4:] = 1
        >>> laplacian_energy(flat), laplacian_energy(edge)
        (0.0, 0.25)
    """
    array = checks.finite(images, "images")
    if array.ndim != 4 or not array.size or array.dtype.kind != "f":
        raise ValueError(f"images must be a non-empty float array (n, H, W, C), received "
                         f"{array.dtype} of shape {array.shape}.")
    # The 5-point stencil over height and width only: zero along the image and channel axes.
    stencil = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float64)[None, :, :, None]
    response = ndimage.correlate(array.astype(np.float64), stencil, mode="reflect")
    return float(np.mean(response ** 2))
