"""Training a segmenter with few labels: the split, the batches, pseudo-labels, generated pairs.

Introduced in ``notebooks/09_scarce_labels.ipynb``, which measures on road scenes how much
of the gap between a few labelled images and a fully labelled set each remedy closes:

- :func:`fraction_split` takes the labelled few from a pool, with a fixed seed, nested
  (the 3 % are part of the 10 %), optionally stratified;
- :class:`TrainingPairs` feeds ``fit`` the same number of steps whatever the set's size,
  with paired geometric augmentation that marks the pixels it invents as *ignore*;
- :func:`pseudo_labels` turns a model's class probabilities into masks that keep only
  the confident pixels (self-training: Lee, 2013; Xie et al., 2020);
- :func:`mix_pairs` mixes real pairs with generated ones (image drawn by a generator for a
  label map) in a stated ratio.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from segen_lib import checks
from segen_lib.label_spaces import IGNORE_LABEL

__all__ = ["fraction_split", "TrainingPairs", "pseudo_labels", "mix_pairs"]


def fraction_split(num_items: int, fraction: float, seed: int = 0,
                   stratify: Sequence | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a labelled fraction of a pool and of the rest, nested across fractions.

    One permutation of the pool is drawn from ``seed``; the labelled part is its first
    ``round(fraction * num_items)`` items (at least one). Smaller fractions of the same
    seed are therefore subsets of larger ones, which is how a label-efficiency curve is
    measured: each point adds labels to the previous one instead of drawing a new set.

    With ``stratify`` (one group key per item, e.g. ``masks_have_person``), each group is
    permuted on its own and contributes ``round(fraction * group size)`` items, at least
    one: a small labelled set then holds every group, in about its share of the pool.
    The total can differ from ``fraction * num_items`` by up to half the number of groups.

    Args:
        num_items: size of the pool (integer >= 1).
        fraction: share to label, in (0, 1].
        seed: seed of the permutation (integer >= 0).
        stratify: ``None``, or ``num_items`` group keys (any hashable values).

    Returns:
        ``(labelled, unlabelled)``: sorted int64 index arrays, disjoint, together
        ``0 .. num_items - 1``.

    Raises:
        ValueError: a pool size or seed that is not a whole number in range, a fraction
            outside (0, 1], or ``stratify`` of another length than the pool.

    Example:
        >>> labelled, unlabelled = fraction_split(10, 0.3, seed=0)
        >>> len(labelled), len(unlabelled)
        (3, 7)
        >>> bool(set(labelled) <= set(fraction_split(10, 0.5, seed=0)[0]))   # nested
        True
    """
    num_items = checks.positive_int(num_items, "num_items")
    fraction = checks.number(fraction, "fraction", minimum=0, maximum=1, include_minimum=False)
    seed = checks.integer(seed, "seed", minimum=0)
    if stratify is None:
        groups = [np.arange(num_items)]
    else:
        keys = np.asarray(stratify)
        if keys.ndim != 1 or len(keys) != num_items:
            raise ValueError(f"stratify must hold one group key per item ({num_items}), received "
                             f"shape {keys.shape}: pass e.g. (masks == person).any(axis=(1, 2)).")
        groups = [np.flatnonzero(keys == key) for key in np.unique(keys)]
    chosen = []
    for number, members in enumerate(groups):
        order = np.random.default_rng([seed, number]).permutation(members)
        chosen.append(order[:max(1, int(np.floor(fraction * len(members) + 0.5)))])
    labelled = np.sort(np.concatenate(chosen)).astype(np.int64)
    unlabelled = np.setdiff1d(np.arange(num_items), labelled).astype(np.int64)
    return labelled, unlabelled


