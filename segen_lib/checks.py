"""Argument checks shared by the whole package: one place, one message style.

Every public function of ``segen_lib`` checks its arguments at the boundary, before
any work, with these helpers. A mistake raises a ``ValueError`` that names the
argument, says what is expected and what was received, in one style::

    latent_dim must be an integer >= 1, received 0.

Integers may be Python or NumPy integers (``np.int64(11)`` is as good as ``11``);
booleans and floats are refused, even when they hold a whole number.

Arrays of data get the same treatment: :func:`float_images` checks the scale of images
(``[-1, 1]`` for GANs, ``[0, 1]`` elsewhere), :func:`class_labels` and :func:`label_masks`
check class indices against ``num_classes``. Each reads the values, so each runs on
concrete arrays (NumPy, or a backend's eager tensor: :func:`concrete`), at the
boundary: before any training step, where a compiled step could not raise.

Example:
    >>> positive_int(np.int64(3), "batch_size")
    3
    >>> nearest_multiples(30, 4)
    (28, 32)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["keyword_options", "not_binary_0_255", "integer", "positive_int", "integers", "number", "one_of", "nearest_multiples",
           "divisible_size", "image_shape", "concrete", "float_images", "class_labels",
           "label_masks", "finite", "looks_one_hot", "is_distribution", "class_probabilities", "not_probabilities"]


def keyword_options(extra: tuple, call: str, options: str, hint: str = "") -> None:
    """Refuse options passed by position, so that an old positional call cannot mean something else.

    A model's options after its networks are keyword-only; a class takes them as
    ``*extra`` and calls this first. ``GAN(generator, discriminator, 8)``, the call of
    examples that passed a latent size, would otherwise set another option.

    Raises:
        ValueError: ``extra`` is not empty; the message names the options and adds ``hint``.

    Example:
        >>> keyword_options((), "GAN(generator, discriminator, ...)", "d_steps=, seed=")
    """
    if extra:
        raise ValueError(f"{call} takes its options by keyword ({options}); received "
                         f"{len(extra)} more positional argument{'s' if len(extra) > 1 else ''} "
                         f"{', '.join(repr(value) for value in extra)}.{(' ' + hint) if hint else ''}")


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python ``int``, if it is an integer in ``[minimum, maximum]``.

    Raises:
        ValueError: ``value`` is not an integer (bool and float included) or is out of range.
    """
    bounds = " and ".join(part for part in (
        f">= {minimum}" if minimum is not None else "",
        f"<= {maximum}" if maximum is not None else "") if part)
    expected = f"an integer {bounds}".rstrip()
    if not _is_integer(value):
        raise ValueError(f"{name} must be {expected}, received {value!r} "
                         f"(of type {type(value).__name__}).")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, received {value!r}.")
    return int(value)


def positive_int(value, name: str) -> int:
    """``value`` as a Python ``int``, if it is an integer >= 1 (see :func:`integer`)."""
    return integer(value, name, minimum=1)


