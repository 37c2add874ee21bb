"""Widgets for playing with a trained model, and the static figure they become without a front end.

Introduced in ``notebooks/08_image_to_image.ipynb`` (:class:`LayoutEditor`); chapter 02 adds
:class:`SegmentationExplorer` and chapter 04 :class:`LatentExplorer`. A widget needs a front
end (JupyterLab, Notebook, VS Code) to draw it; a notebook run headless (the test suite,
``make course``, the course site) has none, and there the same object shows a static
matplotlib figure of its current state (:mod:`segen_lib.viz.interactive`: the display
machinery the three share).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from segen_lib import checks
from segen_lib.label_spaces import colorize
from segen_lib.metrics import confusion_matrix, per_class_iou
from segen_lib.viz.images import as_images, class_legend, image_grid, panel_grid, to_display
from segen_lib.viz.interactive import InteractiveFigure, checked_class_names, class_picker, slider, to_numpy

__all__ = ["LayoutEditor", "SegmentationExplorer", "LatentExplorer"]


class LayoutEditor(InteractiveFigure):
    """Pick a label map, edit it with sliders, and see the scene a generator draws for it.

    Each change of a control calls ``edit(maps[layout], **values)`` for the edited map,
    then ``translate`` on it, and shows map and scene side by side. Displayed in a
    notebook (the last expression of a cell), it is an ``ipywidgets`` box of sliders over
    the two images; headless, the static figure of :meth:`figure`. Introduced in
    ``notebooks/08_image_to_image.ipynb``.

    Args:
        maps: ``(n, H, W)`` Cityscapes train ids: the layouts to pick from (a slider
            ``layout`` picks one).
        translate: maps ``(k, H, W)`` to scenes ``(k, H, W, 3)`` in [-1, 1] (e.g.
            :meth:`segen_lib.models.Pix2Pix.translate`).
        edit: ``edit(label_map, **values)`` returns the edited ``(H, W)`` map.
        controls: ``{name: (minimum, maximum, value)}`` for each keyword of ``edit``:
            an integer slider, or a float one if any of the three is a float.

    Raises:
        ValueError: no maps, a control whose value is outside its range or that is
            called ``layout``, or an ``edit`` that returns a map of another shape.

    Attributes:
        values: the current value of every control, ``layout`` included.
        label_map, scene: the edited map ``(H, W)`` and its scene ``(H, W, 3)`` in [-1, 1].
    """

    def __init__(self, maps, translate: Callable, edit: Callable,
                 controls: Mapping[str, tuple[float, float, float]]):
        self.maps = np.asarray(maps)
        if self.maps.ndim != 3 or not len(self.maps):
            raise ValueError(f"maps must be a non-empty (n, H, W) array of label maps, received shape "
                             f"{self.maps.shape}.")
        self.translate, self.edit = translate, edit
        self.controls = {}
        for name, spec in controls.items():
            if name == "layout":
                raise ValueError("'layout' is the editor's own control (which map): name yours otherwise.")
            low, high, value = spec
            checks.number(value, name, minimum=low, maximum=high)
            self.controls[name] = (low, high, value)
        super().__init__({"layout": 0, **{name: spec[2] for name, spec in self.controls.items()}})

    def _apply(self, values: dict) -> dict:
        values["layout"] = checks.integer(values["layout"], "layout", minimum=0, maximum=len(self.maps) - 1)
        base = self.maps[values["layout"]]
        edited = np.asarray(self.edit(base, **{k: v for k, v in values.items() if k != "layout"}))
        if edited.shape != base.shape:
            raise ValueError(f"edit returned a map of shape {edited.shape} for one of {base.shape}: "
                             "it must keep the map's size.")
        self.label_map, self.scene = edited, np.asarray(self.translate(edited[None]))[0]
        return values

    def _panels(self) -> np.ndarray:
        return np.stack([colorize(self.label_map) / 255.0, (self.scene + 1) / 2]).astype(np.float32)

    def figure(self, size: float = 3.0) -> Figure:
        """The current map and scene as a static figure, with a legend of the classes in the map."""
        settings = ", ".join(f"{name}={value}" for name, value in self.values.items())
        fig = image_grid(self._panels(), titles=["edited label map", "generated scene"], ncols=2,
                         size=size, value_range=(0, 1), suptitle=settings)
        class_legend(fig, self.label_map)
        return fig

    def _controls(self, ipywidgets) -> dict:
        sliders = {"layout": ipywidgets.IntSlider(value=self.values["layout"], min=0, max=len(self.maps) - 1,
                                                  description="layout")}
        for name, (low, high, _) in self.controls.items():
            sliders[name] = slider(ipywidgets, low, high, self.values[name], name)
        return sliders


def _binary_iou(truth: np.ndarray, predicted: np.ndarray) -> float:
    """IoU of the ``True`` pixels (``nan`` when neither array has any), from the confusion matrix."""
    return float(per_class_iou(confusion_matrix(truth.ravel(), predicted.ravel(), 2, ignore_index=None))[1])


def _iou_text(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.3f}"


# Hit, false alarm, miss: the colours of the prediction panel, and their legend.
_OUTCOMES = {"hit": (0.2, 0.8, 0.2), "false positive": (0.9, 0.2, 0.2), "missed": (0.2, 0.5, 1.0)}


class SegmentationExplorer(InteractiveFigure):
    r"""Pick a test scene, a class and a threshold; see the predicted mask and its IoU.

    The prediction of class :math:`c` at threshold :math:`t` is every pixel whose softmax
    probability :math:`p_c > t` (the argmax rule the chapter uses is another one: a pixel
    goes to its most probable class). Its IoU, :math:`TP / (TP + FP + FN)` against the true
    mask of :math:`c`, is computed on the scene shown and over all given scenes (with
    :func:`segen_lib.metrics.confusion_matrix`), next to the IoU of :math:`c` under the
    argmax rule. Displayed in a notebook (the last expression of a cell), it is an
    ``ipywidgets`` box (scene slider, class picker, threshold slider) over the figure;
    headless, the static figure of :meth:`figure`. Introduced in
    ``notebooks/02_unet_segmentation.ipynb``.

    Args:
        images: ``(n, H, W)``, ``(n, H, W, 1)`` or ``(n, H, W, 3)`` scenes, any value range.
        masks: ``(n, H, W)`` (or ``(n, H, W, 1)``) integer class ids in ``0..num_classes-1``.
        probabilities: ``(n, H, W, num_classes)`` softmax output in [0, 1], e.g.
            ``model.predict(images)``.
        class_names: ``num_classes`` distinct names indexed by class id (0: background),
            e.g. ``data.DIGIT_CLASS_NAMES``.
        class_id: the class picked first (default 1, the first after the background).
        threshold: the threshold set first, in [0, 1].

    Raises:
        ValueError: shapes that do not match, probabilities that are argmax ids or lie
            outside [0, 1], masks with labels outside the classes, a ``class_names`` of
            another length than the probabilities' classes, a ``class_id`` or
            ``threshold`` out of range (also from :meth:`update`).

    Attributes:
        values: ``{"scene", "class_id", "threshold"}``, the controls' current values.
        truth, probability, predicted: ``(H, W)`` true mask (bool), probability map and
            predicted mask (bool) of the picked class on the scene shown.
        iou_scene, iou_all: IoU of the picked class at the threshold on the scene shown
            and over all scenes (``nan`` where the class is neither true nor predicted).
        iou_argmax: IoU of the picked class over all scenes under the argmax rule.

    Example:
        >>> probabilities = np.zeros((1, 4, 4, 2), "float32")
        >>> probabilities[..., 0], probabilities[0, :2, :, 1] = 1.0, 0.8
        >>> masks = np.zeros((1, 4, 4), int); masks[0, :1] = 1
        >>> explorer = SegmentationExplorer(np.zeros((1, 4, 4)), masks, probabilities, ["sky", "tree"])
        >>> explorer.iou_all              # 4 true pixels of 8 predicted ones
        0.5
    """

    def __init__(self, images, masks, probabilities, class_names: Sequence[str], class_id: int = 1,
                 threshold: float = 0.5):
        self.images = as_images(images)
        self.probabilities = checks.finite(probabilities, "probabilities")
        shape = self.images.shape[:3]
        if self.probabilities.ndim != 4 or self.probabilities.shape[:3] != shape:
            hint = (": pass the softmax output (model.predict(images)), not its argmax"
                    if self.probabilities.shape == shape else "")
            raise ValueError(f"probabilities must have shape {shape + ('num_classes',)} to match images, "
                             f"received {self.probabilities.shape}{hint}.")
        if self.probabilities.min() < -1e-3 or self.probabilities.max() > 1 + 1e-3:
            low, high = self.probabilities.min(), self.probabilities.max()
            raise ValueError(f"probabilities must lie in [0, 1], received values in [{low:.3g}, {high:.3g}]: "
                             "apply a softmax to logits first.")
        self.class_names = checked_class_names(class_names)
        num_classes = self.probabilities.shape[-1]
        if len(self.class_names) != num_classes:
            raise ValueError(f"got {len(self.class_names)} class_names for probabilities of {num_classes} "
                             "classes: give one name per class id, background (0) first.")
        masks = checks.label_masks(masks, "masks", num_classes=max(num_classes, 2))
        self.masks = np.asarray(masks)[..., 0] if np.ndim(masks) == 4 else np.asarray(masks)
        if self.masks.shape != shape:
            raise ValueError(f"masks must have shape {shape} to match images, received {np.shape(masks)}.")
        argmax = self.probabilities.argmax(-1)
        self.argmax_ious = per_class_iou(confusion_matrix(self.masks, argmax, num_classes, ignore_index=None))
        super().__init__({"scene": 0, "class_id": class_id, "threshold": threshold})

    def _apply(self, values: dict) -> dict:
        scene = checks.integer(values["scene"], "scene", minimum=0, maximum=len(self.images) - 1)
        class_id = checks.integer(values["class_id"], "class_id", minimum=0, maximum=len(self.class_names) - 1)
        threshold = checks.number(values["threshold"], "threshold", minimum=0, maximum=1)
        predicted_all = self.probabilities[..., class_id] > threshold
        self.iou_all = _binary_iou(self.masks == class_id, predicted_all)
        self.truth, self.predicted = self.masks[scene] == class_id, predicted_all[scene]
        self.probability = self.probabilities[scene, ..., class_id]
        self.iou_scene = _binary_iou(self.truth, self.predicted)
        self.iou_argmax = float(self.argmax_ious[class_id])
        return {"scene": scene, "class_id": class_id, "threshold": threshold}

    def figure(self, size: float = 2.4) -> Figure:
        """The scene, the true mask, the probability map and the prediction (hits, false positives, misses)."""
        name, threshold = self.class_names[self.values["class_id"]], self.values["threshold"]
        scene = to_display(self.images[self.values["scene"]])
        grey = np.repeat(scene[..., None], 3, -1) if scene.ndim == 2 else scene[..., :3]
        outcome = np.array(grey) * 0.5
        for key, where in (("hit", self.truth & self.predicted), ("false positive", ~self.truth & self.predicted),
                           ("missed", self.truth & ~self.predicted)):
            outcome[where] = _OUTCOMES[key]
        fig, axes = panel_grid(4, ncols=4, size=size, has_title=True)
        axes[0].imshow(grey, vmin=0, vmax=1)
        axes[1].imshow(self.truth, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[2].imshow(self.probability, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        axes[3].imshow(outcome, interpolation="nearest")
        titles = [f"scene {self.values['scene']}", f"true mask of '{name}'", f"p('{name}'), 0 to 1",
                  f"p('{name}') > {threshold:.2f}"]
        for ax, title in zip(axes, titles):
            ax.set_title(title, fontsize=9)
        fig.legend(handles=[Patch(facecolor=color, label=key) for key, color in _OUTCOMES.items()],
                   loc="lower right", ncols=3, fontsize=8, frameon=False)
        fig.suptitle(f"IoU of '{name}' at threshold {threshold:.2f}: {_iou_text(self.iou_scene)} on this scene, "
                     f"{_iou_text(self.iou_all)} on all {len(self.images)} (argmax rule: "
                     f"{_iou_text(self.iou_argmax)})", fontsize=9)
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        return fig

    def _controls(self, ipywidgets) -> dict:
        return {"scene": slider(ipywidgets, 0, len(self.images) - 1, self.values["scene"], "scene"),
                "class_id": class_picker(ipywidgets, self.class_names, self.values["class_id"]),
                "threshold": slider(ipywidgets, 0.0, 1.0, self.values["threshold"], "threshold")}


class LatentExplorer(InteractiveFigure):
    r"""Move fixed noise along latent directions with sliders, and see what a generator draws.

    ``num_images`` noise vectors :math:`z_i \sim \mathcal{N}(0, I)` are drawn once (with
    ``seed``); slider :math:`j` sets :math:`t_j \in [-\text{extent}, \text{extent}]`, and the
    generator draws :math:`G(z_i + \sum_j t_j d_j)` for every :math:`i`, so each image shows
    the same move from its own starting point. The directions :math:`d_j` are unit vectors.
    By default they are random and orthonormal (the QR decomposition of a Gaussian matrix
    drawn with ``seed``): the prior :math:`\mathcal{N}(0, I)` is the same in every direction,
    so before any analysis of the generator no direction is special, and orthonormal ones
    move :math:`z` independently, by :math:`t_j` standard deviations of the prior each.
    Directions found by analysis (e.g. principal directions of many :math:`z`'s features,
    or the difference of two classes' mean :math:`z`) can be passed instead; they are scaled
    to unit length. With ``class_names`` the generator is conditional: a class picker sets
    the label of every image, so the grid shows samples of the picked class from the fixed
    noise. Displayed in a notebook (the last expression of a cell), it is an ``ipywidgets``
    box of sliders (and the class picker) over the images; headless, the static figure of
    :meth:`figure`. Introduced in ``notebooks/04_gan_training.ipynb``.

    Args:
        generator: maps noise ``(k, latent_dim)`` float32, or ``[noise, labels]`` with
            labels ``(k,)`` int32 when ``class_names`` is given, to images
            ``(k, H, W, C)`` in [-1, 1], C being 1 or 3: a Keras generator such as
            ``gan.averaged_generator()`` or ``build_generator(...)``.
        latent_dim: size of the noise vector.
        directions: how many random orthonormal directions (1 to ``latent_dim``), or
            an array ``(num_directions, latent_dim)`` of directions (no zero rows).
        class_names: names indexed by class id for a conditional generator; ``None``:
            an unconditional one.
        num_images: how many noise vectors (images shown).
        extent: each slider's range is ``[-extent, extent]`` (3: three standard
            deviations of the prior).
        seed: seed of the noise and of the random directions.

    Raises:
        ValueError: a bad ``latent_dim``, ``num_images``, ``extent`` or ``directions``
            (a count out of range, a shape other than ``(k, latent_dim)``, a zero row),
            a generator output that is not ``(num_images, H, W, 1 or 3)`` finite images,
            a slider value or class id out of range (from :meth:`update`).

    Attributes:
        values: ``{"direction_1", ..., "class_id"}`` (``class_id`` only when conditional).
        directions: ``(num_directions, latent_dim)`` unit vectors.
        base_noise, noise: ``(num_images, latent_dim)``, fixed and moved.
        labels: ``(num_images,)`` int32 class ids given to the generator, or ``None``.
        images: ``(num_images, H, W, C)`` the generator's current output.

    Example:
        >>> explorer = LatentExplorer(lambda z: np.tanh(z[:, :4]).reshape(-1, 2, 2, 1), latent_dim=8)
        >>> explorer.update(direction_1=1.5)
        >>> np.allclose(explorer.noise - explorer.base_noise, 1.5 * explorer.directions[0])
        True
    """

    def __init__(self, generator: Callable, latent_dim: int, directions=3,
                 class_names: Sequence[str] | None = None, num_images: int = 8, extent: float = 3.0,
                 seed: int = 0):
        self.generator = generator
        latent_dim = checks.positive_int(latent_dim, "latent_dim")
        self.num_images = checks.positive_int(num_images, "num_images")
        self.extent = checks.number(extent, "extent", minimum=0, include_minimum=False)
        rng = np.random.default_rng(seed)
        self.base_noise = rng.standard_normal((self.num_images, latent_dim)).astype(np.float32)
        if isinstance(directions, (int, np.integer)) and not isinstance(directions, bool):
            count = checks.integer(directions, "directions", minimum=1, maximum=latent_dim)
            directions = np.linalg.qr(rng.standard_normal((latent_dim, count)))[0].T
        directions = checks.finite(directions, "directions").astype(np.float64)
        if directions.ndim != 2 or directions.shape[1] != latent_dim or not len(directions):
            raise ValueError(f"directions must be a count or an array (num_directions, {latent_dim}), received "
                             f"shape {directions.shape}.")
        norms = np.linalg.norm(directions, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ValueError(f"directions rows {np.flatnonzero(norms[:, 0] == 0).tolist()} are zero: a direction "
                             "needs a length to be scaled to one.")
        self.directions = (directions / norms).astype(np.float32)
        self.class_names = None if class_names is None else checked_class_names(class_names)
        values = {f"direction_{j + 1}": 0.0 for j in range(len(self.directions))}
        if self.class_names is not None:
            values["class_id"] = 0
        super().__init__(values)

    def _apply(self, values: dict) -> dict:
        steps = [checks.number(values[f"direction_{j + 1}"], f"direction_{j + 1}", minimum=-self.extent,
                               maximum=self.extent) for j in range(len(self.directions))]
        checked = {f"direction_{j + 1}": step for j, step in enumerate(steps)}
        noise = (self.base_noise + np.asarray(steps, np.float32) @ self.directions).astype(np.float32)
        labels = None
        if self.class_names is not None:
            checked["class_id"] = checks.integer(values["class_id"], "class_id", minimum=0,
                                                 maximum=len(self.class_names) - 1)
            labels = np.full(self.num_images, checked["class_id"], np.int32)
        images = to_numpy(self.generator(noise if labels is None else [noise, labels]))
        if images.ndim != 4 or len(images) != self.num_images or images.shape[-1] not in (1, 3):
            raise ValueError(f"the generator must return ({self.num_images}, H, W, 1 or 3) images for "
                             f"{self.num_images} noise vectors, received shape {images.shape}.")
        self.noise, self.labels, self.images = noise, labels, checks.finite(images, "the generator's images")
        return checked

    def figure(self, size: float = 1.2) -> Figure:
        """The current images, one per noise vector, titled with the class and the slider values."""
        moves = ", ".join(f"{name.replace('_', ' ')} {value:+.1f}" for name, value in self.values.items()
                          if name != "class_id")
        picked = "" if self.class_names is None else f"class '{self.class_names[self.values['class_id']]}': "
        return image_grid(self.images, titles=[f"z{i + 1}" for i in range(self.num_images)],
                          ncols=min(self.num_images, 8), value_range=(-1, 1), size=size,
                          suptitle=f"{picked}{moves}")

    def _controls(self, ipywidgets) -> dict:
        controls = {name: slider(ipywidgets, -self.extent, self.extent, value, name.replace("_", " "),
                                  step=0.1) for name, value in self.values.items() if name != "class_id"}
        if self.class_names is not None:
            controls["class_id"] = class_picker(ipywidgets, self.class_names, self.values["class_id"])
        return controls
