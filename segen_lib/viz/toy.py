"""Figures for toy GANs: curves over x, 1-D histograms with D(x), 2-D sample scatters.

Introduced in ``notebooks/03_gan_theory.ipynb``. Every function returns a matplotlib
Figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from segen_lib import checks


def _grid(count: int, ncols: int, size: float):
    if count == 0:
        raise ValueError("nothing to show: received 0 snapshots.")
    size = checks.number(size, "size", minimum=0, include_minimum=False)
    ncols = min(checks.positive_int(ncols, "ncols"), count)
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * 0.8 * nrows + 0.3),
                             squeeze=False)
    for ax in axes.flat[count:]:
        fig.delaxes(ax)
    return fig, axes.flat[:count]


def curves(x, ys: Mapping[str, Sequence[float]], xlabel: str = "x", ylabel: str = "",
           title: str | None = None, logx: bool = False, logy: bool = False) -> Figure:
    """Plot several functions of the same ``x`` on one axis, with a legend.

    Args:
        x: the common abscissa, shape ``(n,)``.
        ys: ``{label: values}``, each of shape ``(n,)``; a label starting with ``"--"``
            is drawn dashed (the prefix is not shown).
        xlabel, ylabel, title: axis labels and title.
        logx, logy: logarithmic axes.

    Returns:
        The matplotlib Figure.

    Example:
        >>> fig = curves([0, 1], {"a": [0, 1], "--b": [1, 0]})
        >>> len(fig.axes[0].lines)
        2
    """
    x = np.asarray(x)
    if not isinstance(ys, Mapping) or not ys:
        raise ValueError(f"ys must be a non-empty mapping label -> values, received {type(ys).__name__}.")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for label, values in ys.items():
        values = np.asarray(values)
        if values.shape != x.shape:
            raise ValueError(f"curve {label!r} has shape {values.shape}, expected {x.shape} like x.")
        dashed = label.startswith("--")
        ax.plot(x, values, "--" if dashed else "-", label=label[2:] if dashed else label)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def gan_1d_panels(x, data_density, steps: Sequence[int], samples: Sequence, d_values: Sequence,
                  ncols: int = 3, bins: int = 60, size: float = 3.2) -> Figure:
    r"""One panel per training snapshot of a 1-D GAN: histogram of G's samples, p_data and D(x).

    Args:
        x: grid of shape ``(n,)`` on which ``data_density`` and ``d_values`` are given.
        data_density: :math:`p_{data}(x)` on the grid, shape ``(n,)``.
        steps: the training step of each snapshot.
        samples: per snapshot, the generator's samples (any shape, flattened).
        d_values: per snapshot, :math:`D(x)` in [0, 1] on the grid, shape ``(n,)``.
        ncols: panels per row.
        bins: histogram bins over the range of ``x``.
        size: inches per panel.

    Returns:
        The matplotlib Figure; each panel has a second y-axis for D(x) from 0 to 1.

    Example:
        >>> x = np.linspace(-3, 3, 50)
        >>> density = np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)
        >>> samples = [np.random.default_rng(step).normal(size=100) for step in (0, 10)]
        >>> fig = gan_1d_panels(x, density, [0, 10], samples, [np.full(50, 0.5)] * 2)
        >>> len(fig.axes), [ax.get_title() for ax in fig.axes[:2]]   # 2 panels + 2 axes for D(x)
        (4, ['step 0', 'step 10'])
    """
    bins = checks.positive_int(bins, "bins")
    x = np.asarray(x)
    data_density = np.asarray(data_density)
    if data_density.shape != x.shape:
        raise ValueError(f"data_density must have shape {x.shape} like x, received {data_density.shape}.")
    if not len(steps) == len(samples) == len(d_values):
        raise ValueError("steps, samples and d_values must have one entry per snapshot, received "
                         f"{len(steps)}, {len(samples)} and {len(d_values)}.")
    fig, axes = _grid(len(steps), ncols, size)
    edges = np.linspace(x.min(), x.max(), bins + 1)
    handles = []
    for ax, step, fake, d in zip(axes, steps, samples, d_values):
        d = np.asarray(d).reshape(-1)
        if d.shape != x.shape:
            raise ValueError(f"d_values entries must have shape {x.shape} like x, received {d.shape}.")
        *_, bars = ax.hist(np.asarray(fake).reshape(-1), bins=edges, density=True,
                           color="tab:orange", alpha=0.6)
        (data_line,) = ax.plot(x, data_density, color="tab:blue")
        twin = ax.twinx()
        (d_line,) = twin.plot(x, d, color="tab:green")
        twin.axhline(0.5, color="gray", lw=0.8, ls=":")
        twin.set_ylim(0, 1)
        ax.set_title(f"step {step}", fontsize=9)
        handles = [bars, data_line, d_line]
    fig.legend(handles, ["generator samples", "$p_{data}(x)$", "D(x) (right axis)"],
               loc="lower center", ncol=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def scatter_panels(samples: Sequence, titles: Sequence[str], centres=None, ncols: int = 5,
                   limit: float | None = None, size: float = 2.6) -> Figure:
    """One 2-D scatter per snapshot (e.g. a generator's samples over training).

    Args:
        samples: per panel, points of shape ``(num_samples, 2)``.
        titles: one title per panel (e.g. ``"step 500: 3 modes"``).
        centres: optional mode centres ``(num_modes, 2)``, drawn as crosses.
        ncols: panels per row.
        limit: axes span ``[-limit, limit]``; default: from the data.
        size: inches per panel.

    Returns:
        The matplotlib Figure.

    Example:
        >>> points = [np.zeros((10, 2)), np.ones((10, 2))]
        >>> fig = scatter_panels(points, ["step 0", "step 100"], centres=[[0.0, 0.0]], limit=3)
        >>> [ax.get_title() for ax in fig.axes], fig.axes[0].get_xlim() == (-3, 3)
        (['step 0', 'step 100'], True)
    """
    if limit is not None:
        limit = checks.number(limit, "limit", minimum=0, include_minimum=False)
    if len(samples) != len(titles):
        raise ValueError(f"received {len(samples)} sample sets but {len(titles)} titles.")
    fig, axes = _grid(len(samples), ncols, size / 0.8)
    for ax, points, title in zip(axes, samples, titles):
        points = np.asarray(points)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"each sample set must have shape (num_samples, 2), received {points.shape}.")
        ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.3, color="tab:orange")
        if centres is not None:
            centres_array = np.asarray(centres)
            ax.scatter(centres_array[:, 0], centres_array[:, 1], marker="x", color="tab:blue", s=30)
        if limit is not None:
            ax.set_xlim(-limit, limit)
            ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
