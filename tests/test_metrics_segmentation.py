"""Tests of segen_lib.metrics.segmentation: known values, Keras agreement, errors."""

import numpy as np
import pytest
import keras

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
