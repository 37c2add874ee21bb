r"""Consistency training with confident pseudo-labels (FixMatch) for a segmenter.

Introduced in ``notebooks/09_scarce_labels.ipynb`` (section 6), which writes the loss and
one training step in the notebook and checks them against this module. FixMatch (Sohn
et al., 2020, "FixMatch: Simplifying Semi-Supervised Learning with Consistency and
Confidence") trains on a labelled and an unlabelled batch at once:

- a **weakly** augmented view of each unlabelled image (here a horizontal flip) is
  predicted; where the most probable class has probability at least ``threshold``, that
  class is the pixel's pseudo-label;
- a **strongly** augmented view of the *same flipped image* (brightness, contrast,
  noise, a cut-out box: colours only, so the pixel grid is shared with the weak view)
  must predict that pseudo-label;
- loss = supervised loss on the labelled batch + ``unlabelled_weight`` times the masked
  per-pixel cross-entropy on the unlabelled batch.

:class:`UnlabelledBatches` makes the batches (labelled, weak, strong, stacked on the batch
axis); :class:`FixMatch` wraps a segmenter and computes the loss in ``compute_loss``, so
that Keras's own ``train_step`` trains it on the TensorFlow and the JAX backend alike.
"""

from __future__ import annotations

import keras
import numpy as np

from segen_lib import checks
from segen_lib.label_spaces import IGNORE_LABEL

__all__ = ["confident_consistency", "strong_view", "UnlabelledBatches", "FixMatch"]


def confident_consistency(weak_probabilities, strong_probabilities, threshold: float = 0.95):
    r"""FixMatch's unlabelled loss: cross-entropy of the strong view on the weak view's confident labels.

    .. math::

        \ell_u = \frac{1}{N}\sum_{i=1}^{N} \mathbb{1}\left[\max_c q_{i,c} \ge \tau\right]
                 \left(-\log p_{i,\hat y_i}\right), \qquad \hat y_i = \arg\max_c q_{i,c}

    over all ``N`` pixels of the unlabelled batch (kept or not: a pixel that is not
    confident adds 0 and still counts in ``N``, as in Sohn et al., 2020), where ``q`` is
    the weak view's prediction (no gradient flows through it) and ``p`` the strong view's.

    Args:
        weak_probabilities: ``(n, height, width, num_classes)`` softmax outputs on the
            weakly augmented images, values in [0, 1].
        strong_probabilities: the same shape, on the strongly augmented images.
        threshold: ``tau``, the least probability a pseudo-label needs, in [0, 1].

    Returns:
        ``(loss, kept)``: the scalar loss, and the share of pixels kept (in [0, 1]),
        both backend tensors.

    Raises:
        ValueError: a threshold outside [0, 1], or the two predictions of different
            static shapes.

    Source: Sohn et al., 2020 (FixMatch), per pixel for segmentation; chapter 09.

    Example:
        >>> weak = np.array([[[[0.97, 0.03], [0.6, 0.4]]]], "float32")     # one image, 1×2 pixels
        >>> strong = np.array([[[[0.5, 0.5], [0.1, 0.9]]]], "float32")
        >>> loss, kept = confident_consistency(weak, strong, threshold=0.95)
        >>> round(float(loss), 4), float(kept)      # -log(0.5) / 2: the second pixel is not kept
        (0.3466, 0.5)
    """
    threshold = checks.number(threshold, "threshold", minimum=0, maximum=1)
    if tuple(weak_probabilities.shape) != tuple(strong_probabilities.shape):
        raise ValueError(f"weak_probabilities and strong_probabilities must have the same shape, "
                         f"received {tuple(weak_probabilities.shape)} and {tuple(strong_probabilities.shape)}.")
    weak = keras.ops.stop_gradient(keras.ops.convert_to_tensor(weak_probabilities))
    strong = keras.ops.convert_to_tensor(strong_probabilities)
    pseudo = keras.ops.argmax(weak, axis=-1)
    kept = keras.ops.cast(keras.ops.max(weak, axis=-1) >= threshold, strong.dtype)
    picked = keras.ops.take_along_axis(strong, keras.ops.expand_dims(pseudo, -1), axis=-1)[..., 0]
    cross_entropy = -keras.ops.log(keras.ops.clip(picked, 1e-7, 1.0))
    return keras.ops.mean(kept * cross_entropy), keras.ops.mean(kept)


