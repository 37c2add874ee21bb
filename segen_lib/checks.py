"""Argument checks shared by the whole package: one place, one message style.

Every public function of ``segen_lib`` checks its arguments at the boundary, before
any work, with these helpers. A mistake raises a ``ValueError`` that names the
argument, says what is expected and what was received, in one style::

    latent_dim must be an integer >= 1, received 0.

Integers may be Python or NumPy integers (``np.int64(11)`` is as good as ``11``);
booleans and floats are refused, even when they hold a whole number.

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

__all__ = ["integer", "positive_int", "integers", "number", "one_of", "nearest_multiples",
           "divisible_size", "image_shape"]


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
