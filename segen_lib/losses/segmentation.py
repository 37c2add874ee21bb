r"""Segmentation losses that Keras does not already have (introduced in ``notebooks/02_unet_segmentation.ipynb``).

Keras 3 already has ``keras.losses.Dice``, ``keras.losses.BinaryFocalCrossentropy`` and
``CategoricalFocalCrossentropy``: the course uses those. This module adds the sum of
cross-entropy and soft Dice that chapter 02 compares with them.
"""

from __future__ import annotations

import keras
from keras import ops

from segen_lib import checks
from segen_lib.label_spaces import IGNORE_LABEL

__all__ = ["DiceCrossentropy"]


@keras.saving.register_keras_serializable(package="segen")
class DiceCrossentropy(keras.losses.Loss):
    r"""Cross-entropy plus soft Dice loss, for imbalanced segmentation masks.

    .. math::
        L = \mathrm{CE}(y, \hat y) + w \cdot \frac{1}{K}\sum_{c=1}^{K}
            \Bigl(1 - \frac{2\sum_i y_{ic}\hat y_{ic}}{\sum_i y_{ic} + \sum_i \hat y_{ic}}\Bigr)

    where :math:`i` runs over every pixel of the batch. Cross-entropy gives smooth
    per-pixel gradients; the Dice term weighs every class equally however few pixels
    it covers, so a class of 0.5 % of the pixels counts as much as the background.
    The Dice term is ``keras.losses.dice`` computed per class over the whole batch, and
    the mean runs over the :math:`K` classes **present in the batch's masks**: a class
    absent from the truth has no overlap to score (it would count as a full miss
    however well it is predicted, and the loss would jump with the classes each batch
    holds), as :mod:`segen_lib.metrics` leaves such classes out of the mean IoU. False
    positives of an absent class are still paid for by the cross-entropy.

    Pixels labelled ``ignore_index`` (255: Cityscapes void, Pascal VOC borders) are left
    out of both terms: the cross-entropy is the mean over the other pixels, and the Dice
    sums skip them, so whatever the model predicts there changes neither the loss nor its
    gradients. This applies to integer labels of ``num_classes > 1`` only; binary masks
    (``num_classes=1``) and one-hot masks have no ignore label. For plain cross-entropy,
    Keras's own way is ``keras.losses.SparseCategoricalCrossentropy(ignore_class=255)``.

    Args:
        num_classes: 1 for binary masks (one sigmoid channel, labels in {0, 1}),
            else the number of classes (softmax outputs, integer labels). With the
            default ``ignore_index=255``, at most 255 classes.
        dice_weight: weight :math:`w` of the Dice term.
        from_logits: whether predictions are logits.
        ignore_index: the label of pixels left out (outside ``0..num_classes-1``);
            ``None``: every pixel counts.

    Masks may be integer labels ``(batch, h, w)`` or ``(batch, h, w, 1)``, or one-hot
    ``(batch, h, w, num_classes)``; predictions are ``(batch, h, w, max(num_classes, 1))``.

    Raises:
        ValueError: predictions with another number of channels, or masks of another
            shape (when the step is traced, so on the first step of ``fit``); called
            eagerly, masks whose values do not fit ``num_classes``
            (:func:`segen_lib.checks.label_masks`: labels out of range, 0/255 binary
            masks). Inside ``fit``, :class:`segen_lib.models.UNet` checks the masks first.
            At construction: an ``ignore_index`` that is one of the classes.

    Example:
        >>> import numpy as np
        >>> loss = DiceCrossentropy(num_classes=3)
        >>> masks = np.array([[[0, 1], [2, 2]]])                 # (batch, height, width) labels
        >>> perfect = np.eye(3, dtype="float32")[masks]          # (batch, height, width, 3)
        >>> round(float(loss(masks, perfect)), 4)
        0.0
        >>> masks[0, 0, 0] = 255                                 # an ignored pixel
        >>> round(float(loss(masks, perfect)), 4)                # what is predicted there is not counted
        0.0
        >>> # model.compile(optimizer="adam", loss=DiceCrossentropy(num_classes=11))
    """

    def __init__(self, num_classes: int, dice_weight: float = 1.0, from_logits: bool = False,
                 ignore_index: int | None = IGNORE_LABEL, name: str = "dice_crossentropy", **kwargs):
        num_classes = checks.positive_int(num_classes, "num_classes")
        dice_weight = checks.number(dice_weight, "dice_weight", minimum=0.0)
        if ignore_index is not None:
            ignore_index = checks.integer(ignore_index, "ignore_index")
            if 0 <= ignore_index < num_classes:
                raise ValueError(f"ignore_index must be a label outside the classes "
                                 f"0..{num_classes - 1}, received {ignore_index} "
                                 f"(num_classes={num_classes}): pass ignore_index=None if every "
                                 "label is a class.")
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.dice_weight = dice_weight
        self.from_logits = bool(from_logits)
        self.ignore_index = ignore_index

    def call(self, y_true, y_pred):
        y_true = self._checked_targets(y_true, y_pred)
        if self.num_classes == 1:
            y_true = ops.reshape(ops.cast(y_true, y_pred.dtype), ops.shape(y_pred))
            cross_entropy = keras.losses.binary_crossentropy(y_true, y_pred, from_logits=self.from_logits)
            probabilities = ops.sigmoid(y_pred) if self.from_logits else y_pred
            one_hot = ops.concatenate([1 - y_true, y_true], axis=-1)
            probabilities = ops.concatenate([1 - probabilities, probabilities], axis=-1)
        elif len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == self.num_classes:
            one_hot = ops.cast(y_true, y_pred.dtype)  # one-hot targets
            cross_entropy = keras.losses.categorical_crossentropy(
                one_hot, y_pred, from_logits=self.from_logits)
            probabilities = ops.softmax(y_pred, axis=-1) if self.from_logits else y_pred
        else:
            labels = ops.cast(y_true, "int32")
            if len(labels.shape) == len(y_pred.shape):  # (batch, h, w, 1) labels
                labels = ops.squeeze(labels, axis=-1)
            probabilities = ops.softmax(y_pred, axis=-1) if self.from_logits else y_pred
            if self.ignore_index is not None:
                # Ignored pixels get label 0 (one_hot and the cross-entropy need a class),
                # then weight 0: they count in neither term.
                valid = ops.not_equal(labels, self.ignore_index)
                labels = ops.where(valid, labels, ops.zeros_like(labels))
                weights = ops.cast(valid, y_pred.dtype)
                probabilities = probabilities * ops.expand_dims(weights, -1)
            cross_entropy = keras.losses.sparse_categorical_crossentropy(
                labels, y_pred, from_logits=self.from_logits)
            one_hot = ops.one_hot(labels, self.num_classes, dtype=y_pred.dtype)
            if self.ignore_index is not None:
                one_hot = one_hot * ops.expand_dims(weights, -1)
                cross_entropy = ops.where(valid, cross_entropy, ops.zeros_like(cross_entropy))
                # The mean over the pixels that count (0 when a batch is all ignored).
                cross_entropy = ops.sum(cross_entropy) / ops.maximum(ops.sum(weights), 1.0)
        # Dice per class over the whole batch, averaged over the classes present in the truth.
        pixel_axes = tuple(range(len(probabilities.shape) - 1))
        dice = keras.losses.dice(one_hot, probabilities, axis=pixel_axes)
        present = ops.cast(ops.sum(one_hot, axis=pixel_axes) > 0, dice.dtype)
        dice = ops.sum(dice * present) / ops.maximum(ops.sum(present), 1.0)
        loss = ops.mean(cross_entropy) + self.dice_weight * dice
        # One value per image (the batch's loss, repeated), so that Keras's reduction
        # applies: a scalar would skip its division by the number of replicas under
        # tf.distribute, and every replica's gradient would count in full (chapter 11).
        return ops.broadcast_to(loss, ops.shape(y_pred)[:1])

    def _checked_targets(self, y_true, y_pred):
        """Check shapes always (they are known when a step is traced), values when concrete."""
        channels = 1 if self.num_classes == 1 else self.num_classes
        if y_pred.shape[-1] is not None and y_pred.shape[-1] != channels:
            raise ValueError(f"DiceCrossentropy(num_classes={self.num_classes}) expects predictions "
                             f"with {channels} channel(s), received shape {tuple(y_pred.shape)}: "
                             "build the model and the loss with the same num_classes.")
        rank, pred_rank = len(y_true.shape), len(y_pred.shape)
        if rank not in (pred_rank - 1, pred_rank) or (
                rank == pred_rank and y_true.shape[-1] not in (None, 1, channels)):
            raise ValueError(f"DiceCrossentropy(num_classes={self.num_classes}) expects masks of "
                             f"labels (batch, h, w) or (batch, h, w, 1)"
                             + (f" or one-hot (batch, h, w, {channels})" if channels > 1 else "")
                             + f", received shape {tuple(y_true.shape)} for predictions "
                               f"{tuple(y_pred.shape)}.")
        values = checks.concrete(y_true)
        if values is not None and values.ndim in (3, 4):  # an eager call on masks: read them
            checks.label_masks(values, "y_true", self.num_classes, self.ignore_index)
        return y_true

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "dice_weight": self.dice_weight, "from_logits": self.from_logits,
                "ignore_index": self.ignore_index}