def integers(values, name: str, minimum: int = 1) -> tuple[int, ...]:
    """A non-empty sequence of integers >= ``minimum``, as a tuple of Python ints.

    Raises:
        ValueError: not a sequence, empty, or an element that is not such an integer.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)) \
            or len(values) == 0 or not all(_is_integer(v) and v >= minimum for v in values):
        raise ValueError(f"{name} must be a non-empty sequence of integers >= {minimum}, "
                         f"received {values!r}.")
    return tuple(int(v) for v in values)


def number(value, name: str, minimum: float | None = None, maximum: float | None = None,
           include_maximum: bool = True, include_minimum: bool = True) -> float:
    """``value`` as a finite Python ``float`` in ``[minimum, maximum]``.

    ``include_maximum=False`` excludes the maximum (``[minimum, maximum)``), and
    ``include_minimum=False`` the minimum (``(0, inf]`` for a standard deviation).

    Raises:
        ValueError: not a real number, not finite, or out of range.
    """
    low = "[" if include_minimum else "("
    high = "]" if include_maximum else ")"
    expected = ("a finite number" if minimum is None and maximum is None else
                f"a number in {low}{'-inf' if minimum is None else minimum}, "
                f"{'inf' if maximum is None else maximum}{high}")
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(value)):
        raise ValueError(f"{name} must be {expected}, received {value!r}.")
    if ((minimum is not None and value < minimum) or (maximum is not None and value > maximum)
            or (maximum is not None and not include_maximum and value == maximum)
            or (minimum is not None and not include_minimum and value == minimum)):
        raise ValueError(f"{name} must be {expected}, received {value!r}.")
    return float(value)


def one_of(value, name: str, choices: Sequence):
    """``value``, if it is one of ``choices``.

    Raises:
        ValueError: naming the choices.
    """
    if not any(value is choice or (type(value) is type(choice) and value == choice)
               for choice in choices):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                         f"received {value!r}.")
    return value


def nearest_multiples(size: int, factor: int) -> tuple[int, ...]:
    """The multiples of ``factor`` nearest to ``size``: the one below (if positive) and the one above.

    For a size that is already a multiple, its two neighbouring multiples.
    """
    below = (size - 1) // factor * factor
    above = (size // factor + 1) * factor
    return tuple(s for s in (below, above) if s > 0)


def divisible_size(size: int, factor: int, name: str, why: str) -> int:
    """``size``, if ``factor`` divides it; else a ``ValueError`` naming the nearest valid sizes.

    Args:
        size: a height or width in pixels.
        factor: what must divide it (``2 ** stages``).
        name: the argument, as the learner wrote it (``"height"``, ``"image_shape"``).
        why: the reason, in a few words ("after 3 poolings the skip features would not
            match the upsampled ones").
    """
    if size % factor:
        nearest = " or ".join(map(str, nearest_multiples(size, factor)))
        raise ValueError(f"{name} {size} is not divisible by {factor}: {why}. "
                         f"Nearest valid sizes: {nearest} (or resize or pad the images).")
    return size


def image_shape(value, name: str = "image_shape", allow_none: bool = False) -> tuple:
    """``(height, width, channels)`` of integers >= 1, as a tuple of Python ints.

    Args:
        value: the shape to check.
        name: the argument's name, for the message.
        allow_none: accept ``None`` for height and width (a model for any size).

    Raises:
        ValueError: wrong length or an entry that is not a positive integer.
    """
    shape = tuple(value) if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str) \
        else None
    ok = shape is not None and len(shape) == 3 and _is_integer(shape[2]) and shape[2] >= 1 and all(
        (allow_none and size is None) or (_is_integer(size) and size >= 1) for size in shape[:2])
    if not ok:
        sizes = "positive integers" + (" (None for any height or width)" if allow_none else "")
        raise ValueError(f"{name} must be (height, width, channels) of {sizes}, received {value!r}.")
    return tuple(None if size is None else int(size) for size in shape)


# Arrays of data ------------------------------------------------------------------------

# How to bring uint8 0..255 images, or floats in [0, 1], to each scale.
_FROM_BYTES = {"[-1, 1]": "x / 127.5 - 1", "[0, 1]": "x / 255"}
SCALE_TOLERANCE = 0.01  # resampling may overshoot a bound by a little


def concrete(value) -> np.ndarray | None:
    """``value`` as a NumPy array if its values exist now; ``None`` inside a traced step.

    NumPy arrays, Python sequences and eager tensors (TensorFlow outside ``tf.function``,
    JAX outside ``jit``) are concrete; symbolic tensors and JAX tracers are not. Value
    checks run on concrete inputs only: inside a compiled step there is nothing to read.
    """
    if isinstance(value, (np.ndarray, np.generic, list, tuple, int, float)):
        return np.asarray(value)
    module = type(value).__module__
    if module.startswith("tensorflow"):
        import tensorflow as tf

        return None if tf.is_symbolic_tensor(value) else value.numpy()
    if module.startswith("jax"):
        import jax

        return None if isinstance(value, jax.core.Tracer) else np.asarray(value)
    if module.startswith("torch"):
        return value.detach().cpu().numpy()
    return None


def _numeric(array: np.ndarray, name: str, what: str) -> None:
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers ({what}), received dtype {array.dtype}.")


def finite(values, name: str) -> np.ndarray:
    """``values`` as an array, if every value is a finite number.

    Raises:
        ValueError: naming how many values are NaN or infinite.
    """
    array = np.asarray(values)
    _numeric(array, name, "finite values")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        nan, inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
        raise ValueError(f"{name} holds {nan} NaN and {inf} infinite value(s) of {array.size}: "
                         "find where they come from (a division by zero, a failed load) and "
                         "remove or fix them first.")
    return array


def float_images(values, name: str, scale: str = "[-1, 1]", rank: int | None = 4,
                 shape: tuple | None = None) -> np.ndarray:
    """Floating-point images in ``scale``, checked; returned as they came (no copy).

    Args:
        values: the images, e.g. ``(batch, height, width, channels)``.
        name: the argument's name, for the message.
        scale: ``"[-1, 1]"`` (what a ``tanh`` generator makes: chapters 03-04) or
            ``"[0, 1]"``.
        rank: the number of axes required (None: any).
        shape: the required shape after the first axis (None: any).

    Returns:
        The images as a NumPy array.

    Raises:
        ValueError: wrong rank or shape; not floats (uint8 0..255 images: the message
            says ``x / 127.5 - 1`` or ``x / 255``); NaN or infinite values; values
            outside ``scale`` (by more than 0.01); or, for ``"[-1, 1]"``, no negative
            value at all: real images scaled to [-1, 1] always have some (a dark
            pixel is -1), so such a batch is almost surely in [0, 1] (``x * 2 - 1``).
    """
    one_of(scale, "scale", tuple(_FROM_BYTES))
    array = np.asarray(values)
    if rank is not None and array.ndim != rank:
        raise ValueError(f"{name} must have {rank} axes (batch, height, width, channels), "
                         f"received shape {array.shape}.")
    if shape is not None and tuple(array.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must have shape (n, {', '.join(map(str, shape))}), "
                         f"received {array.shape}.")
    _numeric(array, name, f"floats in {scale}")
    if array.dtype.kind != "f":
        low, high = (array.min(), array.max()) if array.size else (0, 0)
        raise ValueError(f"{name} must be floats in {scale}, received {array.dtype} values in "
                         f"{low}..{high}: for uint8 images in 0..255 use {_FROM_BYTES[scale]}.")
    finite(array, name)
    if not array.size:
        raise ValueError(f"{name} is empty (shape {array.shape}).")
    low, high = float(array.min()), float(array.max())
    bottom = -1.0 if scale == "[-1, 1]" else 0.0
    received = f"received values in [{low:.3g}, {high:.3g}]"
    if high > 1 + SCALE_TOLERANCE:
        hint = (f"images in 0..255 become {scale} with {_FROM_BYTES[scale]}" if high <= 255.5
                else "rescale them first")
        raise ValueError(f"{name} must be in {scale}, {received}: {hint}.")
    if low < bottom - SCALE_TOLERANCE:
        raise ValueError(f"{name} must be in {scale}, {received}: rescale them first.")
    if scale == "[-1, 1]" and low >= 0:
        raise ValueError(f"{name} must be in [-1, 1], {received}: no value is negative, so these "
                         "are almost surely images in [0, 1]; use x * 2 - 1 (and x / 127.5 - 1 "
                         "for uint8 images in 0..255).")
    return array


def _whole_numbers(array: np.ndarray, name: str, what: str, fix: str) -> np.ndarray:
    _numeric(array, name, what)
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        finite(array, name)
        fractional = array[array != np.round(array)]
        if fractional.size:
            raise ValueError(f"{name} must be {what}, received non-integer values such as "
                             f"{fractional.flat[0]:.4g}: {fix}.")
    return array.astype(np.int64)


def class_labels(values, name: str, num_classes: int) -> np.ndarray:
    """Class indices ``(n,)`` (or ``(n, 1)``) in ``0 .. num_classes - 1``, as int64 ``(n,)``.

    Whole-valued floats are accepted (Keras passes labels as floats); fractions are not
    truncated but refused.

    Raises:
        ValueError: one-hot or other rank-2 labels (``argmax(axis=-1)`` first), fractions,
            NaN, or an index outside the range (naming the range and ``num_classes``).
    """
    num_classes = positive_int(num_classes, "num_classes")
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        hint = (": one-hot labels? take argmax(axis=-1) first" if array.ndim == 2 else "")
        raise ValueError(f"{name} must be class indices of shape (n,), received shape "
                         f"{array.shape}{hint}.")
    what = f"class indices in 0..{num_classes - 1}"
    array = _whole_numbers(array, name, what, "take argmax(axis=-1) of class scores first")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(f"{name} must be {what} (num_classes={num_classes}), received values in "
                         f"{array.min()}..{array.max()}.")
    return array


def label_masks(values, name: str, num_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """Segmentation masks checked against ``num_classes``; returned as they came.

    Accepted forms:

    - ``num_classes == 1`` (binary): masks ``(n, h, w)`` or ``(n, h, w, 1)`` in {0, 1}
      (floats in [0, 1] allowed as soft targets);
    - ``num_classes > 1``: integer labels ``(n, h, w)`` or ``(n, h, w, 1)`` in
      ``0 .. num_classes - 1``, or one-hot ``(n, h, w, num_classes)`` in [0, 1].

    With ``ignore_index`` (255 in Cityscapes train ids and Pascal VOC: pixels without a
    class, which the consumer leaves out), integer labels of ``num_classes > 1`` may also
    hold that label; a batch may even be all ignored. Binary and one-hot masks have no
    ignore label: for ``num_classes == 1`` a 0/255 mask is still the classic mistake.

    Args:
        values: the masks (concrete values: NumPy or an eager tensor).
        name: the argument's name, for the message.
        num_classes: the consumer's classes (1: binary).
        ignore_index: the label the consumer leaves out (``DiceCrossentropy``'s
            ``ignore_index``, ``keras.losses.SparseCategoricalCrossentropy``'s
            ``ignore_class``), outside ``0 .. num_classes - 1``; ``None``: none.

    Raises:
        ValueError: a wrong rank or channel count, NaN, fractions, or values outside the
            range: binary masks stored as 0/255 are told to use ``mask // 255`` (also for
            ``num_classes=2`` with the ignore label 255, where a mask of 0 and 255 alone
            would otherwise read as background and ignored pixels), and
            multi-class masks holding 255 without an ``ignore_index`` are told which
            losses leave 255 out. Also an ``ignore_index`` that is a class.

    Example:
        >>> masks = np.array([[[0, 1], [2, 255]]], np.uint8)     # 255: no class (ignored)
        >>> label_masks(masks, "masks", num_classes=3, ignore_index=255).shape
        (1, 2, 2)
    """
    num_classes = positive_int(num_classes, "num_classes")
    if ignore_index is not None:
        ignore_index = integer(ignore_index, "ignore_index")
        if 0 <= ignore_index < num_classes:
            raise ValueError(f"ignore_index must be a label outside the classes 0..{num_classes - 1}, "
                             f"received {ignore_index} (num_classes={num_classes}): pass "
                             "ignore_index=None if every label is a class.")
    array = np.asarray(values)
    if array.ndim not in (3, 4):
        raise ValueError(f"{name} must be masks (n, height, width) or (n, height, width, "
                         f"channels), received shape {array.shape}.")
    one_hot = array.ndim == 4 and num_classes > 1 and array.shape[-1] == num_classes
    if array.ndim == 4 and array.shape[-1] != 1 and not one_hot:
        raise ValueError(f"{name} has {array.shape[-1]} channels, but num_classes={num_classes} "
                         f"expects labels (n, h, w) or (n, h, w, 1)"
                         + (f" or one-hot (n, h, w, {num_classes})" if num_classes > 1 else "")
                         + ": the model, the loss and the masks must agree on the classes.")
    _numeric(array, name, "class labels")
    finite(array, name)
    if not array.size:
        raise ValueError(f"{name} is empty (shape {array.shape}).")
    low, high = array.min(), array.max()
    if one_hot or num_classes == 1:
        if low < 0 or high > 1:
            hint = ("binary masks stored as 0/255 become 0/1 with mask // 255 (or mask > 0)"
                    if num_classes == 1 and high == 255 else
                    "for more than two classes build the model and the loss with num_classes=K"
                    if num_classes == 1 else "one-hot values lie in [0, 1]")
            raise ValueError(f"{name} must hold values in {{0, 1}} for "
                             f"{'binary' if num_classes == 1 else 'one-hot'} masks "
                             f"(num_classes={num_classes}), received values in {low}..{high}: "
                             f"{hint}.")
        return array
    labels = _whole_numbers(array, name, f"class labels in 0..{num_classes - 1}",
                            "take argmax(axis=-1) of the class probabilities first")
    ignored = labels == ignore_index if ignore_index is not None else np.zeros(labels.shape, bool)
    classes = labels[~ignored]
    if classes.size and (classes.min() < 0 or classes.max() >= num_classes):
        besides = f" (besides {ignore_index}, the ignore label)" if ignored.any() else ""
        if ignore_index is None and classes.max() == 255 and num_classes < 255:
            hint = ("255 is the usual ignore label (Cityscapes void, Pascal VOC borders): "
                    f"train with a loss that leaves it out, DiceCrossentropy(num_classes={num_classes}) "
                    "(ignore_index=255 by default) or keras.losses.SparseCategoricalCrossentropy("
                    "ignore_class=255), or fix the masks")
        elif num_classes == 19 and classes.min() >= 0 and classes.max() <= 33:
            hint = ("Cityscapes label ids 0..33 become the 19 train ids with "
                    "segen_lib.label_spaces.LABEL_ID_TO_TRAIN_ID[masks]")
        else:
            hint = f"build the model and the loss with num_classes={classes.max() + 1}, or fix the masks"
        raise ValueError(f"{name} must hold class labels in 0..{num_classes - 1} "
                         f"(num_classes={num_classes}), received labels in "
                         f"{classes.min()}..{classes.max()}{besides}: {hint}.")
    not_binary_0_255(labels, name, num_classes, ignore_index)
    return array


def not_binary_0_255(labels, name: str, num_classes: int, ignore_index: int | None) -> None:
    """Refuse two-class labels that hold only 0 and the ignore label 255: a binary mask stored as 0/255.

    With ``num_classes=2`` and the ignore label 255, such masks would be read as background
    and ignored pixels: a loss would never see class 1 and a metric would score the
    background alone, without a word. Used by :func:`label_masks` and by
    :func:`segen_lib.metrics.confusion_matrix`.

    Raises:
        ValueError: the labels hold 255 and, besides it, 0 alone; the message gives the fix.

    Example:
        >>> not_binary_0_255(np.array([0, 1, 255]), "masks", 2, 255)      # class 1 is there: fine
    """
    if num_classes != 2 or ignore_index != 255:
        return
    labels = np.asarray(labels)
    ignored = labels == 255
    if ignored.any() and not ignored.all() and labels[~ignored].max() == 0:
        raise ValueError(f"{name} holds only 0 and 255 for two classes: 255 is the ignore label, so "
                         "every pixel would be background or left out and class 1 never seen. Binary "
                         "masks stored as 0/255 become 0/1 with mask // 255 (or mask > 0).")


def is_distribution(array: np.ndarray, axis: int) -> bool:
    """Whether every slice along ``axis`` is a distribution over 2 or more classes (values in [0, 1], sum 1 ± 1e-3).

    Example:
        >>> is_distribution(np.array([[0.25, 0.75]]), -1), is_distribution(np.array([[0.25, 0.75]]), 0)
        (True, False)
    """
    return bool(array.shape[axis] >= 2 and array.min() >= 0 and array.max() <= 1
                and np.abs(array.sum(axis) - 1).max() <= 1e-3)


def looks_one_hot(array: np.ndarray, num_classes: int) -> bool:
    """Whether ``array`` has a last axis of ``num_classes`` holding a single 1 per row (one-hot labels).

    Example:
        >>> looks_one_hot(np.eye(3)[[0, 2]], 3), looks_one_hot(np.array([[0, 2]]), 3)
        (True, False)
    """
    return bool(num_classes > 1 and array.ndim >= 2 and array.shape[-1] == num_classes and array.size
                and array.min() >= 0 and array.max() <= 1 and np.all(array.sum(-1) == 1))


def class_probabilities(values, name: str) -> np.ndarray:
    """``values`` as an array, if each pixel's last axis is a distribution over classes.

    Tells apart the three usual mistakes: logits (values outside [0, 1]), the classes on
    axis 1 (channels-first output), and independent sigmoids (values in [0, 1] that do not
    sum to 1).

    Raises:
        ValueError: naming which of the three it looks like and the fix.

    Example:
        >>> class_probabilities([[0.2, 0.8]], "p").shape
        (1, 2)
    """
    array = finite(values, name)
    if not array.size or is_distribution(array, -1):
        return array
    if array.ndim >= 3 and is_distribution(array, 1):
        fix = (f"the classes are on axis 1 (channels first, shape {array.shape}): move them last "
               "with np.moveaxis(probabilities, 1, -1)")
    elif array.min() < 0 or array.max() > 1:
        fix = "logits? apply keras.ops.softmax(logits, axis=-1) first"
    else:
        fix = ("independent sigmoid outputs? a softmax head gives a distribution over the classes; "
               "for one sigmoid channel p, stack [1 - p, p] on the last axis")
    sums = array.sum(-1)
    raise ValueError(f"{name} must be in [0, 1] and sum to 1 over the classes (last axis), received "
                     f"values in [{array.min():.3g}, {array.max():.3g}] with sums in "
                     f"[{sums.min():.3g}, {sums.max():.3g}]: {fix}.")


def not_probabilities(values, name: str) -> None:
    """Refuse probabilities where logits are expected (a concrete array whose last axis sums to 1).

    A softmax output passed as logits is softened a second time: the loss is wrong and
    nothing fails. Symbolic tensors (inside a compiled step) are not read.

    Raises:
        ValueError: NaN or infinite values; every value in [0, 1] and every pixel summing
            to 1; the message gives the fix (pass the output before the softmax, or ``keras.ops.log(probabilities)``).

    Example:
        >>> not_probabilities([[2.0, -1.0]], "teacher_logits")      # logits: fine
    """
    array = concrete(values)
    if array is None or not array.size or array.ndim == 0:
        return
    array = finite(array, name).astype(np.float64)
    if is_distribution(array, -1):
        raise ValueError(f"{name} must be logits, received values in [{array.min():.3g}, "
                         f"{array.max():.3g}] that sum to 1 over the last axis: probabilities (a "
                         "softmax output, e.g. build_unet's default head or predict). Pass the "
                         "model's output before its softmax, or keras.ops.log(probabilities), "
                         "which are valid logits.")