def strong_view(images: np.ndarray, rng: np.random.Generator, brightness: float = 0.3,
                contrast: float = 0.5, noise: float = 0.08, cutout: float = 0.5) -> np.ndarray:
    """The strong augmentation of FixMatch, colours only: the pixel grid is left where it is.

    Each image gets its own brightness shift (uniform in ``±brightness``), contrast
    factor (uniform in ``1 ± contrast``, around the image's mean), Gaussian noise of
    standard deviation ``noise`` and one grey (0.5) box of up to ``cutout`` of the
    height and width (DeVries and Taylor, 2017), clipped to [0, 1].

    Args:
        images: ``(n, height, width, channels)`` floats in [0, 1].
        rng: the NumPy generator the draws come from.
        brightness, contrast, noise, cutout: strengths, each >= 0 (``cutout`` <= 1).

    Returns:
        ``(n, height, width, channels)`` float32 images in [0, 1].

    Raises:
        ValueError: images that are not floats in [0, 1], or a negative strength.

    Example:
        >>> out = strong_view(np.full((2, 4, 6, 3), 0.5, "float32"), np.random.default_rng(0))
        >>> out.shape, bool(out.min() >= 0 and out.max() <= 1)
        ((2, 4, 6, 3), True)
    """
    images = checks.float_images(images, "images", scale="[0, 1]").astype("float32")
    for value, name in ((brightness, "brightness"), (contrast, "contrast"), (noise, "noise")):
        checks.number(value, name, minimum=0)
    cutout = checks.number(cutout, "cutout", minimum=0, maximum=1)
    n, height, width = images.shape[:3]
    mean = images.mean(axis=(1, 2, 3), keepdims=True)
    factor = rng.uniform(1 - contrast, 1 + contrast, (n, 1, 1, 1))
    shift = rng.uniform(-brightness, brightness, (n, 1, 1, 1))
    out = (images - mean) * factor + mean + shift + rng.normal(0, noise, images.shape)
    box_h = (rng.uniform(0, cutout, n) * height).astype(int)
    box_w = (rng.uniform(0, cutout, n) * width).astype(int)
    for i in range(n):
        top, left = rng.integers(0, height - box_h[i] + 1), rng.integers(0, width - box_w[i] + 1)
        out[i, top:top + box_h[i], left:left + box_w[i]] = 0.5
    return np.clip(out, 0, 1).astype("float32")


