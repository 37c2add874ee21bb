r"""Per-class segmentation metrics from a confusion matrix.

Introduced in ``notebooks/02_unet_segmentation.ipynb``, where IoU and Dice are first
written by hand and checked against ``keras.metrics.MeanIoU`` and ``keras.losses.Dice``.

For class :math:`c` with true positives :math:`TP_c`, false positives :math:`FP_c`
and false negatives :math:`FN_c` counted over all pixels:

.. math::
    \mathrm{IoU}_c = \frac{TP_c}{TP_c + FP_c + FN_c}, \qquad
    \mathrm{Dice}_c = \frac{2\,TP_c}{2\,TP_c + FP_c + FN_c}.

A class absent from both the truth and the prediction has no defined score
(``nan``) and is left out of the means.

Pixels whose true label is ``ignore_index`` (255 by default: Cityscapes void, Pascal VOC
borders, :data:`segen_lib.label_spaces.IGNORE_LABEL`) are left out of every count,
as the Cityscapes and Pascal VOC evaluations do; ``keras.metrics.MeanIoU(ignore_class=255)``
is the Keras counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segen_lib import checks
from segen_lib.label_spaces import IGNORE_LABEL


def _labels(name: str, values, num_classes: int) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise ValueError(f"{name} must hold integer class labels, received non-integer floats; "
                             "take argmax over the class axis (or threshold at 0.5) first.")
    elif array.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer class labels, received dtype {array.dtype}.")
    if checks.looks_one_hot(array, num_classes):
        raise ValueError(f"{name} looks one-hot: shape {array.shape}, every row along the last axis "
                         f"a single 1 of num_classes={num_classes}. Pass class labels: "
                         f"{name}.argmax(axis=-1) (if these really are labels, add a trailing axis "
                         "of size 1).")
    return array.astype(np.int64)


def _matrix(matrix) -> np.ndarray:
    array = np.asarray(matrix)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"matrix must be a square (num_classes, num_classes) confusion matrix, "
                         f"received shape {array.shape}; compute it with confusion_matrix(y_true, "
                         "y_pred, num_classes).")
    if (array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)) or np.any(array < 0)
            or np.any(array != np.round(array))):
        raise ValueError("matrix must hold pixel counts (whole numbers >= 0), as "
                         "confusion_matrix(y_true, y_pred, num_classes) returns.")
    side = len(array)
    if side >= 8 and array.max() < side:
        raise ValueError(f"matrix looks like a {array.shape} label mask, not a confusion matrix: "
                         f"every entry is below {side}, so a {side}-class matrix would hold fewer "
                         "pixels than classes in every cell. Pass confusion_matrix(y_true, y_pred, "
                         "num_classes), or use mean_iou(y_true, y_pred, num_classes).")
    return array.astype(np.float64)


def _ignore_index(ignore_index, num_classes: int) -> int | None:
    if ignore_index is None:
        return None
    ignore_index = checks.integer(ignore_index, "ignore_index")
    if 0 <= ignore_index < num_classes:
        raise ValueError(f"ignore_index must be a label outside the classes 0..{num_classes - 1}, "
                         f"received {ignore_index} (num_classes={num_classes}): pass "
                         "ignore_index=None if every label is a class.")
    return ignore_index


def confusion_matrix(y_true, y_pred, num_classes: int,
                     ignore_index: int | None = IGNORE_LABEL) -> np.ndarray:
    """Pixel confusion matrix: entry ``[t, p]`` counts pixels of class t predicted as p.

    Args:
        y_true: integer class labels, any shape (e.g. ``(batch, height, width)``), in
            ``0..num_classes-1`` or ``ignore_index``.
        y_pred: integer class labels of the same shape (argmax ids: ``ignore_index`` is
            not a prediction).
        num_classes: number of classes (labels lie in ``0..num_classes-1``). With the
            default ``ignore_index=255``, at most 255 classes.
        ignore_index: pixels whose *true* label equals it are left out (not counted
            anywhere, whatever is predicted there); ``None``: every pixel counts.

    Returns:
        ``(num_classes, num_classes)`` int64 array.

    Raises:
        ValueError: shapes that differ; fractions, NaN or labels outside
            ``0..num_classes-1`` (besides ``ignore_index`` in ``y_true``); one-hot
            arrays (take ``argmax(axis=-1)`` first); an ``ignore_index`` that is a class
            (``num_classes > 255`` needs ``ignore_index=None`` or another label).

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
        array([[1, 0],
               [1, 1]])
        >>> confusion_matrix([0, 1, 255], [0, 1, 0], num_classes=2)   # the 255 pixel is left out
        array([[1, 0],
               [0, 1]])
    """
    num_classes = checks.positive_int(num_classes, "num_classes")
    ignore_index = _ignore_index(ignore_index, num_classes)
    true, pred = _labels("y_true", y_true, num_classes), _labels("y_pred", y_pred, num_classes)
    if true.shape != pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, received {true.shape} and {pred.shape}.")
    if pred.size and (pred.min() < 0 or pred.max() >= num_classes):
        hint = (f": predictions are class ids (argmax over the class axis); {ignore_index}, the "
                "ignore label, belongs in y_true only" if ignore_index is not None
                and ignore_index in (pred.min(), pred.max()) else "")
        raise ValueError(f"y_pred holds labels in [{pred.min()}, {pred.max()}], "
                         f"expected 0..{num_classes - 1} for num_classes={num_classes}{hint}.")
    checks.not_binary_0_255(true, "y_true", num_classes, ignore_index)
    if ignore_index is not None:
        kept = true != ignore_index
        true, pred = true[kept], pred[kept]
    if true.size and (true.min() < 0 or true.max() >= num_classes):
        besides = (f" (and {ignore_index}, the ignore label)" if ignore_index is not None else
                   " (pass ignore_index=255 to leave 255 out)" if true.max() == 255 else "")
        raise ValueError(f"y_true holds labels in [{true.min()}, {true.max()}], "
                         f"expected 0..{num_classes - 1} for num_classes={num_classes}{besides}.")
    index = true.ravel() * num_classes + pred.ravel()
    return np.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)


def per_class_iou(matrix: np.ndarray) -> np.ndarray:
    """IoU of every class from a confusion matrix (``nan`` where a class never occurs).

    Raises:
        ValueError: not a square matrix of counts, or a square label mask passed instead
            (a matrix of 8 or more classes whose every entry is below the number of classes).
    """
    return _iou(_matrix(matrix))


def _iou(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    union = matrix.sum(0) + matrix.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def per_class_dice(matrix: np.ndarray) -> np.ndarray:
    """Dice (F1) of every class from a confusion matrix (``nan`` where a class never occurs).

    Raises:
        ValueError: as :func:`per_class_iou`.
    """
    return _dice(_matrix(matrix))


def _dice(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    total = matrix.sum(0) + matrix.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * tp / total, np.nan)


def mean_iou(y_true, y_pred, num_classes: int, ignore_index: int | None = IGNORE_LABEL) -> float:
    """Mean over classes of the IoU (classes absent from truth and prediction left out).

    Pixels whose true label is ``ignore_index`` are left out (:func:`confusion_matrix`).

    Example:
        >>> round(mean_iou([0, 0, 1, 1], [0, 0, 1, 0], num_classes=3), 4)  # (2/3 + 1/2) / 2
        0.5833
        >>> round(mean_iou([0, 0, 1, 1, 255], [0, 0, 1, 0, 2], num_classes=3), 4)  # 255: ignored
        0.5833
    """
    return float(np.nanmean(_iou(confusion_matrix(y_true, y_pred, num_classes, ignore_index))))


def segmentation_report(y_true, y_pred, num_classes: int,
                        class_names: Sequence[str] | None = None,
                        ignore_index: int | None = IGNORE_LABEL) -> dict[str, dict[str, float]]:
    """Per-class IoU, Dice and pixel share, plus their means and the pixel accuracy.

    Args:
        y_true: integer class labels, e.g. ``(batch, height, width)``.
        y_pred: integer class labels of the same shape.
        num_classes: number of classes.
        class_names: a name per class (default ``"0"``, ``"1"``, …).
        ignore_index: true label of the pixels left out (:func:`confusion_matrix`);
            ``None``: every pixel counts.

    Returns:
        ``{class name: {"iou", "dice", "pixels"}}`` for every class, then
        ``"mean": {"iou", "dice", "pixel_accuracy"}``. ``pixels`` is the class's share
        of the true pixels: it shows why pixel accuracy misleads on imbalanced masks.
        Shares and pixel accuracy count the pixels that are not ignored.

    Example:
        >>> report = segmentation_report([0, 0, 0, 1], [0, 0, 0, 0], 2, class_names=["bg", "object"])
        >>> report["mean"]["pixel_accuracy"], report["object"]["iou"]
        (0.75, 0.0)
    """
    num_classes = checks.positive_int(num_classes, "num_classes")
    names = list(class_names) if class_names is not None else [str(c) for c in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f"got {len(names)} class names for num_classes={num_classes}.")
    matrix = confusion_matrix(y_true, y_pred, num_classes, ignore_index)
    iou, dice = _iou(matrix), _dice(matrix)
    share = matrix.sum(1) / max(matrix.sum(), 1)
    report = {name: {"iou": float(iou[c]), "dice": float(dice[c]), "pixels": float(share[c])}
              for c, name in enumerate(names)}
    report["mean"] = {"iou": float(np.nanmean(iou)), "dice": float(np.nanmean(dice)),
                      "pixel_accuracy": float(np.trace(matrix) / max(matrix.sum(), 1))}
    return report


def format_report(report: dict[str, dict[str, float]]) -> str:
    """Render :func:`segmentation_report` as a Markdown table (for printing)."""
    lines = ["| class | IoU | Dice | share of pixels |", "|---|---:|---:|---:|"]
    for name, row in report.items():
        if name == "mean":
            continue
        lines.append(f"| {name} | {row['iou']:.3f} | {row['dice']:.3f} | {100 * row['pixels']:.1f} % |")
    mean = report["mean"]
    lines.append(f"| **mean** | **{mean['iou']:.3f}** | **{mean['dice']:.3f}** | "
                 f"pixel accuracy {100 * mean['pixel_accuracy']:.1f} % |")
    return "\n".join(lines)
