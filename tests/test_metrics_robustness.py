"""Robustness metrics: corruption tables against hand-made models with known answers."""

import keras
import numpy as np
import pytest

from segen_lib.metrics.robustness import (corruption_iou, format_corruption_table, mean_corruption_iou,
                                          predict_labels)
from segen_lib.training_data import CORRUPTIONS, SEVERITIES
from segen_lib.viz import robustness_curves


class Oracle:
    """Predicts given masks whatever the images: every score must be 1."""

    def __init__(self, masks, num_classes):
        self.one_hot = np.eye(num_classes, dtype="float32")[masks]

    def predict(self, images, batch_size=None, verbose=0):
        repeats = len(images) // len(self.one_hot)
        return np.concatenate([self.one_hot] * repeats)


class Constant:
    """Predicts class 0 everywhere."""

    def predict(self, images, batch_size=None, verbose=0):
        out = np.zeros(np.shape(images)[:3] + (3,), "float32")
        out[..., 0] = 1
        return out


def test_an_oracle_scores_one_everywhere(unit_images):
    masks = np.random.default_rng(0).integers(0, 3, (4, 8, 8))
    images = unit_images(4, (8, 8, 3), seed=1)
    table = corruption_iou(Oracle(masks, 3), images, masks, 3)
    assert list(table) == ["clean", *CORRUPTIONS]
    assert all(len(row) == len(SEVERITIES) for name, row in table.items() if name != "clean")
    assert all(value == 1.0 for row in table.values() for value in row)
    assert mean_corruption_iou(table) == 1.0


def test_a_constant_model_scores_its_class_share():
    masks = np.zeros((2, 4, 4), int)
    masks[:, :2] = 1  # half class 0, half class 1
    images = np.full((2, 4, 4, 3), 0.5, "float32")
    table = corruption_iou(Constant(), images, masks, 3, corruptions=["fog"])
    # class 0: IoU 1/2; class 1: 0 (never predicted); class 2 absent from both: left out
    assert table == {"clean": [0.25], "fog": [0.25, 0.25, 0.25]}


def test_a_real_model_loses_iou_under_noise(road_scenes):
    images, masks = road_scenes(4, image_size=(16, 32), seed=0)
    model = keras.Sequential([keras.Input((16, 32, 3)), keras.layers.Conv2D(19, 1, activation="softmax")])
    table = corruption_iou(model, images, masks, 19, corruptions=["gaussian_noise"])
    assert 0 <= min(table["gaussian_noise"]) and max(table["gaussian_noise"]) <= 1
    labels = predict_labels(model, images)
    assert labels.shape == (4, 16, 32) and labels.max() < 19


def test_predict_labels_thresholds_a_sigmoid_output():
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(1, 1, activation="sigmoid")])
    labels = predict_labels(model, np.zeros((2, 4, 4, 1), "float32"))
    assert labels.shape == (2, 4, 4) and set(np.unique(labels)) <= {0, 1}


def test_format_and_plot():
    tables = {"plain": {"clean": [0.9], "fog": [0.7, 0.5, 0.3]},
              "augmented": {"clean": [0.89], "fog": [0.85, 0.8, 0.7]}}
    text = format_corruption_table(tables)
    assert "| fog 3 | 0.300 | 0.700 |" in text and "**0.500** | **0.783**" in text
    fig = robustness_curves(tables)
    assert len(fig.axes[0].lines) == 2


@pytest.mark.parametrize("call,match", [
    (lambda: corruption_iou(Constant(), np.zeros((1, 4, 4, 3), "float32"), np.zeros((1, 4, 4), int), 3,
                            corruptions=["snow"]), "corruption"),
    (lambda: corruption_iou(Constant(), np.zeros((1, 4, 4, 3), np.uint8), np.zeros((1, 4, 4), int), 3),
     "x / 255"),
    (lambda: mean_corruption_iou({"clean": [0.9]}), "no corruption"),
    (lambda: robustness_curves({}), "non-empty"),
    (lambda: format_corruption_table({}), "tables must map model names"),
    (lambda: format_corruption_table({"plain": [0.9, 0.5]}), r"tables\['plain'\] must be a corruption_iou"),
    (lambda: format_corruption_table({"a": {"clean": [0.9], "fog": [0.5, 0.4]},
                                      "b": {"clean": [0.9], "fog": [0.5]}}), "same corruptions and severities"),
    (lambda: robustness_curves({"plain": {"fog": [0.5]}}), "'clean'"),
    (lambda: predict_labels(Constant(), np.zeros((1, 4, 4, 3)), batch_size=0), "batch_size"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
