"""Tests of segen_lib.metrics.segmentation: known values, Keras agreement, errors, the ignore label."""

import keras
import numpy as np
import pytest

from segen_lib.metrics import (confusion_matrix, format_report, mean_iou, per_class_dice, per_class_iou,
                               segmentation_report)


def test_confusion_matrix_counts():
    matrix = confusion_matrix([0, 1, 1, 2], [0, 1, 0, 2], num_classes=3)
    np.testing.assert_array_equal(matrix, [[1, 0, 0], [1, 1, 0], [0, 0, 1]])


def test_perfect_prediction():
    y = np.random.default_rng(0).integers(0, 4, (2, 8, 8))
    matrix = confusion_matrix(y, y, 4)
    np.testing.assert_allclose(per_class_iou(matrix), 1.0)
    np.testing.assert_allclose(per_class_dice(matrix), 1.0)
    assert mean_iou(y, y, 4) == 1.0


def test_disjoint_masks_score_zero():
    a = np.array([[1, 1, 0, 0]])
    b = np.array([[0, 0, 1, 1]])
    iou = per_class_iou(confusion_matrix(a, b, 2))
    np.testing.assert_allclose(iou, [0.0, 0.0])


def test_empty_class_is_nan_and_left_out_of_the_mean():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 0, 1, 0])
    iou = per_class_iou(confusion_matrix(y_true, y_pred, 3))
    assert np.isnan(iou[2])  # class 2 appears nowhere
    assert np.isclose(mean_iou(y_true, y_pred, 3), np.mean([2 / 3, 1 / 2]))


def test_dice_iou_relation_and_known_value():
    y_true = np.array([1, 1, 1, 0, 0])
    y_pred = np.array([1, 1, 0, 1, 0])
    matrix = confusion_matrix(y_true, y_pred, 2)
    iou, dice = per_class_iou(matrix)[1], per_class_dice(matrix)[1]
    assert np.isclose(iou, 2 / 4)  # TP=2, FP=1, FN=1
    assert np.isclose(dice, 2 * iou / (1 + iou))


def test_agrees_with_keras_mean_iou():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 5, (4, 16, 16)), rng.integers(0, 5, (4, 16, 16))
    keras_metric = keras.metrics.MeanIoU(num_classes=5)
    keras_metric.update_state(y_true, y_pred)
    assert np.isclose(mean_iou(y_true, y_pred, 5), float(keras_metric.result()), atol=1e-6)


def test_report_shows_why_pixel_accuracy_misleads():
    y_true = np.zeros((1, 10, 10), int)
    y_true[0, :1, :5] = 1  # 5 % foreground
    report = segmentation_report(y_true, np.zeros_like(y_true), 2, class_names=["background", "object"])
    assert report["mean"]["pixel_accuracy"] == pytest.approx(0.95)
    assert report["object"]["iou"] == 0.0
    assert report["object"]["pixels"] == pytest.approx(0.05)
    table = format_report(report)
    assert "| object | 0.000 |" in table and "pixel accuracy 95.0 %" in table


