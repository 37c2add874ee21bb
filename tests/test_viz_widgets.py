"""The widgets (layout editor, segmentation and latent explorers): driven by setting their controls' values,
and their static figures without a front end."""

import numpy as np
import pytest

from segen_lib import runtime
from segen_lib.viz import LatentExplorer, LayoutEditor, SegmentationExplorer


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
    # the map holds train ids 0 (road) and 13 (car): the legend names them
    assert [text.get_text() for text in shown[0].legends[0].get_texts()] == ["road", "car"]


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


def _controls(box):
    return {control.description: control for row in box.children[:2] for control in row.children}


def _iou(truth, predicted):
    union = np.sum(truth | predicted)
    return np.sum(truth & predicted) / union if union else np.nan


def _scenes(num_classes=3):
    rng = np.random.default_rng(0)
    masks = rng.integers(0, num_classes, (4, 6, 6))
    probabilities = rng.dirichlet(np.ones(num_classes), (4, 6, 6)).astype(np.float32)
    images = rng.random((4, 6, 6)).astype(np.float32)
    return images, masks, probabilities


def test_segmentation_explorer_iou_follows_the_controls():
    pytest.importorskip("ipywidgets")
    images, masks, probabilities = _scenes()
    explorer = SegmentationExplorer(images, masks, probabilities, ["background", "cat", "dog"])
    assert explorer.values == {"scene": 0, "class_id": 1, "threshold": 0.5}
    box = explorer.widget()
    controls = _controls(box)
    assert set(controls) == {"scene", "class", "threshold"}
    assert type(controls["class"]).__name__ == "Dropdown" and controls["class"].label == "cat"
    first_png = box.children[2].value
    controls["threshold"].value = 0.3
    controls["class"].value = 2
    controls["scene"].value = 3
    assert explorer.values == {"scene": 3, "class_id": 2, "threshold": 0.3}
    truth, predicted = masks == 2, probabilities[..., 2] > 0.3
    assert explorer.iou_all == pytest.approx(_iou(truth, predicted))
    assert explorer.iou_scene == pytest.approx(_iou(truth[3], predicted[3]))
    assert (explorer.predicted == predicted[3]).all() and (explorer.truth == truth[3]).all()
    assert explorer.iou_argmax == pytest.approx(_iou(truth, probabilities.argmax(-1) == 2))
    assert box.children[2].value != first_png            # the image shown was redrawn


def test_segmentation_explorer_iou_at_the_extremes():
    images, masks, probabilities = _scenes()
    explorer = SegmentationExplorer(images, masks[..., None], probabilities, ["background", "cat", "dog"])
    for class_id in range(3):
        explorer.update(class_id=class_id, threshold=0.0)   # every pixel predicted: IoU = the class's share
        assert explorer.iou_all == pytest.approx(np.mean(masks == class_id))
        explorer.update(threshold=1.0)                       # none predicted
        assert explorer.iou_all == 0.0 and not explorer.predicted.any()


def test_segmentation_explorer_headless_figure(monkeypatch):
    monkeypatch.setenv("SEGEN_HEADLESS", "1")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    images, masks, probabilities = _scenes()
    explorer = SegmentationExplorer(images, masks, probabilities, ["background", "cat", "dog"], threshold=0.25)
    explorer._ipython_display_()
    assert len(shown) == 1 and type(shown[0]).__name__ == "Figure"
    titles = [axis.get_title() for axis in shown[0].axes]
    assert titles == ["scene 0", "true mask of 'cat'", "p('cat'), 0 to 1", "p('cat') > 0.25"]
    assert f"{explorer.iou_all:.3f} on all 4" in shown[0]._suptitle.get_text()
    assert [text.get_text() for text in shown[0].legends[0].get_texts()] == ["hit", "false positive", "missed"]


def test_segmentation_explorer_refuses_bad_arguments():
    images, masks, probabilities = _scenes()
    names = ["background", "cat", "dog"]
    with pytest.raises(ValueError, match="not its argmax"):
        SegmentationExplorer(images, masks, probabilities.argmax(-1), names)
    with pytest.raises(ValueError, match=r"in \[0, 1\].*softmax"):
        SegmentationExplorer(images, masks, probabilities * 3, names)
    with pytest.raises(ValueError, match="got 2 class_names for probabilities of 3 classes"):
        SegmentationExplorer(images, masks, probabilities, names[:2])
    with pytest.raises(ValueError, match="distinct"):
        SegmentationExplorer(images, masks, probabilities, ["a", "b", "a"])
    with pytest.raises(ValueError, match="masks must have shape"):
        SegmentationExplorer(images, masks[:2], probabilities, names)
    with pytest.raises(ValueError, match="masks"):
        SegmentationExplorer(images, masks + 1, probabilities, names)
    with pytest.raises(ValueError, match="class_id must be an integer >= 0 and <= 2"):
        SegmentationExplorer(images, masks, probabilities, names, class_id=3)
    explorer = SegmentationExplorer(images, masks, probabilities, names)
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\], received 1.5"):
        explorer.update(threshold=1.5)
    with pytest.raises(ValueError, match="scene"):
        explorer.update(scene=4)
    assert explorer.values["threshold"] == 0.5                # a refused update changes nothing