class TrainingPairs(keras.utils.PyDataset):
    """Exactly ``steps`` batches of (image, mask) pairs for ``fit``, whatever the set's size.

    A label-efficiency curve compares sets of 20 and of 2,000 images. Training each for
    the same number of *epochs* would give the small set 100 times fewer steps; this
    dataset gives every set the same number of steps of the same batch size, and so the
    same compute: the orders are whole shuffled passes over the set, one after the
    other, cut at ``steps * batch_size`` pairs.

    ``augment``, if given, transforms each batch's images and masks together (a
    :func:`segen_lib.training_data.paired_augmentation`, or any callable taking and returning
    ``{"images", "segmentation_masks"}``). A shift or rotation fills the pixels it
    brings in with a constant; Keras fills masks with the same constant, 0, which would
    label them as class 0 (``road`` in Cityscapes train ids). Here masks are shifted by
    one before the transform, so filled pixels come out as ``ignore_index`` and the loss
    leaves them out. ``photometric``, if given, then changes each batch's images alone
    (a :func:`segen_lib.training_data.photometric_augmentation`: the light, never the layout).
    With either, every batch is transformed when the dataset is made, so the
    ``steps * batch_size`` transformed pairs are held in memory (about 170 MB for 400
    steps of 16 scenes of 32×64 pixels).

    Args:
        images: ``(n, height, width, channels)`` float images in [0, 1].
        masks: ``(n, height, width)`` integer class ids (``ignore_index`` allowed).
        batch_size: pairs per batch (integer >= 1).
        steps: batches in all; ``len(dataset)`` (integer >= 1). Pass ``epochs=1`` to ``fit``.
        seed: seed of the orders (integer >= 0).
        augment: ``None`` or a paired augmentation, applied with ``training=True``.
        photometric: ``None`` or layers for the images alone, applied with ``training=True``.
        ignore_index: the label of filled pixels (default 255, Cityscapes void).

    Raises:
        ValueError: images that are not floats in [0, 1] (uint8 images: the message says
            ``x / 255``), images and masks of different counts or sizes, masks that are
            not integer ``(n, height, width)``, masks that hold only ``ignore_index``, or
            a bad ``batch_size``, ``steps`` or ``seed``.

    Example:
        >>> images, masks = np.zeros((5, 4, 6, 3), "float32"), np.zeros((5, 4, 6), "uint8")
        >>> pairs = TrainingPairs(images, masks, batch_size=4, steps=3)
        >>> len(pairs), pairs[2][0].shape, pairs[2][1].shape
        (3, (4, 4, 6, 3), (4, 4, 6))
    """

    def __init__(self, images, masks, batch_size: int = 16, steps: int = 100, seed: int = 0,
                 augment=None, photometric=None, ignore_index: int = IGNORE_LABEL):
        super().__init__()
        self.images = checks.float_images(images, "images", scale="[0, 1]").astype(keras.config.floatx())
        self.masks = _masks(masks, "masks", self.images, "images")
        self.batch_size = checks.positive_int(batch_size, "batch_size")
        self.steps = checks.positive_int(steps, "steps")
        seed = checks.integer(seed, "seed", minimum=0)
        self.ignore_index = checks.integer(ignore_index, "ignore_index", minimum=0, maximum=255)
        if (self.masks == self.ignore_index).all():
            raise ValueError(f"masks hold only the ignore label {self.ignore_index}: the loss would see no "
                             "pixel. Binary masks stored as 0/255 become 0/1 with masks // 255; "
                             "otherwise check how the masks were made.")
        self.augment, self.photometric = augment, photometric
        needed = self.steps * self.batch_size
        passes = -(-needed // len(self.images))
        self.order = np.concatenate([np.random.default_rng([seed, p]).permutation(len(self.images))
                                     for p in range(passes)])[:needed]
        self._augmented = None if augment is None and photometric is None else self._transform_all()

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        if not 0 <= index < self.steps:
            raise IndexError(f"batch {index} of {self.steps}")
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self._augmented is not None:
            return self._augmented[0][rows], self._augmented[1][rows]
        return self.images[self.order[rows]], self.masks[self.order[rows]]

    def _transform_all(self, chunk: int = 256):
        # Every batch is transformed here, up front, in chunks of `chunk` images: Keras's
        # image layers cost far more called from fit's data thread (on TensorFlow, inside
        # tf.data) and per batch than called here on many images at once. Each image still
        # gets its own draw.
        images = np.empty((len(self.order),) + self.images.shape[1:], self.images.dtype)
        masks = np.empty((len(self.order),) + self.masks.shape[1:], self.masks.dtype)
        for start in range(0, len(self.order), chunk):
            rows = self.order[start:start + chunk]
            images[start:start + chunk], masks[start:start + chunk] = self._transform(self.images[rows],
                                                                                     self.masks[rows])
        return images, masks

    def _transform(self, images, masks):
        if self.augment is not None:
            shifted = masks.astype("int32") + 1           # 0 is what a transform fills with
            pair = self.augment({"images": images, "segmentation_masks": shifted[..., None]}, training=True)
            images = keras.ops.convert_to_numpy(pair["images"])
            filled = np.rint(keras.ops.convert_to_numpy(pair["segmentation_masks"])[..., 0]).astype("int32")
            masks = np.where(filled == 0, self.ignore_index, filled - 1).astype(masks.dtype)
        if self.photometric is not None:
            images = keras.ops.convert_to_numpy(self.photometric(images, training=True))
        return images, masks


def _masks(masks, name: str, images: np.ndarray, images_name: str) -> np.ndarray:
    array = np.asarray(masks)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integer class ids, received dtype {array.dtype}: "
                         "take argmax(axis=-1) of class scores, or astype('uint8') whole-valued masks.")
    if images.ndim != 4 or array.shape != images.shape[:3]:
        raise ValueError(f"{images_name} must be (n, height, width, channels) and {name} "
                         f"(n, height, width) with the same n, height and width, received "
                         f"{images.shape} and {array.shape}.")
    if not len(array):
        raise ValueError(f"{name} is empty: at least one pair is needed.")
    return array


