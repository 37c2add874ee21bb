"""Figures of images, masks and training curves; every function returns a matplotlib Figure.

Introduced in ``notebooks/00_setup.ipynb`` (image grids),
``notebooks/01_cnn_basics.ipynb`` (training curves) and
``notebooks/02_unet_segmentation.ipynb`` (masks drawn over their images).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from segen_lib import checks


def as_images(images) -> np.ndarray:
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            "images must have shape (n, height, width), (n, height, width, 1) or "
            f"(n, height, width, 3), received shape {np.shape(images)}."
        )
    return array


def to_display(images, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Scale images to [0, 1] floats for display.

    Args:
        images: array of images; uint8 arrays are divided by 255.
        value_range: ``(low, high)`` of the input, e.g. ``(-1, 1)`` for GAN outputs;
            default: ``(0, 255)`` for uint8, else ``(0, 1)`` if the data lies there,
            else ``(-1, 1)`` if it lies there, else the data's own min and max.

    Returns:
        float32 array of the same shape, clipped to [0, 1].

    Example:
        >>> to_display(np.array([-1.0, 0.0, 1.0])).tolist()   # a GAN's tanh range
        [0.0, 0.5, 1.0]
    """
    array = np.asarray(images)
    if value_range is None:
        if array.dtype == np.uint8:
            value_range = (0.0, 255.0)
        elif array.size and array.min() >= 0 and array.max() <= 1:
            value_range = (0.0, 1.0)
        elif array.size and array.min() >= -1 and array.max() <= 1:
            value_range = (-1.0, 1.0)
        else:
            low, high = (float(array.min()), float(array.max())) if array.size else (0.0, 1.0)
            value_range = (low, high if high > low else low + 1.0)
    low, high = value_range
    low = checks.number(low, "value_range's low")
    if not checks.number(high, "value_range's high") > low:
        raise ValueError(f"value_range must be (low, high) with high > low, received {value_range}.")
    return np.clip((array.astype(np.float32) - low) / (high - low), 0.0, 1.0)


def panel_grid(count: int, ncols: int, size: float, has_title: bool = False, aspect: float = 1.0):
    """A figure with ``count`` axis-free panels, ``ncols`` per row; unused cells removed.

    Each panel is ``size`` inches wide and ``size * aspect`` high (``aspect``: height over
    width of what it shows, > 0).

    Returns:
        ``(figure, axes)`` with ``axes`` a list of ``count`` matplotlib Axes.

    Example:
        >>> fig, axes = panel_grid(5, ncols=3, size=1.0)
        >>> len(axes), len(fig.axes)
        (5, 5)
    """
    count = checks.positive_int(count, "count")
    size = checks.number(size, "size", minimum=0, include_minimum=False)
    aspect = checks.number(aspect, "aspect", minimum=0, include_minimum=False)
    ncols = min(checks.positive_int(ncols, "ncols"), count)
    nrows = -(-count // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(size * ncols, size * aspect * nrows + (0.3 if has_title else 0)),
                             squeeze=False)
    for ax in grid.flat:
        ax.axis("off")
    for ax in grid.flat[count:]:
        fig.delaxes(ax)
    return fig, list(grid.flat[:count])


