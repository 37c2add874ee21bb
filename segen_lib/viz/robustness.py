"""Robustness figures (introduced in ``notebooks/06_driving_scenes.ipynb``)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def robustness_curves(tables: Mapping[str, Mapping[str, list[float]]], ncols: int = 3,
                      size: float = 2.6) -> Figure:
    """Mean IoU against severity, one panel per corruption, one line per model.

    Args:
        tables: ``{model name: table}``, each table as
            :func:`segen_lib.metrics.robustness.corruption_iou` returns it
            (``{"clean": [iou], corruption: [iou at severity 1, 2, 3], ...}``); severity 0
            is the clean score.
        ncols: panels per row.
        size: inches per panel.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: no table, or a table without a ``"clean"`` entry or any corruption.

    Example:
        >>> fig = robustness_curves({"plain": {"clean": [0.9], "fog": [0.7, 0.5, 0.3]}})
        >>> len(fig.axes[0].lines), fig.axes[0].get_title()
        (1, 'fog')
    """
    if not isinstance(tables, Mapping) or not tables:
        raise ValueError("tables must be a non-empty mapping {model name: corruption_iou table}, "
                         f"received {tables!r}.")
    for name, table in tables.items():
        if "clean" not in table or len(table) < 2:
            raise ValueError(f"table {name!r} must hold 'clean' and at least one corruption, "
                             f"received keys {list(table)}: make it with corruption_iou(...).")
    corruptions = [key for key in next(iter(tables.values())) if key != "clean"]
    nrows = -(-len(corruptions) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * 0.8 * nrows), squeeze=False,
                             sharey=True)
    for ax, corruption in zip(axes.ravel(), corruptions):
        for name, table in tables.items():
            values = [table["clean"][0], *table[corruption]]
            ax.plot(np.arange(len(values)), values, "o-", label=name)
        ax.set_title(corruption)
        ax.set_xticks(range(len(values)))
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(corruptions):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("mean IoU")
    for ax in axes[-1]:
        ax.set_xlabel("severity (0 = clean)")
    axes.ravel()[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