def pseudo_labels(probabilities, threshold: float | Sequence[float] = 0.9,
                  ignore_index: int = IGNORE_LABEL) -> np.ndarray:
    """Masks from a model's class probabilities that keep only the confident pixels.

    The self-training step (pseudo-labels: Lee, 2013; noisy student: Xie et al., 2020):
    a model trained on the labelled few predicts the unlabelled images; each pixel takes
    its most probable class if that probability is at least ``threshold`` (per class,
    if a sequence), and ``ignore_index`` otherwise, so that retraining on these masks
    learns only from what the model was sure of.

    Args:
        probabilities: ``(n, height, width, num_classes)`` softmax outputs, each pixel's
            values in [0, 1] summing to 1 (to within 1e-3), ``2 <= num_classes <= 255``.
        threshold: the least probability kept, in [0, 1]; or ``num_classes`` values, one
            per class (e.g. lower for rare classes).
        ignore_index: the label of the pixels left out (not a class: ``>= num_classes``).

    Returns:
        ``(n, height, width)`` uint8 masks of class ids and ``ignore_index``.

    Raises:
        ValueError: not four axes, fewer than 2 classes, values outside [0, 1] or pixels
            that do not sum to 1 (the message tells logits, channels-first and sigmoid
            outputs apart, with each one's fix), a threshold outside
            [0, 1] or of the wrong length, or an ``ignore_index`` that is a class.

    Example:
        >>> p = np.array([[[[0.95, 0.05], [0.6, 0.4]]]])       # one image, 1×2 pixels
        >>> pseudo_labels(p, threshold=0.9).tolist()
        [[[0, 255]]]
    """
    array = checks.finite(probabilities, "probabilities")
    channels_first = array.ndim == 4 and array.size and array.shape[1] <= 255 \
        and checks.is_distribution(array, 1)
    if array.ndim != 4 or not (2 <= array.shape[-1] <= 255 or channels_first):
        raise ValueError("probabilities must be (n, height, width, num_classes) with 2 to 255 "
                         f"classes, received shape {array.shape}: for one sigmoid channel, stack "
                         "[1 - p, p] on the last axis.")
    array = checks.class_probabilities(array, "probabilities")
    num_classes = array.shape[-1]
    ignore_index = checks.integer(ignore_index, "ignore_index", minimum=num_classes, maximum=255)
    thresholds = np.asarray(threshold, np.float64)
    if thresholds.ndim == 0:
        thresholds = np.full(num_classes, thresholds)
    if thresholds.shape != (num_classes,) or not np.isfinite(thresholds).all() \
            or thresholds.min() < 0 or thresholds.max() > 1:
        raise ValueError(f"threshold must be one number in [0, 1] or {num_classes} of them (one per "
                         f"class), received {np.asarray(threshold).tolist()}.")
    labels = array.argmax(-1)
    confident = array.max(-1) >= thresholds[labels]
    return np.where(confident, labels, ignore_index).astype(np.uint8)