def image_grid(images, titles: Sequence[str] | None = None, ncols: int = 8,
               value_range: tuple[float, float] | None = None, cmap: str = "gray",
               size: float = 1.2, suptitle: str | None = None) -> Figure:
    """Show images in a grid.

    Args:
        images: ``(n, height, width)`` or ``(n, height, width, channels)`` with 1 or 3
            channels; any value range (see :func:`to_display`).
        titles: one short title per image, or ``None``.
        ncols: images per row.
        value_range: passed to :func:`to_display`.
        cmap: colour map for single-channel images.
        size: inches per image, across (images wider than high get panels of their shape).
        suptitle: title of the whole figure.

    Returns:
        The matplotlib Figure.

    Example:
        >>> fig = image_grid(np.zeros((4, 28, 28)), ncols=2)
        >>> len(fig.axes)
        4
    """
    array = to_display(as_images(images), value_range)
    count = len(array)
    if count == 0:
        raise ValueError("images is empty: nothing to show.")
    ncols = checks.positive_int(ncols, "ncols")
    if titles is not None and len(titles) != count:
        raise ValueError(f"got {len(titles)} titles for {count} images.")
    # wide images (road scenes, 1:2) get panels of their shape, not squares with bands of white
    aspect = array.shape[1] / array.shape[2]
    if aspect < 1:
        aspect += 0.2 / size if titles is not None else 0.0     # room for each panel's title
    fig, axes = panel_grid(count, ncols, size, has_title=bool(suptitle), aspect=min(aspect, 1.0))
    for index, ax in enumerate(axes):
        ax.imshow(array[index], cmap=cmap if array.ndim == 3 else None, vmin=0, vmax=1)
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def training_curves(history, keys: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Plot training curves: each metric with its ``val_`` twin on one axis.

    Args:
        history: a ``keras.callbacks.History`` or a mapping ``{name: [value per epoch]}``.
        keys: metric names to plot (without ``val_``); default: every non-``val_`` key.
        title: figure title.

    Returns:
        The matplotlib Figure, one panel per metric.

    Example:
        >>> fig = training_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
        >>> fig.axes[0].get_title(), len(fig.axes[0].lines)
        ('loss', 2)
    """
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not logs:
        raise ValueError("history must be a keras History or a non-empty mapping of name -> values, "
                         f"received {type(history).__name__}.")
    if keys is None:
        keys = [k for k in logs if not k.startswith("val_")]
    missing = [k for k in keys if k not in logs]
    if missing:
        raise ValueError(f"unknown metric(s) {missing}; available: {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        epochs = np.arange(1, len(logs[key]) + 1)
        ax.plot(epochs, logs[key], marker="o", ms=3, label="train")
        if f"val_{key}" in logs:
            ax.plot(epochs, logs[f"val_{key}"], marker="o", ms=3, label="validation")
            ax.legend()
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _class_colors(num_classes: int) -> np.ndarray:
    """``(max(num_classes, 2), 4)`` RGBA colours: row ``k`` is the colour of class ``k``."""
    count = max(num_classes, 2)
    return plt.get_cmap("tab20" if num_classes > 10 else "tab10", count)(np.arange(count))


def _class_names(class_names, present: Sequence[int]) -> list[str]:
    """The legend label of each class in ``present``: its name, or ``"class k"`` without names."""
    if class_names is None:
        return [f"class {k}" for k in present]
    if isinstance(class_names, (str, bytes)) or not isinstance(class_names, (Sequence, np.ndarray)):
        raise ValueError("class_names must be a sequence of names indexed by class id (0: background), "
                         f"received {class_names!r}.")
    if present and present[-1] >= len(class_names):
        raise ValueError(f"class_names has {len(class_names)} names (class ids 0..{len(class_names) - 1}), "
                         f"but the masks or predictions hold class {present[-1]}: give one name per "
                         "class id, background (0) first.")
    return [str(class_names[k]) for k in present]


def _label_maps(values, name: str, shape: tuple) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape} to match images, received {array.shape}.")
    checks.finite(array, name)
    if array.dtype.kind == "f" and np.any(array != np.round(array)):
        raise ValueError(f"{name} must hold integer class ids, received fractions: take argmax(axis=-1) "
                         "of class probabilities (or threshold at 0.5) first.")
    if array.size and array.min() < 0:
        raise ValueError(f"{name} must hold class ids >= 0 (0: background), received {array.min()}.")
    return array.astype(np.int64)


def mask_overlay(images, masks, predictions=None, num_classes: int | None = None,
                 titles: Sequence[str] | None = None, alpha: float = 0.5, size: float = 2.0,
                 class_names: Sequence[str] | None = None, suptitle: str | None = None) -> Figure:
    """Show images beside their masks (and predicted masks), one row per image, with a legend.

    Introduced in ``notebooks/02_unet_segmentation.ipynb``. Class ``k`` is drawn in colour
    ``k`` of a ``tab10`` (``tab20`` above 10 classes) colour map; class 0 (background) is
    not drawn. The legend, on the right, lists the classes present in the masks and
    predictions shown, each in the colour it is drawn in.

    Args:
        images: ``(n, height, width)`` or ``(n, height, width, channels)``, any value
            range (see :func:`to_display`).
        masks: ``(n, height, width)`` integer class maps (0 = background) or
            ``(n, height, width, 1)`` binary masks.
        predictions: optional array shaped like ``masks``.
        num_classes: number of classes for the colour map (default: the length of
            ``class_names``, else from the data); labels must lie in ``0..num_classes-1``.
        titles: one title per row.
        alpha: opacity in [0, 1] of the mask drawn over the image.
        size: inches per panel.
        class_names: names indexed by class id, background (0) first, e.g.
            ``data.DIGIT_CLASS_NAMES``; default: ``"class k"`` in the legend.
        suptitle: title of the whole figure (say what to look for).

    Returns:
        The matplotlib Figure, one row per image; columns: the image, the mask drawn
        over it [, the prediction drawn over it]; ``fig.legends[0]``: the classes
        present (no legend when every pixel is background).

    Raises:
        ValueError: masks or predictions of another shape than the images, negative or
            fractional labels, labels of ``num_classes`` or more, fewer ``class_names``
            than the largest class present needs, a bad ``num_classes``, ``alpha`` or ``size``.

    Example:
        >>> masks = np.zeros((2, 16, 16), int)
        >>> masks[:, 4:8, 4:8] = 3
        >>> fig = mask_overlay(np.zeros((2, 16, 16)), masks, predictions=masks, num_classes=11)
        >>> [ax.get_title() for ax in fig.axes[:3]]
        ['image', 'mask', 'prediction']
        >>> [text.get_text() for text in fig.legends[0].get_texts()]
        ['class 3']
        >>> names = ["background"] + [str(d) for d in range(10)]
        >>> fig = mask_overlay(np.zeros((2, 16, 16)), masks, class_names=names)
        >>> [text.get_text() for text in fig.legends[0].get_texts()]
        ['2']
    """
    if num_classes is not None:
        num_classes = checks.positive_int(num_classes, "num_classes")
    alpha = checks.number(alpha, "alpha", minimum=0, maximum=1)
    size = checks.number(size, "size", minimum=0, include_minimum=False)
    shown = to_display(as_images(images))
    masks = _label_maps(masks, "masks", shown.shape[:3])
    panels = [("image", None), ("mask", masks)]
    if predictions is not None:
        panels.append(("prediction", _label_maps(predictions, "predictions", masks.shape)))
    drawn = np.concatenate([labels.ravel() for _, labels in panels[1:]])
    present = [int(k) for k in np.unique(drawn) if k != 0]
    legend_labels = _class_names(class_names, present)
    classes = num_classes or (len(class_names) if class_names is not None else
                              max(int(drawn.max(initial=0)), 1) + 1)
    if drawn.size and drawn.max() >= classes:
        raise ValueError(f"the masks or predictions hold class {drawn.max()}, but num_classes={classes} "
                         f"allows 0..{classes - 1}: pass num_classes={drawn.max() + 1} or more.")
    colors = _class_colors(classes)
    title_height = 0.3 * (1 + suptitle.count("\n")) if suptitle else 0.0
    fig, axes = plt.subplots(len(shown), len(panels), squeeze=False,
                             figsize=(size * len(panels), size * len(shown) + title_height))
    for row in range(len(shown)):
        for col, (name, labels) in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(shown[row], cmap="gray" if shown.ndim == 3 else None, vmin=0, vmax=1)
            if labels is not None:
                layer = colors[labels[row]]
                layer[..., 3] = np.where(labels[row] == 0, 0.0, alpha)
                ax.imshow(layer, interpolation="nearest")
            ax.axis("off")
            if row == 0:
                ax.set_title(name)
        if titles is not None:
            axes[row, 0].set_title(str(titles[row]) if row else f"image\n{titles[row]}", fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    if present:
        _place_legend(fig, [Patch(facecolor=colors[k], edgecolor="none", label=label)
                            for k, label in zip(present, legend_labels)], width=1.4)
    else:
        fig.tight_layout()
    return fig


def _place_legend(fig: Figure, handles: list, width: float, title: str = "class"):
    """Widen ``fig`` by ``width`` inches per legend column and put a legend of ``handles`` there, on the right."""
    panels_width, height = fig.get_size_inches()
    columns = -(-len(handles) // max(1, int(height / 0.25) - 1))     # entries of 0.25 in, and the title
    fig.set_size_inches(panels_width + width * columns, height)
    share = panels_width / (panels_width + width * columns)
    fig.tight_layout(rect=(0, 0, share, 1))
    return fig.legend(handles=handles, loc="center left", bbox_to_anchor=(share, 0.5), frameon=False,
                      fontsize=8, title=title, ncols=columns)


def class_legend(fig: Figure, label_maps, class_names: Sequence[str] | None = None, palette=None,
                 ignore_label: int | None = 255, title: str = "class", width: float = 1.6):
    """Add to ``fig`` a legend of the classes present in colour-coded label maps.

    For figures that show label maps painted with :func:`segen_lib.label_spaces.colorize` (chapters
    05, 07 and 08): the figure is widened and the legend, on the right,
    lists each class present in ``label_maps`` in its palette colour, plus ``"ignore
    (255)"`` in black when ignored pixels are present (``colorize`` paints them black).

    Args:
        fig: the figure showing the maps (e.g. from :func:`image_grid`).
        label_maps: integer class ids, any shape, or a list of such arrays (e.g. the true
            and the predicted maps shown), in ``0..len(palette) - 1`` or ``ignore_label``.
        class_names: one name per palette row; default: the 19 Cityscapes train-id names
            (``data.CITYSCAPES_CLASS_NAMES``).
        palette: ``(num_classes, 3)`` RGB colours in 0..255, as given to ``colorize``;
            default: ``data.CITYSCAPES_PALETTE``.
        ignore_label: the id drawn black and listed as ignored, or ``None`` for none.
        title: the legend's title.
        width: inches added on the right per legend column, > 0 (a figure too low for
            every entry in one column gets more columns).

    Returns:
        The matplotlib Legend (``fig.legends[-1]``).

    Raises:
        ValueError: fractional ids, ids outside the palette (other than ``ignore_label``),
            a palette not shaped ``(num_classes, 3)``, or not one name per palette row.

    Example:
        >>> fig = image_grid(np.zeros((1, 8, 8, 3)))
        >>> legend = class_legend(fig, np.array([[0, 13], [255, 13]]))
        >>> [text.get_text() for text in legend.get_texts()]
        ['road', 'car', 'ignore (255)']
    """
    from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES, CITYSCAPES_PALETTE

    palette = np.asarray(CITYSCAPES_PALETTE if palette is None else palette)
    if palette.ndim != 2 or palette.shape[1] != 3:
        raise ValueError(f"palette must have shape (num_classes, 3), received {palette.shape}.")
    names = list(CITYSCAPES_CLASS_NAMES if class_names is None else class_names)
    if len(names) != len(palette):
        raise ValueError(f"class_names must hold one name per palette row ({len(palette)}), "
                         f"received {len(names)} names.")
    width = checks.number(width, "width", minimum=0, include_minimum=False)
    maps = label_maps if isinstance(label_maps, (list, tuple)) else [label_maps]
    ids = np.concatenate([np.ravel(np.asarray(m)) for m in maps]) if maps else np.zeros(0)
    checks.finite(ids, "label_maps")
    if ids.dtype.kind == "f" and np.any(ids != np.round(ids)):
        raise ValueError("label_maps must hold class ids (whole numbers), received fractions: take "
                         "argmax(axis=-1) of predicted probabilities first.")
    present = np.unique(ids.astype(np.int64))
    ignored = ignore_label is not None and bool(np.any(present == ignore_label))
    present = present[present != ignore_label] if ignore_label is not None else present
    bad = present[(present < 0) | (present >= len(palette))]
    if bad.size:
        raise ValueError(f"label_maps hold ids {bad[:5].tolist()} outside the palette's 0..{len(palette) - 1}"
                         + (f" (and {ignore_label} = ignore)" if ignore_label is not None else "") + ".")
    handles = [Patch(facecolor=palette[k] / 255, edgecolor="none", label=names[k]) for k in present]
    if ignored:
        handles.append(Patch(facecolor="black", edgecolor="none", label=f"ignore ({ignore_label})"))
    return _place_legend(fig, handles, width, title)
