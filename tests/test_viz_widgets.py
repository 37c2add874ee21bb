"""The layout editor: driven by setting its sliders' values, and its static figure without a front end."""

import numpy as np
import pytest

from segen_lib import runtime
from segen_lib.viz import LayoutEditor


def _editor(calls):
    maps = np.zeros((3, 8, 16), np.uint8)
    maps[1] = 2

    def translate(batch):
        calls.append(batch.copy())
        return np.where(batch[..., None] == 13, 1.0, -1.0) * np.ones(3, np.float32)

    def edit(label_map, car_column, widen):
        edited = label_map.copy()
        edited[2:4, car_column:car_column + int(1 + 4 * widen)] = 13
        return edited

    return LayoutEditor(maps, translate, edit, {"car_column": (0, 12, 2), "widen": (0.0, 1.0, 0.0)})


def test_moving_a_slider_edits_the_map_and_draws_the_scene_again():
    pytest.importorskip("ipywidgets")
    calls = []
    editor = _editor(calls)
    assert editor.values == {"layout": 0, "car_column": 2, "widen": 0.0}
    box = editor.widget()
    sliders = {child.description: child for row in box.children[:2] for child in row.children}
    assert set(sliders) == {"layout", "car_column", "widen"}
    assert type(sliders["widen"]).__name__ == "FloatSlider" and type(sliders["car_column"]).__name__ == "IntSlider"
    first_png = box.children[2].value
    sliders["car_column"].value = 7
    assert editor.values["car_column"] == 7
    assert (editor.label_map[2, 7] == 13) and (editor.label_map[2, 2] == 0)
    assert (editor.scene[2, 7] == 1).all() and (editor.scene[2, 2] == -1).all()
    assert box.children[2].value != first_png           # the image shown was redrawn
    sliders["layout"].value = 1
    assert editor.label_map[0, 0] == 2 and len(calls) == 3


def test_headless_display_is_a_static_figure(monkeypatch):
    monkeypatch.setenv("SEGEN_HEADLESS", "1")
    assert runtime.is_headless()
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    editor = _editor([])
    editor._ipython_display_()
    assert len(shown) == 1 and type(shown[0]).__name__ == "Figure"
    titles = [axis.get_title() for axis in shown[0].axes]
    assert titles == ["edited label map", "generated scene"]
    assert "car_column=2" in shown[0]._suptitle.get_text()


def test_bad_controls_and_edits_raise_clear_errors():
    translate = lambda batch: np.zeros(batch.shape + (3,), np.float32)  # noqa: E731
    maps = np.zeros((2, 8, 8), np.uint8)
    with pytest.raises(ValueError, match="layout"):
        LayoutEditor(maps, translate, lambda m, layout: m, {"layout": (0, 1, 0)})
    with pytest.raises(ValueError, match="shift"):
        LayoutEditor(maps, translate, lambda m, shift: m, {"shift": (0, 4, 9)})
    with pytest.raises(ValueError, match="keep the map's size"):
        LayoutEditor(maps, translate, lambda m, shift: m[:4], {"shift": (0, 4, 1)})
    with pytest.raises(ValueError, match="maps"):
        LayoutEditor(maps[0], translate, lambda m: m, {})
    editor = LayoutEditor(maps, translate, lambda m, shift: m, {"shift": (0, 4, 1)})
    with pytest.raises(ValueError, match="unknown control"):
        editor.update(speed=3)
    with pytest.raises(ValueError, match="layout"):
        editor.update(layout=5)


def test_is_headless_refuses_values_that_are_not_yes_or_no(monkeypatch):
    monkeypatch.setenv("SEGEN_HEADLESS", "maybe")
    with pytest.raises(ValueError, match="SEGEN_HEADLESS"):
        runtime.is_headless()
    monkeypatch.setenv("SEGEN_HEADLESS", "0")
    assert not runtime.is_headless()
