r"""Instance segmentation metrics: objects matched by IoU, the 2018 Data Science Bowl score.

Introduced in ``notebooks/07_medical_imaging.ipynb``, where nuclei are counted on a real
microscopy image. A *label image* gives every pixel the id of the object it belongs to
(0 = background; ids need not be consecutive, as in the shipped ``nuclei.npz``).

A predicted object and a true object **match at threshold** :math:`t` when their
intersection over union exceeds :math:`t`; each object is matched at most once. For
:math:`t \ge 0.5` such matches are unique (two objects with IoU above 0.5 with the same
object would each cover more than half of it), so no choice is involved; below 0.5 the
matching that pairs the most objects is chosen (``scipy.optimize.linear_sum_assignment``).
Matched pairs are true positives (TP), unmatched predictions false positives (FP),
unmatched true objects false negatives (FN). At one threshold the Data Science Bowl
scored

.. math::
    \mathrm{AP}_t = \frac{TP}{TP + FP + FN},

which the competition, and the StarDist and Cellpose papers after it, call the
*average precision* at :math:`t` (it is not the area under a precision–recall curve of
object detection, COCO's AP). The **DSB score** of an image is the mean of
:math:`\mathrm{AP}_t` over :math:`t = 0.50, 0.55, \dots, 0.95`. Source: J. C. Caicedo et
al., *Nucleus segmentation across imaging experiments: the 2018 Data Science Bowl*,
Nature Methods 16, 1247–1253 (2019), section Methods, "Evaluation"; the IoU is counted
as in :func:`skimage.metrics.contingency_table`, which the tests check it against.

When neither image holds an object there is nothing to find and nothing was wrongly
found: every threshold scores 1.0 (the DSB leaves such images out; the course's images
always hold objects).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from segen_lib import checks

DSB_THRESHOLDS = tuple(round(0.5 + 0.05 * k, 2) for k in range(10))  # 0.50, 0.55, ..., 0.95


def _label_image(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 2:
        raise ValueError(f"{name} must be one 2-D label image (height, width), received shape "
                         f"{array.shape}; score a batch one image at a time.")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); give a label image with pixels.")
    if array.dtype.kind not in "iub":
        hint = (" Label a binary mask first (skimage.measure.label) or take argmax over the "
                "class axis." if array.dtype.kind == "f" else "")
        raise ValueError(f"{name} must hold integer object ids (0 = background), received dtype "
                         f"{array.dtype}.{hint}")
    if array.dtype.kind == "i" and array.min() < 0:
        raise ValueError(f"{name} must hold object ids >= 0 (0 = background), received the "
                         f"value {int(array.min())}.")
    return array


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = _label_image(y_true, "y_true")
    y_pred = _label_image(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, received {y_true.shape} "
                         f"and {y_pred.shape}; crop or resize the prediction to the truth first.")
    return y_true, y_pred


def instance_iou(y_true, y_pred) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IoU of every true object with every predicted object.

    Args:
        y_true, y_pred: label images ``(height, width)`` of the same shape, integer ids
            >= 0, 0 = background; ids need not be consecutive.

    Returns:
        ``(iou, true_ids, pred_ids)``: ``iou`` of shape ``(len(true_ids), len(pred_ids))``
        in [0, 1]; ``true_ids`` and ``pred_ids`` the sorted non-zero ids.

    Raises:
        ValueError: images of different shapes, not 2-D, empty, of floats or with
            negative ids.

    Example:
        >>> truth = np.array([[1, 1, 0, 2]])
        >>> iou, true_ids, pred_ids = instance_iou(truth, np.array([[5, 0, 0, 7]]))
        >>> iou.round(2).tolist(), true_ids.tolist(), pred_ids.tolist()
        ([[0.5, 0.0], [0.0, 1.0]], [1, 2], [5, 7])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true_ids, true_index = np.unique(y_true, return_inverse=True)
    pred_ids, pred_index = np.unique(y_pred, return_inverse=True)
    # Work with dense indices 0..n-1; index 0 is the background where id 0 is present.
    counts = np.bincount(true_index.ravel() * len(pred_ids) + pred_index.ravel(),
                         minlength=len(true_ids) * len(pred_ids)).reshape(len(true_ids), len(pred_ids))
    true_keep, pred_keep = true_ids != 0, pred_ids != 0
    area_true, area_pred = counts.sum(1)[true_keep], counts.sum(0)[pred_keep]
    intersection = counts[np.ix_(true_keep, pred_keep)].astype(np.float64)
    union = area_true[:, None] + area_pred[None, :] - intersection
    return intersection / union, true_ids[true_keep], pred_ids[pred_keep]


class InstanceMatch(NamedTuple):
    """Counts and scores of one matching at one IoU threshold (see the module docstring)."""

    threshold: float
    tp: int
    fp: int
    fn: int
    precision: float  # TP / (TP + FP): share of predicted objects that are right
    recall: float  # TP / (TP + FN): share of true objects found
    f1: float  # 2 TP / (2 TP + FP + FN)
    ap: float  # TP / (TP + FP + FN): the DSB's "average precision" at this threshold
    mean_matched_iou: float  # mean IoU of the matched pairs (nan when none)


def _divide(numerator: float, denominator: float) -> float:
    return 1.0 if denominator == 0 else numerator / denominator


def _count_matches(iou: np.ndarray, threshold: float) -> tuple[int, float]:
    above = iou > threshold
    if threshold >= 0.5:  # unique by construction
        return int(above.sum()), float(iou[above].mean()) if above.any() else float("nan")
    from scipy.optimize import linear_sum_assignment

    # Most pairs above the threshold first, then the largest total IoU among those.
    rows, cols = linear_sum_assignment(-(above + iou / (2 * max(iou.size, 1))))
    hits = above[rows, cols]
    matched = iou[rows, cols][hits]
    return int(hits.sum()), float(matched.mean()) if matched.size else float("nan")


def match_instances(y_true, y_pred, threshold: float = 0.5) -> InstanceMatch:
    """Match predicted objects to true ones one-to-one at an IoU threshold, and score them.

    Args:
        y_true, y_pred: label images ``(height, width)`` of the same shape (integer ids,
            0 = background), e.g. a human annotation and
            ``skimage.measure.label(predicted_mask)``.
        threshold: IoU a pair must exceed to match, in [0, 1).

    Returns:
        An :class:`InstanceMatch`: TP, FP, FN, precision, recall, F1, AP (TP/(TP+FP+FN))
        and the mean IoU of matched pairs. With no objects on either side every score is
        1.0.

    Raises:
        ValueError: as :func:`instance_iou`, or a threshold outside [0, 1).

    Example:
        >>> truth = np.array([[1, 1, 0, 2, 2]])
        >>> merged = np.array([[1, 1, 1, 1, 1]])  # one object where there are two
        >>> match = match_instances(truth, merged, 0.5)
        >>> match.tp, match.fp, match.fn, match.ap
        (0, 1, 2, 0.0)
    """
    threshold = checks.number(threshold, "threshold", minimum=0, maximum=1, include_maximum=False)
    iou, true_ids, pred_ids = instance_iou(y_true, y_pred)
    tp, mean_iou = _count_matches(iou, threshold)
    fp, fn = len(pred_ids) - tp, len(true_ids) - tp
    return InstanceMatch(threshold, tp, fp, fn, _divide(tp, tp + fp), _divide(tp, tp + fn),
                         _divide(2 * tp, 2 * tp + fp + fn), _divide(tp, tp + fp + fn), mean_iou)


def _thresholds(thresholds) -> tuple[float, ...]:
    values = np.asarray(thresholds, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("thresholds must hold at least one IoU threshold, received none; "
                         f"the DSB uses {DSB_THRESHOLDS}.")
    return tuple(checks.number(float(t), "threshold", minimum=0, maximum=1, include_maximum=False)
                 for t in values)


def dsb_score(y_true, y_pred, thresholds: Sequence[float] = DSB_THRESHOLDS) -> float:
    """The 2018 Data Science Bowl score of one image: AP averaged over IoU thresholds.

    Args:
        y_true, y_pred: label images ``(height, width)`` of the same shape (integer ids,
            0 = background).
        thresholds: IoU thresholds; default 0.50, 0.55, ..., 0.95 (the competition's).

    Returns:
        The mean over ``thresholds`` of TP/(TP+FP+FN), in [0, 1]; 1 only when every
        object is found with IoU above the highest threshold and nothing else is found.

    Raises:
        ValueError: as :func:`instance_iou`, or thresholds empty or outside [0, 1).

    Example:
        >>> truth = np.array([[1, 1, 0, 2, 2]])
        >>> dsb_score(truth, truth), dsb_score(truth, np.array([[3, 3, 0, 0, 0]]))
        (1.0, 0.5)
    """
    thresholds = _thresholds(thresholds)
    iou, true_ids, pred_ids = instance_iou(y_true, y_pred)
    scores = []
    for threshold in thresholds:
        tp = _count_matches(iou, threshold)[0]
        scores.append(_divide(tp, len(true_ids) + len(pred_ids) - tp))
    return float(np.mean(scores))


def instance_report(y_true, y_pred, thresholds: Sequence[float] = DSB_THRESHOLDS) -> dict:
    """Everything the chapter reports about one predicted label image.

    Args:
        y_true, y_pred: label images ``(height, width)`` of the same shape.
        thresholds: IoU thresholds of the DSB score (its default).

    Returns:
        ``{"dsb_score", "ap50", "precision50", "recall50", "f1_50", "tp50", "fp50", "fn50",
        "true_count", "predicted_count", "count_error"}``: the DSB score; AP, precision,
        recall, F1 and the TP, FP, FN counts at IoU 0.5; the numbers of true and
        predicted objects, and ``predicted_count - true_count`` (negative: objects
        missed or merged).

    Raises:
        ValueError: as :func:`dsb_score`.

    Example:
        >>> truth = np.array([[1, 1, 0, 2, 2]])
        >>> report = instance_report(truth, np.array([[1, 1, 1, 1, 1]]))
        >>> report["true_count"], report["predicted_count"], report["count_error"], report["ap50"]
        (2, 1, -1, 0.0)
    """
    at50 = match_instances(y_true, y_pred, 0.5)
    return {
        "dsb_score": dsb_score(y_true, y_pred, thresholds),
        "ap50": at50.ap, "precision50": at50.precision, "recall50": at50.recall,
        "f1_50": at50.f1, "tp50": at50.tp, "fp50": at50.fp, "fn50": at50.fn,
        "true_count": at50.tp + at50.fn, "predicted_count": at50.tp + at50.fp,
        "count_error": at50.fp - at50.fn,
    }
