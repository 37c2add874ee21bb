"""Figures for classifiers: the confusion matrix and a convolution layer's feature maps.

Introduced in ``notebooks/01_cnn_basics.ipynb`` (the Fashion-MNIST classifier).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from segen_lib.metrics.segmentation import confusion_matrix as metrics_confusion_matrix
from segen_lib.viz.images import panel_grid


def confusion_counts(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Count how often class ``i`` (true) was predicted as class ``j``.

    Args:
        y_true: ``(n,)`` integer labels.
        y_pred: ``(n,)`` integer predicted labels (take ``argmax`` of scores first).
        num_classes: number of classes; default ``max(label) + 1``.

    Returns:
        ``(num_classes, num_classes)`` int64 array; rows are true classes, columns
        predicted ones, so the diagonal holds the correct predictions.

    Example:
        >>> confusion_counts([0, 1, 1], [0, 1, 0]).tolist()
        [[1, 0], [1, 1]]
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, received {len(y_true)} "
                         f"and {len(y_pred)}.")
    if y_true.size == 0:
        raise ValueError("y_true is empty: nothing to count.")
    if not (np.issubdtype(y_true.dtype, np.integer) and np.issubdtype(y_pred.dtype, np.integer)):
        raise ValueError("y_true and y_pred must hold integer class labels, received dtypes "
                         f"{y_true.dtype} and {y_pred.dtype} (take argmax of scores first).")
    if min(y_true.min(), y_pred.min()) < 0:
        raise ValueError("class labels must be >= 0.")
    largest = int(max(y_true.max(), y_pred.max()))
    if num_classes is None:
        num_classes = largest + 1
    elif largest >= num_classes:
        raise ValueError(f"found label {largest}, which does not fit num_classes={num_classes}.")
    return metrics_confusion_matrix(y_true, y_pred, num_classes)


def confusion_matrix(y_true, y_pred, class_names: Sequence[str] | None = None,
                     normalize: bool = True, title: str | None = None, size: float = 5.0) -> Figure:
    r"""Draw the confusion matrix of a classifier.

    With ``normalize=True`` each row is divided by its total, so the diagonal shows
    the recall of each class, :math:`C_{ii} / \sum_j C_{ij}`.

    Args:
        y_true: ``(n,)`` integer labels.
        y_pred: ``(n,)`` integer predicted labels.
        class_names: one name per class (sets the number of classes); default
            ``0 .. max label``.
        normalize: show row fractions instead of counts.
        title: figure title; default reports the overall accuracy.
        size: width of the figure in inches.

    Returns:
        The matplotlib Figure; the counts are in ``fig.counts`` as well.
    """
    num_classes = len(class_names) if class_names is not None else None
    counts = confusion_counts(y_true, y_pred, num_classes)
    num_classes = len(counts)
    names = list(class_names) if class_names is not None else [str(i) for i in range(num_classes)]
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
    """
    array = np.asarray(maps, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError("maps must have shape (height, width, channels) or (1, height, width, "
                         f"channels), received shape {np.shape(maps)}.")
    if ncols < 1 or max_maps < 1:
        raise ValueError(f"ncols and max_maps must be >= 1, received {ncols} and {max_maps}.")
    count = min(array.shape[-1], max_maps)
    fig, axes = panel_grid(count, ncols, size, has_title=bool(title))
    for index, ax in enumerate(axes):
        ax.imshow(array[..., index], cmap="viridis")
        ax.set_title(str(index), fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
