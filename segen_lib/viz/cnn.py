"""Figures for classifiers: the confusion matrix and a convolution layer's feature maps.

Introduced in ``notebooks/01_cnn_basics.ipynb`` (the Fashion-MNIST classifier).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from segen_lib import checks
from segen_lib.metrics.segmentation import confusion_matrix
from segen_lib.viz.images import panel_grid

__all__ = ["plot_confusion_matrix", "feature_maps"]


def plot_confusion_matrix(y_true, y_pred, class_names: Sequence[str] | None = None,
                          normalize: bool = True, title: str | None = None, size: float = 5.0) -> Figure:
    r"""Draw the confusion matrix of a classifier (counted by :func:`segen_lib.metrics.confusion_matrix`).

    Rows are true classes, columns predicted ones, so the diagonal holds the correct
    predictions. With ``normalize=True`` each row is divided by its total, so the
    diagonal shows the recall of each class, :math:`C_{ii} / \sum_j C_{ij}`.

    Args:
        y_true: ``(n,)`` integer labels.
        y_pred: ``(n,)`` integer predicted labels (take ``argmax`` of scores first).
        class_names: one name per class (sets the number of classes); default
            ``0 .. max label``.
        normalize: show row fractions instead of counts.
        title: figure title; default reports the overall accuracy.
        size: width of the figure in inches.

    Returns:
        The matplotlib Figure; the counts ``(num_classes, num_classes)`` are in
        ``fig.counts`` as well.

    Example:
        >>> fig = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 0, 2], class_names=["a", "b", "c"])
        >>> fig.counts.tolist(), fig.axes[0].get_title()
        ([[1, 0, 0], [1, 1, 0], [0, 0, 1]], 'accuracy 75.0%')
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.size == 0:
        raise ValueError("y_true is empty: there is no confusion matrix to draw.")
    size = checks.number(size, "size", minimum=0, include_minimum=False)
    if class_names is not None:
        names = [str(name) for name in class_names]
    else:  # classes 0 .. the largest label seen; confusion_matrix says what is wrong with others
        labels = np.concatenate([y_true, y_pred])
        numeric = labels.dtype.kind in "iub" or (labels.dtype.kind == "f" and np.isfinite(labels).all())
        names = [str(i) for i in range(int(labels.max()) + 1 if numeric and labels.max() >= 0 else 1)]
    num_classes = len(names)
    counts = confusion_matrix(y_true, y_pred, num_classes=num_classes)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    for i in range(num_classes):
        for j in range(num_classes):
            value = f"{shown[i, j]:.2f}" if normalize else f"{shown[i, j]:d}"
            if counts[i, j]:
                dark = shown[i, j] > 0.6 * (1 if normalize else shown.max())
                ax.text(j, i, value, ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
    ax.set_xticks(range(num_classes), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(num_classes), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(counts) / counts.sum()
    ax.set_title(title or f"accuracy {accuracy:.1%}")
    fig.tight_layout()
    fig.counts = counts
    return fig


def feature_maps(maps, ncols: int = 8, max_maps: int = 32, title: str | None = None,
                 size: float = 1.1) -> Figure:
    """Show the channels of one image's activations, each scaled to its own range.

    Args:
        maps: ``(height, width, channels)`` activations of one image (or
            ``(1, height, width, channels)``).
        ncols: maps per row.
        max_maps: show at most this many channels (the first ones).
        title: figure title.
        size: inches per map.

    Returns:
        The matplotlib Figure, one panel per channel, titled with its index.

    Example:
        >>> fig = feature_maps(np.zeros((8, 8, 5)), ncols=4)
        >>> [ax.get_title() for ax in fig.axes]
        ['0', '1', '2', '3', '4']
    """
    array = np.asarray(maps, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError("maps must have shape (height, width, channels) or (1, height, width, "
                         f"channels), received shape {np.shape(maps)}.")
    ncols = checks.positive_int(ncols, "ncols")
    max_maps = checks.positive_int(max_maps, "max_maps")
    size = checks.number(size, "size", minimum=0, include_minimum=False)
    count = min(array.shape[-1], max_maps)
    fig, axes = panel_grid(count, ncols, size, has_title=bool(title))
    for index, ax in enumerate(axes):
        ax.imshow(array[..., index], cmap="viridis")
        ax.set_title(str(index), fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
