"""Robustness of a segmenter: mean IoU under corruptions at graded severities.

Introduced in ``notebooks/06_driving_scenes.ipynb``. The protocol of Hendrycks and
Dietterich (2019, ImageNet-C) applied to segmentation: one trained model, one test set,
every corruption of :mod:`segen_lib.training_data.corruptions` at every severity; the score is the
mean IoU on each corrupted copy, and the summary is its mean over all corruptions and
severities (the segmentation counterpart of ImageNet-C's mean corruption accuracy).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segen_lib import checks
from segen_lib.metrics.segmentation import mean_iou
from segen_lib.training_data.corruptions import CORRUPTIONS, SEVERITIES, corrupt


def predict_labels(model, images, batch_size: int = 128) -> np.ndarray:
    """Class ids ``(batch, height, width)`` predicted by a segmenter: argmax of its output.

    Args:
        model: a Keras model mapping ``(batch, height, width, channels)`` images to
            ``(batch, height, width, num_classes)`` scores (probabilities or logits), or
            one sigmoid channel for binary segmentation (thresholded at 0.5).
        images: a batch of images for it.
        batch_size: images per forward pass.

    Returns:
        int64 ``(batch, height, width)`` array.

    Raises:
        ValueError: a ``model`` without ``predict``, or a bad ``batch_size``.
    """
    batch_size = checks.positive_int(batch_size, "batch_size")
    if not callable(getattr(model, "predict", None)):
        raise ValueError(f"model must be a Keras model (with predict), received {type(model).__name__}.")
    scores = np.asarray(model.predict(images, batch_size=batch_size, verbose=0))
    if scores.shape[-1] == 1:
        return (scores[..., 0] > 0.5).astype(np.int64)
    return scores.argmax(-1)


def corruption_iou(model, images, masks, num_classes: int,
                   corruptions: Sequence[str] = CORRUPTIONS, seed: int = 0, batch_size: int = 128) -> dict[str, list[float]]:
    """Mean IoU of ``model`` on clean and corrupted copies of one test set.

    Args:
        model: a segmenter, as :func:`predict_labels` takes it.
        images: ``(batch, height, width, channels)`` test images, floats in [0, 1].
        masks: ``(batch, height, width)`` class ids (255 = ignore).
        num_classes: number of classes of the model's output.
        corruptions: names from :data:`segen_lib.training_data.CORRUPTIONS`; each is applied at
            every severity of :data:`segen_lib.training_data.SEVERITIES` (1, 2, 3).
        seed: seed of the corruptions' random parts (the same for every model compared).
        batch_size: images per forward pass.

    Returns:
        ``{"clean": [iou], corruption: [iou at each severity], ...}``.

    Raises:
        ValueError: bad images (see :func:`segen_lib.training_data.corrupt`), no or an
            unknown corruption, masks that do not fit ``num_classes``.

    Example:
        >>> import keras
        >>> from segen_lib.synthetic import make_road_scenes
        >>> images, masks = make_road_scenes(2, image_size=(16, 32))
        >>> model = keras.Sequential([keras.Input((16, 32, 3)), keras.layers.Conv2D(19, 1)])
        >>> table = corruption_iou(model, images, masks, 19, corruptions=["fog"])
        >>> list(table), len(table["fog"])
        (['clean', 'fog'], 3)
    """
    num_classes = checks.positive_int(num_classes, "num_classes")
    seed = checks.integer(seed, "seed", minimum=0)
    if isinstance(corruptions, str) or not len(corruptions):
        raise ValueError(f"corruptions must be a non-empty list of names from {CORRUPTIONS}, received "
                         f"{corruptions!r}: e.g. corruptions=['fog'].")
    for name in corruptions:
        checks.one_of(name, "corruption", CORRUPTIONS)
    # every corrupted copy in one forward pass: one call of predict instead of 19
    copies = [images] + [corrupt(images, name, severity, seed)
                         for name in corruptions for severity in SEVERITIES]
    labels = np.split(predict_labels(model, np.concatenate(copies), batch_size), len(copies))
    scores = iter(mean_iou(masks, predicted, num_classes) for predicted in labels)
    table = {"clean": [next(scores)]}
    for name in corruptions:
        table[name] = [next(scores) for _ in SEVERITIES]
    return table


def mean_corruption_iou(table: dict[str, list[float]]) -> float:
    """Mean IoU over every corruption and severity of a :func:`corruption_iou` table.

    Raises:
        ValueError: a table that is not ``{condition: [IoU, ...]}``, holds no corruption,
            or holds a value that is not an IoU in [0, 1] (NaN included).

    Example:
        >>> round(mean_corruption_iou({"clean": [0.9], "fog": [0.8, 0.6], "night": [0.7, 0.5]}), 4)
        0.65
    """
    if not isinstance(table, dict):
        raise ValueError(f"table must be what corruption_iou returns, {{condition: [IoU per severity]}}, "
                         f"received {type(table).__name__}.")
    values = [iou for name, row in table.items() if name != "clean" for iou in np.ravel(row)]
    if values and not all(isinstance(v, (int, float, np.number)) and 0 <= v <= 1 for v in values):
        raise ValueError(f"table must hold IoUs in [0, 1], received {values}: a NaN comes from a "
                         "test set whose masks hold no class the model knows.")
    if not values:
        raise ValueError(f"the table holds no corruption (keys {list(table)}): make it with "
                         "corruption_iou(model, images, masks, num_classes).")
    return float(np.mean(values))


def format_corruption_table(tables: dict[str, dict[str, list[float]]]) -> str:
    """A Markdown table comparing models: one row per corruption and severity.

    Args:
        tables: ``{model name: corruption_iou(...) table}``, all made with the same
            corruptions and severities.

    Returns:
        The table as Markdown text.

    Raises:
        ValueError: no table, a table that is not ``{condition: [IoU, ...]}``, or tables
            with other conditions or severities than the first one's.

    Example:
        >>> print(format_corruption_table({"plain": {"clean": [0.9], "fog": [0.5]}}))
        | condition | plain |
        |---|---:|
        | clean | 0.900 |
        | fog 1 | 0.500 |
        | **mean over corruptions** | **0.500** |
    """
    if not isinstance(tables, dict) or not tables:
        raise ValueError(f"tables must map model names to corruption_iou(...) tables, received "
                         f"{tables!r}: e.g. {{'plain': corruption_iou(model, images, masks, 19)}}.")
    names = list(tables)
    first = tables[names[0]]
    for name in names:
        table = tables[name]
        if not isinstance(table, dict) or any(np.ndim(row) != 1 for row in table.values()):
            raise ValueError(f"tables[{name!r}] must be a corruption_iou(...) table, "
                             "{condition: [IoU per severity]}, received "
                             f"{type(table).__name__}.")
        shape = {key: len(row) for key, row in table.items()}
        if shape != {key: len(row) for key, row in first.items()}:
            raise ValueError(f"tables[{name!r}] has conditions and severities {shape}, but "
                             f"tables[{names[0]!r}] has {({k: len(r) for k, r in first.items()})}: "
                             "make every table with the same corruptions and severities.")
    lines = ["| condition | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, row in first.items():
        for index in range(len(row)):
            label = key if key == "clean" else f"{key} {index + 1}"
            lines.append(f"| {label} | " + " | ".join(f"{tables[n][key][index]:.3f}" for n in names) + " |")
    lines.append("| **mean over corruptions** | "
                 + " | ".join(f"**{mean_corruption_iou(tables[n]):.3f}**" for n in names) + " |")
    return "\n".join(lines)