class _FakeGenerator:
    """Images (k, 4, 4, 1) whose pixels are tanh of the first 16 noise values (+ the label); records calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, inputs):
        self.calls.append(inputs)
        noise, labels = inputs if isinstance(inputs, list) else (inputs, np.zeros(len(inputs)))
        return np.tanh(noise[:, :16] + np.asarray(labels)[:, None]).reshape(-1, 4, 4, 1)


def test_latent_explorer_sliders_move_the_noise_along_unit_directions():
    pytest.importorskip("ipywidgets")
    generator = _FakeGenerator()
    explorer = LatentExplorer(generator, latent_dim=16, directions=2, num_images=3, seed=1)
    assert np.allclose(explorer.directions @ explorer.directions.T, np.eye(2), atol=1e-6)   # orthonormal
    box = explorer.widget()
    sliders = _controls(box)
    assert set(sliders) == {"direction 1", "direction 2"}
    first_png, first_images = box.children[2].value, explorer.images.copy()
    sliders["direction 2"].value = -1.5
    assert explorer.values == {"direction_1": 0.0, "direction_2": -1.5}
    assert np.allclose(generator.calls[-1], explorer.base_noise - 1.5 * explorer.directions[1])
    assert np.allclose(explorer.images, np.tanh(generator.calls[-1]).reshape(-1, 4, 4, 1))
    assert not np.allclose(explorer.images, first_images) and box.children[2].value != first_png


def test_latent_explorer_class_picker_reaches_the_generator():
    pytest.importorskip("ipywidgets")
    generator = _FakeGenerator()
    explorer = LatentExplorer(generator, latent_dim=16, class_names=["shirt", "shoe", "bag"], num_images=2)
    box = explorer.widget()
    picker = _controls(box)["class"]
    assert [label for label, _ in picker.options] == ["shirt", "shoe", "bag"]
    picker.value = 2
    noise, labels = generator.calls[-1]
    assert explorer.values["class_id"] == 2 and labels.tolist() == [2, 2] and labels.dtype == np.int32
    assert np.allclose(noise, explorer.base_noise)                         # same fixed noise, new class
    assert np.allclose(explorer.images, np.tanh(explorer.base_noise + 2).reshape(-1, 4, 4, 1))


def test_latent_explorer_headless_figure_and_given_directions(monkeypatch):
    monkeypatch.setenv("SEGEN_HEADLESS", "1")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    explorer = LatentExplorer(_FakeGenerator(), 16, directions=np.eye(16)[:1] * 5, num_images=3,
                              class_names=["shirt", "shoe"])
    assert np.allclose(explorer.directions, np.eye(16)[:1])              # scaled to unit length
    explorer.update(direction_1=2.0, class_id=1)
    explorer._ipython_display_()
    titles = [axis.get_title() for axis in shown[0].axes]
    assert titles == ["z1", "z2", "z3"]
    assert shown[0]._suptitle.get_text() == "class 'shoe': direction 1 +2.0"


def test_latent_explorer_refuses_bad_arguments():
    generator = _FakeGenerator()
    with pytest.raises(ValueError, match="directions must be an integer >= 1 and <= 16, received 0"):
        LatentExplorer(generator, 16, directions=0)
    with pytest.raises(ValueError, match=r"directions must be a count or an array \(num_directions, 16\)"):
        LatentExplorer(generator, 16, directions=np.ones((2, 8)))
    with pytest.raises(ValueError, match=r"rows \[1\] are zero"):
        LatentExplorer(generator, 16, directions=np.stack([np.ones(16), np.zeros(16)]))
    with pytest.raises(ValueError, match=r"must return \(8, H, W, 1 or 3\) images .* received shape \(8, 16\)"):
        LatentExplorer(lambda z: z, 16)
    with pytest.raises(ValueError, match="class_names must be a non-empty sequence"):
        LatentExplorer(generator, 16, class_names="shoe")
    explorer = LatentExplorer(generator, 16, class_names=["shirt", "shoe"], extent=2.0)
    with pytest.raises(ValueError, match=r"direction_1 must be a number in \[-2.0, 2.0\], received 2.5"):
        explorer.update(direction_1=2.5)
    with pytest.raises(ValueError, match="class_id must be an integer >= 0 and <= 1"):
        explorer.update(class_id=2)
    with pytest.raises(ValueError, match="unknown control"):
        explorer.update(direction_4=1.0)
