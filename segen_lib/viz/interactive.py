"""The machinery every widget of :mod:`segen_lib.viz.widgets` shares: controls, a redrawn figure, and headless display.

A widget needs a front end (JupyterLab, Notebook, VS Code) to draw it; a notebook run
headless (the test suite, ``make course``, the course site) has none, and there the same
object shows a static matplotlib figure of its current state. Headless runs say so with
``SEGEN_HEADLESS=1`` (:func:`segen_lib.runtime.is_headless`); without ``ipywidgets``
installed the figure is shown too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from segen_lib import runtime

__all__ = ["InteractiveFigure", "slider", "class_picker", "checked_class_names", "to_numpy"]


class InteractiveFigure:
    """The part every widget shares: controls whose values :meth:`update` checks and applies,
    shown as the PNG of :meth:`figure` under the controls, or as the figure itself headless.

    A subclass gives ``_apply(values)`` (check the values, recompute its state, return the
    values it keeps), ``figure()`` and ``_controls(ipywidgets)`` (``{name: control}``, each
    control set to ``self.values[name]``).
    """

    def __init__(self, values: dict):
        self.values = dict(values)
        self._widget = self._image = None
        self.update()

    def update(self, **values) -> None:
        """Set some controls' values (checked together, before anything changes), then recompute."""
        unknown = set(values) - set(self.values)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; the controls are {sorted(self.values)}.")
        self.values = self._apply({**self.values, **values})
        if self._image is not None:
            self._image.value = self._png()

    def _apply(self, values: dict) -> dict:
        raise NotImplementedError

    def _controls(self, ipywidgets) -> dict:
        raise NotImplementedError

    def figure(self) -> Figure:
        raise NotImplementedError

    def _png(self) -> bytes:
        figure = self.figure()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        plt.close(figure)
        return buffer.getvalue()

    def widget(self):
        """The ``ipywidgets`` box: two rows of controls over the image of :meth:`figure`."""
        import ipywidgets

        if self._widget is not None:
            return self._widget
        controls = self._controls(ipywidgets)
        for name, control in controls.items():
            control.observe(lambda change, name=name: self.update(**{name: change["new"]}), names="value")
        controls = list(controls.values())
        self._image = ipywidgets.Image(value=self._png(), format="png")
        self._widget = ipywidgets.VBox([ipywidgets.HBox(controls[:3]), ipywidgets.HBox(controls[3:]),
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
            plt.close(figure)
        else:
            display(self.widget())


def slider(ipywidgets, low, high, value, description: str, step=None):
    """An integer slider, or a float one if any of ``low``, ``high``, ``value`` is a float."""
    if any(isinstance(v, float) for v in (low, high, value)):
        return ipywidgets.FloatSlider(value=value, min=low, max=high, step=step or (high - low) / 100,
                                      description=description)
    return ipywidgets.IntSlider(value=value, min=low, max=high, description=description)


def class_picker(ipywidgets, class_names: Sequence[str], value: int):
    return ipywidgets.Dropdown(options=[(name, index) for index, name in enumerate(class_names)],
                               value=value, description="class")


def checked_class_names(class_names, name: str = "class_names") -> tuple[str, ...]:
    if isinstance(class_names, (str, bytes)) or not isinstance(class_names, (Sequence, np.ndarray)) \
            or len(class_names) == 0:
        raise ValueError(f"{name} must be a non-empty sequence of names indexed by class id, "
                         f"received {class_names!r}.")
    names = tuple(str(n) for n in class_names)
    if len(set(names)) != len(names):
        raise ValueError(f"{name} must be distinct (the picker shows them), received {names}.")
    return names


def to_numpy(values) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    from keras import ops

    return ops.convert_to_numpy(values)
