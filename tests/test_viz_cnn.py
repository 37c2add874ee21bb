"""segen_lib.viz.cnn: the confusion-matrix figure and feature maps."""

import numpy as np
import pytest

from segen_lib import metrics, viz


def test_plot_confusion_matrix_reports_accuracy_and_counts():
    y_true = np.array([0, 1, 2, 2])
    y_pred = np.array([0, 1, 2, 1])
    fig = viz.plot_confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    assert ax.get_title() == "accuracy 75.0%"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert fig.counts.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    # Normalised rows: the image shows recall per class on the diagonal.
    assert np.allclose(np.diag(ax.images[0].get_array()), [1.0, 1.0, 0.5])
    counts_fig = viz.plot_confusion_matrix(y_true, y_pred, normalize=False)
    assert counts_fig.axes[0].images[0].get_array().max() == 1


def test_the_counts_are_those_of_metrics_confusion_matrix():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    fig = viz.plot_confusion_matrix(y_true, y_pred, class_names=[str(c) for c in range(10)])
    np.testing.assert_array_equal(fig.counts, metrics.confusion_matrix(y_true, y_pred, 10))


def test_the_number_of_classes_comes_from_the_names_or_the_largest_label():
    assert viz.plot_confusion_matrix([1], [1], class_names=list("abcd")).counts.shape == (4, 4)
    assert viz.plot_confusion_matrix([0, 3], [0, 1]).counts.shape == (4, 4)
    assert viz.plot_confusion_matrix(np.array([[0, 1]]), np.array([[1, 1]])).counts.tolist() == [[0, 1], [0, 1]]


def test_the_old_names_are_gone():
    import segen_lib.viz.cnn

    assert not hasattr(viz, "confusion_matrix")        # the figure is plot_confusion_matrix
    assert not hasattr(segen_lib.viz.cnn, "confusion_counts")  # the counts: metrics.confusion_matrix


@pytest.mark.parametrize("y_true, y_pred, class_names, message", [
    ([0, 1], [0], None, "same shape"),
    ([], [], None, "empty"),
    ([0.5, 1.0], [0, 1], None, "integer class labels"),
    (["a", "b"], [0, 1], None, "integer class labels"),
    ([0, -1], [0, 1], None, r"y_true holds labels in \[-1, 0\]"),
    ([0, 5], [0, 1], ["a", "b", "c"], r"y_true holds labels in \[0, 5\], expected 0..2"),
])
def test_plot_confusion_matrix_errors(y_true, y_pred, class_names, message):
    with pytest.raises(ValueError, match=message):
        viz.plot_confusion_matrix(np.array(y_true), np.array(y_pred), class_names=class_names)


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


@pytest.mark.parametrize("kwargs, message", [
    (dict(ncols=0), "ncols must be an integer >= 1, received 0"),
    (dict(max_maps=2.5), "max_maps must be an integer >= 1, received 2.5"),
    (dict(size=0), r"size must be a number in \(0, inf\], received 0"),
])
def test_feature_maps_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.feature_maps(np.zeros((4, 4, 3)), **kwargs)