def mix_pairs(real_images, real_masks, generated_images, generated_masks, ratio: float,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Real pairs plus ``ratio`` times as many generated pairs, shuffled together.

    A generated pair is a label map (cheap: drawn by a layout sampler or an editor) with
    the image a generator drew for it (chapter 08's pix2pix). ``ratio`` is the number of
    generated pairs per real pair: 0 gives the real pairs alone, 3 gives three generated
    for every real one. The generated pairs are a random subset of those given.

    Args:
        real_images: ``(n, height, width, channels)`` floats in [0, 1].
        real_masks: ``(n, height, width)`` integer class ids.
        generated_images: ``(m, height, width, channels)`` floats in [0, 1] (a pix2pix
            generator draws in [-1, 1]: pass ``(x + 1) / 2``).
        generated_masks: ``(m, height, width)`` integer class ids.
        ratio: generated pairs per real pair (>= 0); needs ``round(ratio * n) <= m``.
        seed: seed of the subset and of the order (integer >= 0).

    Returns:
        ``(images, masks, is_generated)``: the ``n + round(ratio * n)`` pairs in a random
        order, and a boolean array that marks the generated ones.

    Raises:
        ValueError: images not floats in [0, 1] (the message names ``(x + 1) / 2`` for
            images in [-1, 1]), masks not integer ``(count, height, width)`` matching
            their images, real and generated pairs of different sizes, a negative ratio,
            or fewer generated pairs than the ratio needs.

    Example:
        >>> real = np.zeros((4, 2, 2, 3), "float32"), np.zeros((4, 2, 2), "uint8")
        >>> fake = np.ones((10, 2, 2, 3), "float32"), np.ones((10, 2, 2), "uint8")
        >>> images, masks, is_generated = mix_pairs(*real, *fake, ratio=2)
        >>> len(images), int(is_generated.sum())
        (12, 8)
    """
    arrays = {}
    for images, masks, kind in ((real_images, real_masks, "real"), (generated_images, generated_masks, "generated")):
        array = np.asarray(images)
        if array.dtype.kind == "f" and array.size and np.isfinite(array).all() and array.min() < 0:
            raise ValueError(f"{kind}_images must be in [0, 1], received values in "
                             f"[{array.min():.3g}, {array.max():.3g}]: images drawn by a tanh "
                             "generator (pix2pix) are in [-1, 1]; pass (x + 1) / 2.")
        array = checks.float_images(array, f"{kind}_images", scale="[0, 1]")
        arrays[kind] = array, _masks(masks, f"{kind}_masks", array, f"{kind}_images")
    (real, real_y), (fake, fake_y) = arrays["real"], arrays["generated"]
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(f"real and generated images must have the same size, received "
                         f"{real.shape[1:]} and {fake.shape[1:]}.")
    ratio = checks.number(ratio, "ratio", minimum=0)
    seed = checks.integer(seed, "seed", minimum=0)
    wanted = int(np.floor(ratio * len(real) + 0.5))
    if wanted > len(fake):
        raise ValueError(f"ratio {ratio} needs {wanted} generated pairs for {len(real)} real ones, "
                         f"received {len(fake)}: generate more, or lower the ratio to at most "
                         f"{len(fake) / len(real):.3g}.")
    rng = np.random.default_rng(seed)
    taken = rng.permutation(len(fake))[:wanted]
    order = rng.permutation(len(real) + wanted)
    images = np.concatenate([real, fake[taken].astype(real.dtype)])[order]
    masks = np.concatenate([real_y, fake_y[taken].astype(real_y.dtype)])[order]
    return images, masks, (order >= len(real))