class UnlabelledBatches(keras.utils.PyDataset):
    """FixMatch's batches: labelled pairs, then weak and strong views of unlabelled images.

    Batch ``i`` stacks on the batch axis ``labelled[i]``'s images (``b`` of them, as the
    labelled dataset gives them, augmented or not), ``u`` unlabelled images flipped at
    random (the weak view) and the same flipped images with :func:`strong_view` on top
    (the strong view). The masks are the labelled masks followed by ``2u`` masks of
    ``ignore_index``, so images and masks have the same length. Unlabelled images are
    taken in whole shuffled passes; the draws depend on ``seed`` and ``i`` only.

    Args:
        labelled: a dataset of ``(images, masks)`` batches, e.g. a ``TrainingPairs``.
        unlabelled_images: ``(m, height, width, channels)`` floats in [0, 1], the same size.
        unlabelled_batch: ``u``, unlabelled images per batch (integer >= 1).
        seed: seed of the order and of the views (integer >= 0).
        ignore_index: the label of the unlabelled rows' masks (default 255).
        **strong: strengths passed to :func:`strong_view`.

    Raises:
        ValueError: unlabelled images that are not floats in [0, 1] or not of the
            labelled images' size, or a bad ``unlabelled_batch`` or ``seed``.

    Example:
        >>> from segen_lib.training_data import TrainingPairs
        >>> pairs = TrainingPairs(np.zeros((3, 4, 6, 3), "float32"), np.zeros((3, 4, 6), "uint8"),
        ...                       batch_size=2, steps=2)
        >>> x, y = UnlabelledBatches(pairs, np.zeros((5, 4, 6, 3), "float32"), unlabelled_batch=3)[1]
        >>> x.shape, y.shape, int((y == 255).all(axis=(1, 2)).sum())
        ((8, 4, 6, 3), (8, 4, 6), 6)
    """

    def __init__(self, labelled, unlabelled_images, unlabelled_batch: int = 16, seed: int = 0,
                 ignore_index: int = IGNORE_LABEL, **strong):
        super().__init__()
        self.labelled = labelled
        self.images = checks.float_images(unlabelled_images, "unlabelled_images", scale="[0, 1]").astype("float32")
        self.unlabelled_batch = checks.positive_int(unlabelled_batch, "unlabelled_batch")
        self.seed = checks.integer(seed, "seed", minimum=0)
        self.ignore_index = checks.integer(ignore_index, "ignore_index", minimum=0, maximum=255)
        self.strong = strong
        first_images, _ = labelled[0]
        if tuple(first_images.shape[1:]) != self.images.shape[1:]:
            raise ValueError(f"unlabelled_images must have the labelled images' size "
                             f"{tuple(first_images.shape[1:])}, received {self.images.shape[1:]}.")
        needed = len(labelled) * self.unlabelled_batch
        passes = -(-needed // len(self.images))
        self.order = np.concatenate([np.random.default_rng([seed, 1, p]).permutation(len(self.images))
                                     for p in range(passes)])[:needed]

    def __len__(self) -> int:
        return len(self.labelled)

    def __getitem__(self, index: int):
        images, masks = self.labelled[index]
        rng = np.random.default_rng([self.seed, 2, index])
        rows = self.order[index * self.unlabelled_batch:(index + 1) * self.unlabelled_batch]
        weak = self.images[rows]
        flip = rng.random(len(rows)) < 0.5
        weak = np.where(flip[:, None, None, None], weak[:, :, ::-1], weak)
        strong = strong_view(weak, rng, **self.strong)
        ignored = np.full((2 * len(rows),) + tuple(masks.shape[1:]), self.ignore_index, masks.dtype)
        return (np.concatenate([images, weak, strong]).astype("float32"),
                np.concatenate([masks, ignored]))


class FixMatch(keras.Model):
    """A segmenter trained with FixMatch: supervised loss + ``unlabelled_weight`` × consistency.

    Call it on :class:`UnlabelledBatches`: each batch holds ``labelled_batch`` labelled
    images, then ``unlabelled_batch`` weak views, then as many strong views. The whole
    batch goes through the segmenter at once (its batch-norm statistics see both, as in
    Sohn et al., 2020); ``compute_loss`` takes the compiled loss on the labelled rows
    and adds ``unlabelled_weight`` times :func:`confident_consistency` of the weak and
    strong rows. Keras's own ``train_step`` does the rest, on TensorFlow or JAX. The
    segmenter's weights are the model's: after ``fit``, use the segmenter.

    Args:
        segmenter: a model from images to ``(batch, height, width, num_classes)`` softmax
            probabilities (e.g. ``build_unet``).
        labelled_batch: labelled images per batch (integer >= 1).
        unlabelled_batch: unlabelled images per batch (integer >= 1).
        threshold: ``tau`` in [0, 1] (Sohn et al. use 0.95).
        unlabelled_weight: ``lambda_u`` >= 0 (Sohn et al. use 1).

    Raises:
        ValueError: a bad batch size, threshold or weight; at training, a batch whose
            length is not ``labelled_batch + 2 * unlabelled_batch``.

    Logs ``loss`` (the total), ``unlabelled_loss`` and ``kept`` (share of unlabelled
    pixels whose pseudo-label passed the threshold).

    Example:
        >>> from segen_lib.models import build_unet
        >>> model = FixMatch(build_unet((8, 8, 3), num_classes=3, filters=(4, 8)), 2, 1)
        >>> model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=255))
        >>> x, y = np.zeros((4, 8, 8, 3), "float32"), np.full((4, 8, 8), 255, "uint8")
        >>> y[:2] = 1
        >>> sorted(model.train_on_batch(x, y, return_dict=True))
        ['kept', 'loss', 'unlabelled_loss']
    """

    def __init__(self, segmenter: keras.Model, labelled_batch: int, unlabelled_batch: int,
                 threshold: float = 0.95, unlabelled_weight: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.segmenter = segmenter
        self.labelled_batch = checks.positive_int(labelled_batch, "labelled_batch")
        self.unlabelled_batch = checks.positive_int(unlabelled_batch, "unlabelled_batch")
        self.threshold = checks.number(threshold, "threshold", minimum=0, maximum=1)
        self.unlabelled_weight = checks.number(unlabelled_weight, "unlabelled_weight", minimum=0)
        self.unlabelled_tracker = keras.metrics.Mean(name="unlabelled_loss")
        self.kept_tracker = keras.metrics.Mean(name="kept")

    def call(self, images, training=False):
        return self.segmenter(images, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        b, u = self.labelled_batch, self.unlabelled_batch
        if y_pred.shape[0] is not None and y_pred.shape[0] != b + 2 * u:
            raise ValueError(f"FixMatch batches hold {b} labelled + 2 × {u} unlabelled images = "
                             f"{b + 2 * u}, received {y_pred.shape[0]}: make them with UnlabelledBatches.")
        supervised = super().compute_loss(x=None if x is None else x[:b], y=y[:b], y_pred=y_pred[:b],
                                          training=training)
        unlabelled, kept = confident_consistency(y_pred[b:b + u], y_pred[b + u:], self.threshold)
        self.unlabelled_tracker.update_state(unlabelled)
        self.kept_tracker.update_state(kept)
        return supervised + self.unlabelled_weight * unlabelled
