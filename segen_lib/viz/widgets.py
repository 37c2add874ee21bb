"""Widgets for playing with a trained model, and the static figure they become without a front end.

Introduced in ``notebooks/07_image_to_image.ipynb``. A widget needs a front end (JupyterLab,
Notebook, VS Code) to draw it; a notebook run headless (the test suite, ``make course``,
the course site) has none, and there the same object shows a static matplotlib figure of
its current state. Headless runs say so with ``SEGEN_HEADLESS=1``
(:func:`segen_lib.runtime.is_headless`); without ``ipywidgets`` installed the figure is
shown too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from matplotlib.figure import Figure

from segen_lib import checks, runtime
from segen_lib.data.label_spaces import colorize
from segen_lib.viz.images import image_grid

__all__ = ["LayoutEditor"]


class LayoutEditor:
    """Pick a label map, edit it with sliders, and see the scene a generator draws for it.

    Each change of a control calls ``edit(maps[layout], **values)`` for the edited map,
    then ``translate`` on it, and shows map and scene side by side. Displayed in a
    notebook (the last expression of a cell), it is an ``ipywidgets`` box of sliders over
    the two images; headless, the static figure of :meth:`figure`.

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
        self.values = {"layout": 0, **{name: spec[2] for name, spec in self.controls.items()}}
        self._widget = self._image = None
        self.update()

    def update(self, **values) -> None:
        """Set some controls' values, then recompute the edited map and its scene."""
        unknown = set(values) - set(self.values)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; the controls are {sorted(self.values)}.")
        chosen = {**self.values, **values}   # checked whole before anything changes
        chosen["layout"] = checks.integer(chosen["layout"], "layout", minimum=0, maximum=len(self.maps) - 1)
        base = self.maps[chosen["layout"]]
        edited = np.asarray(self.edit(base, **{k: v for k, v in chosen.items() if k != "layout"}))
        if edited.shape != base.shape:
            raise ValueError(f"edit returned a map of shape {edited.shape} for one of {base.shape}: "
                             "it must keep the map's size.")
        self.values, self.label_map = chosen, edited
        self.scene = np.asarray(self.translate(edited[None]))[0]
        if self._image is not None:
            self._image.value = self._png()

    def _panels(self) -> np.ndarray:
        return np.stack([colorize(self.label_map) / 255.0, (self.scene + 1) / 2]).astype(np.float32)

    def figure(self, size: float = 3.0) -> Figure:
        """The current map and scene as a static figure."""
        settings = ", ".join(f"{name}={value}" for name, value in self.values.items())
        return image_grid(self._panels(), titles=["edited label map", "generated scene"], ncols=2,
                          size=size, value_range=(0, 1), suptitle=settings)

    def _png(self) -> bytes:
        import io

        import matplotlib.pyplot as plt

        figure = self.figure()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        plt.close(figure)
        return buffer.getvalue()

    def widget(self):
        """The ``ipywidgets`` box: one slider per control over the image of map and scene."""
        import ipywidgets

        if self._widget is not None:
            return self._widget
        sliders = [ipywidgets.IntSlider(value=0, min=0, max=len(self.maps) - 1, description="layout")]
        for name, (low, high, value) in self.controls.items():
            kind = ipywidgets.FloatSlider if any(isinstance(v, float) for v in (low, high, value)) \
                else ipywidgets.IntSlider
            sliders.append(kind(value=value, min=low, max=high, description=name))
        for slider in sliders:
            slider.observe(lambda change, name=slider.description: self.update(**{name: change["new"]}),
                           names="value")
        self._image = ipywidgets.Image(value=self._png(), format="png")
        self._widget = ipywidgets.VBox([ipywidgets.HBox(sliders[:3]), ipywidgets.HBox(sliders[3:]),
                                        self._image])
        return self._widget

    def _ipython_display_(self):
        from IPython.display import display

        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            ipywidgets = None
        if runtime.is_headless() or ipywidgets is None:
            figure = self.figure()
            display(figure)
            import matplotlib.pyplot as plt

            plt.close(figure)
        else:
            display(self.widget())
