"""segen_lib.viz.cnn: confusion matrix and feature maps."""

import numpy as np
import pytest

from segen_lib import viz
from segen_lib.viz.cnn import confusion_counts


def test_confusion_counts_rows_are_true_columns_predicted():
    counts = confusion_counts([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.sum() == 6 and np.trace(counts) == 4


def test_confusion_counts_fixed_number_of_classes():
    assert confusion_counts(np.array([1]), np.array([1]), num_classes=4).shape == (4, 4)


@pytest.mark.parametrize("y_true, y_pred, num_classes, message", [
    ([0, 1], [0], None, "same length"),
    ([], [], None, "empty"),
    ([0.0, 1.0], [0, 1], None, "integer class labels"),
    ([0, -1], [0, 1], None, ">= 0"),
    ([0, 5], [0, 1], 3, "label 5, which does not fit num_classes=3"),
])
def test_confusion_counts_errors(y_true, y_pred, num_classes, message):
    with pytest.raises(ValueError, match=message):
        confusion_counts(np.array(y_true), np.array(y_pred), num_classes)


def test_confusion_matrix_figure_reports_accuracy_and_counts():
    y_true = np.array([0, 1, 2, 2])
    y_pred = np.array([0, 1, 2, 1])
    fig = viz.confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    assert ax.get_title() == "accuracy 75.0%"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert fig.counts.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    # Normalised rows: the image shows recall per class on the diagonal.
    assert np.allclose(np.diag(ax.images[0].get_array()), [1.0, 1.0, 0.5])
    counts_fig = viz.confusion_matrix(y_true, y_pred, normalize=False)
    assert counts_fig.axes[0].images[0].get_array().max() == 1


@pytest.mark.parametrize("shape", [(8, 8, 5), (1, 8, 8, 5)])
def test_feature_maps_one_panel_per_channel(shape):
    fig = viz.feature_maps(np.random.default_rng(0).random(shape), ncols=4, title="conv 1")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 5
    assert [ax.get_title() for ax in shown] == ["0", "1", "2", "3", "4"]


def test_feature_maps_caps_the_number_shown():
    fig = viz.feature_maps(np.zeros((4, 4, 64)), max_maps=10)
    assert len([ax for ax in fig.axes if ax.images]) == 10


@pytest.mark.parametrize("shape", [(8, 8), (2, 8, 8, 3)])
def test_feature_maps_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match="maps must have shape"):
        viz.feature_maps(np.zeros(shape))
