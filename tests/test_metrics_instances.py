"""Instance metrics on hand-made label images whose answers are known."""

import numpy as np
import pytest
from skimage.metrics import contingency_table

from segen_lib.metrics.instances import (DSB_THRESHOLDS, dsb_score, instance_iou, instance_report,
                                         match_instances)


def _truth():
    """Three 4×4 square nuclei on a 12×16 background, ids not consecutive (as in nuclei.npz)."""
    truth = np.zeros((12, 16), np.uint8)
    truth[1:5, 1:5] = 3
    truth[1:5, 8:12] = 7  # touches nothing
    truth[7:11, 4:8] = 9
    truth[7:11, 8:12] = 12  # touches 9 on its left side
    return truth


def test_thresholds_are_the_competitions():
    assert DSB_THRESHOLDS == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def test_perfect_prediction_scores_one_whatever_the_ids():
    truth = _truth()
    renumbered = np.select([truth == 3, truth == 7, truth == 9, truth == 12], [1, 2, 40, 4], 0)
    assert dsb_score(truth, renumbered) == 1.0
    match = match_instances(truth, renumbered, 0.9)
    assert (match.tp, match.fp, match.fn, match.ap, match.mean_matched_iou) == (4, 0, 0, 1.0, 1.0)


def test_one_split_nucleus():
    truth = _truth()
    pred = truth.astype(np.int32)
    pred[1:5, 8:10] = 20  # nucleus 7 cut in two halves: each has IoU 0.5, not above it
    report = instance_report(truth, pred)
    assert (report["true_count"], report["predicted_count"], report["count_error"]) == (4, 5, 1)
    # at every threshold: 3 TP, 2 FP (the halves), 1 FN (nucleus 7)
    assert report["ap50"] == pytest.approx(3 / 6)
    assert report["dsb_score"] == pytest.approx(3 / 6)
    assert report["precision50"] == pytest.approx(3 / 5) and report["recall50"] == pytest.approx(3 / 4)


def test_one_merged_pair():
    truth = _truth()
    pred = truth.copy()
    pred[pred == 12] = 9  # the touching pair 9 + 12 predicted as one object
    match = match_instances(truth, pred, 0.5)
    # the merged object has IoU exactly 0.5 with each: no match; 2 TP, 1 FP, 2 FN
    assert (match.tp, match.fp, match.fn) == (2, 1, 2)
    assert match.ap == pytest.approx(2 / 5)
    assert instance_report(truth, pred)["count_error"] == -1


def test_one_missed_nucleus():
    truth = _truth()
    pred = np.where(truth == 3, 0, truth)
    assert dsb_score(truth, pred) == pytest.approx(3 / 4)
    report = instance_report(truth, pred)
    assert (report["count_error"], report["precision50"], report["recall50"]) == (-1, 1.0, 0.75)


def test_partial_overlap_counts_only_up_to_its_iou():
    truth = _truth()
    pred = truth.copy()
    pred[1:5, 1] = 0  # nucleus 3 loses a column: IoU 12/16 = 0.75
    scores = [match_instances(truth, pred, t).ap for t in DSB_THRESHOLDS]
    # matched at 0.50..0.70 (IoU 0.75 > t); at 0.75 and above, one FN and one FP: 3/5
    assert scores == pytest.approx([1.0] * 5 + [3 / 5] * 5)
    assert dsb_score(truth, pred) == pytest.approx(np.mean(scores))


def test_empty_images():
    empty = np.zeros((6, 6), np.uint8)
    one = empty.copy()
    one[1:3, 1:3] = 1
    assert dsb_score(empty, empty) == 1.0  # nothing to find, nothing found
    assert dsb_score(empty, one) == 0.0  # one false positive
    assert dsb_score(one, empty) == 0.0  # one miss
    report = instance_report(one, empty)
    assert (report["true_count"], report["predicted_count"], report["precision50"]) == (1, 0, 1.0)


def test_iou_matches_scikit_image_contingency_table():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 6, (30, 30))
    pred = rng.integers(0, 4, (30, 30)) * 3
    iou, true_ids, pred_ids = instance_iou(truth, pred)
    table = contingency_table(truth, pred).toarray()
    intersection = table[np.ix_(true_ids, pred_ids)]
    union = table.sum(1)[true_ids][:, None] + table.sum(0)[pred_ids][None, :] - intersection
    np.testing.assert_allclose(iou, intersection / union)


def test_low_threshold_matching_is_one_to_one():
    truth = np.array([[1, 1, 1, 2, 2, 2]])
    pred = np.array([[5, 5, 5, 5, 0, 0]])  # IoU 0.75 with 1, 0.2 with 2
    match = match_instances(truth, pred, 0.1)
    assert (match.tp, match.fp, match.fn) == (1, 0, 1)  # one prediction, one match at most


@pytest.mark.parametrize("y_true, y_pred, message", [
    (np.zeros((4, 4), int), np.zeros((4, 5), int), r"same shape, received \(4, 4\) and \(4, 5\)"),
    (np.zeros((4, 4), float), np.zeros((4, 4), int), r"integer object ids .* float64.*skimage\.measure\.label"),
    (np.zeros((0, 0), int), np.zeros((0, 0), int), r"empty \(shape \(0, 0\)\)"),
    (np.zeros((2, 4, 4), int), np.zeros((2, 4, 4), int), r"one 2-D label image .* \(2, 4, 4\)"),
    (np.full((4, 4), -1), np.zeros((4, 4), int), r"ids >= 0 .* -1"),
])
def test_bad_label_images_are_value_errors(y_true, y_pred, message):
    for function in (instance_iou, match_instances, dsb_score, instance_report):
        with pytest.raises(ValueError, match=message):
            function(y_true, y_pred)


@pytest.mark.parametrize("thresholds", [(), (0.5, 1.0), (-0.1,)])
def test_bad_thresholds_are_value_errors(thresholds):
    with pytest.raises(ValueError, match="threshold"):
        dsb_score(_truth(), _truth(), thresholds)