@pytest.mark.parametrize(
    "y_true, y_pred, num_classes, message",
    [
        ([0, 1], [0, 1, 1], 2, "same shape"),
        ([0, 3], [0, 1], 2, r"y_true holds labels in \[0, 3\]"),
        ([0, 1], [0, -1], 2, "y_pred holds labels"),
        ([0.0, 0.4], [0, 1], 2, "integer class labels"),
        ([0, 1], [0, 1], 0, "num_classes must be an integer >= 1, received 0"),
        ([0, 1], [0, 1], 2.0, r"num_classes must be an integer >= 1, received 2.0 \(of type float\)"),
        ([0, 1], [0, 1], True, "num_classes must be an integer >= 1, received True"),
    ],
)
def test_bad_inputs(y_true, y_pred, num_classes, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(np.array(y_true), np.array(y_pred), num_classes)


def test_numpy_integer_num_classes_is_accepted():
    matrix = confusion_matrix([0, 10], [0, 10], num_classes=np.int64(11))
    assert matrix.shape == (11, 11) and matrix[10, 10] == 1
    assert segmentation_report([0, 1], [0, 1], np.int32(2))["mean"]["iou"] == 1.0


def test_report_needs_one_name_per_class():
    with pytest.raises(ValueError, match="got 1 class names for num_classes=2"):
        segmentation_report([0, 1], [0, 1], 2, class_names=["only one"])


def test_confusion_matrix_num_classes_is_a_count(count_check):
    count_check(lambda n: confusion_matrix([0, 1], [1, 0], num_classes=n), "num_classes")


def test_mean_iou_refuses_one_hot_arrays():
    rng = np.random.default_rng(1)
    truth, prediction = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    right = mean_iou(truth, prediction, 3)
    with pytest.raises(ValueError, match=r"y_true looks one-hot.*argmax\(axis=-1\)"):
        mean_iou(np.eye(3)[truth], np.eye(3)[prediction], 3)
    assert mean_iou(np.eye(3)[truth].argmax(-1), np.eye(3)[prediction].argmax(-1), 3) == right


def test_per_class_scores_refuse_a_label_mask_in_place_of_a_confusion_matrix():
    mask = np.random.default_rng(0).integers(0, 11, (64, 64))
    for function in (per_class_iou, per_class_dice):
        with pytest.raises(ValueError, match=r"looks like a \(64, 64\) label mask"):
            function(mask)
        with pytest.raises(ValueError, match="square"):
            function(np.ones((3, 4)))
        with pytest.raises(ValueError, match="pixel counts"):
            function(-np.eye(3))
    matrix = confusion_matrix(mask, mask, 11)   # a real one passes
    np.testing.assert_array_equal(per_class_iou(matrix), np.ones(11))


# The ignore label -------------------------------------------------------------------------
# Pixels labelled 255 (Cityscapes void, Pascal VOC borders) are left out: not a class, not
# counted, not an error, whatever the model predicts there.

def test_confusion_matrix_leaves_ignored_pixels_out(ignore_label_masks):
    y_true, ignored = ignore_label_masks()
    y_pred = np.random.default_rng(1).integers(0, 4, y_true.shape)
    matrix = confusion_matrix(y_true, y_pred, num_classes=4)
    valid = confusion_matrix(y_true[~ignored], y_pred[~ignored], num_classes=4, ignore_index=None)
    np.testing.assert_array_equal(matrix, valid)
    assert matrix.sum() == (~ignored).sum()


def test_confusion_matrix_known_values_with_ignored_pixels():
    y_true = np.array([[0, 1, 255], [1, 255, 2]])
    y_pred = np.array([[0, 1, 2], [2, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 3),
                                  [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_metrics_do_not_depend_on_predictions_at_ignored_pixels(ignore_label_masks):
    y_true, ignored = ignore_label_masks(seed=2)
    y_pred = np.where(ignored, 0, y_true)   # perfect wherever a pixel counts
    other = np.where(ignored, 3, y_true)
    assert mean_iou(y_true, y_pred, 4) == mean_iou(y_true, other, 4) == 1.0
    report = segmentation_report(y_true, y_pred, 4)
    assert report == segmentation_report(y_true, other, 4)
    assert report["mean"]["pixel_accuracy"] == 1.0
    assert sum(report[str(c)]["pixels"] for c in range(4)) == pytest.approx(1.0)


def test_another_ignore_index_and_none():
    assert confusion_matrix([0, 1, 9], [0, 1, 1], 2, ignore_index=9).sum() == 2
    with pytest.raises(ValueError, match=r"y_true holds labels in \[0, 255\].*pass ignore_index=255"):
        confusion_matrix([0, 1, 255], [0, 1, 1], 2, ignore_index=None)
    matrix = confusion_matrix([0, 299], [0, 299], num_classes=300, ignore_index=None)
    assert matrix.shape == (300, 300) and matrix.trace() == 2


@pytest.mark.parametrize("y_true, y_pred, num_classes, kwargs, message", [
    ([0, 1], [0, 255], 2, {}, r"y_pred holds labels in \[0, 255\].*argmax.*belongs in y_true only"),
    ([0, 3, 255], [0, 1, 1], 2, {}, r"y_true holds labels in \[0, 3\], expected 0\.\.1 .*and 255, the ignore label"),
    ([0, 1], [0, 1], 300, {}, r"ignore_index must be a label outside the classes 0\.\.299, received 255"),
    ([0, 1], [0, 1], 3, {"ignore_index": 2}, r"received 2 \(num_classes=3\).*ignore_index=None"),
    ([0, 1], [0, 1], 3, {"ignore_index": 2.0}, r"ignore_index must be an integer, received 2\.0"),
])
def test_ignore_label_errors(y_true, y_pred, num_classes, kwargs, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, num_classes, **kwargs)


def test_two_class_masks_stored_as_0_255_are_refused_not_scored_as_background_alone():
    masks = np.zeros((2, 8, 8), np.uint8)
    masks[:, 2:5, 2:5] = 255                     # a binary mask as image files store it
    predictions = (masks > 0).astype(np.int64)
    with pytest.raises(ValueError, match=r"holds only 0 and 255 for two classes.*mask // 255"):
        mean_iou(masks, predictions, num_classes=2)
    assert mean_iou(masks // 255, predictions, num_classes=2) == 1.0
    real = masks // 255
    real[:, 0, :] = 255                           # a real two-class mask with void pixels is fine
    assert mean_iou(real, np.where(real == 255, 0, real), num_classes=2) == 1.0

