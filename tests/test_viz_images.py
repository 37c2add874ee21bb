"""segen_lib.viz.images: figures are returned, bad shapes are clear errors."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from segen_lib import label_spaces, viz


def test_to_display_scales_each_kind_of_input_to_unit_range():
    assert np.allclose(viz.to_display(np.array([0, 255], dtype=np.uint8)), [0, 1])
    assert np.allclose(viz.to_display(np.array([-1.0, 0.0, 1.0])), [0, 0.5, 1])
    assert np.allclose(viz.to_display(np.array([0.0, 0.25, 1.0])), [0, 0.25, 1])
    assert np.allclose(viz.to_display(np.array([-1000.0, 0.0, 1000.0])), [0, 0.5, 1])
    assert np.allclose(viz.to_display(np.array([5.0, 10.0]), value_range=(0, 20)), [0.25, 0.5])
    assert viz.to_display(np.full(3, 7.0)).dtype == np.float32  # constant input: no division by 0


def test_to_display_rejects_empty_range():
    with pytest.raises(ValueError, match="high > low"):
        viz.to_display(np.zeros(3), value_range=(1, 1))


@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 28, 28, 1), (5, 16, 16, 3)])
def test_image_grid_draws_one_axis_per_image(shape):
    fig = viz.image_grid(np.random.default_rng(0).random(shape), ncols=3,
                         titles=[f"#{i}" for i in range(5)], suptitle="grid")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 5  # the sixth cell of the 2x3 grid is removed
    assert [ax.get_title() for ax in fig.axes] == ["#0", "#1", "#2", "#3", "#4"]


def test_image_grid_uses_fewer_columns_than_asked_for_few_images():
    fig = viz.image_grid(np.zeros((2, 8, 8)), ncols=8)
    assert len(fig.axes) == 2
    assert fig.get_size_inches()[0] == pytest.approx(2 * 1.2)


@pytest.mark.parametrize("shape", [(28, 28), (2, 28, 28, 2), (2, 3, 28, 28, 1)])
def test_image_grid_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match="images must have shape"):
        viz.image_grid(np.zeros(shape))


def test_image_grid_rejects_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        viz.image_grid(np.zeros((0, 8, 8)))
    with pytest.raises(ValueError, match="ncols must be an integer >= 1, received 0"):
        viz.image_grid(np.zeros((2, 8, 8)), ncols=0)
    with pytest.raises(ValueError, match="ncols must be an integer >= 1, received 2.0"):
        viz.image_grid(np.zeros((2, 8, 8)), ncols=2.0)
    with pytest.raises(ValueError, match="got 1 titles for 2 images"):
        viz.image_grid(np.zeros((2, 8, 8)), titles=["one"])


def test_training_curves_pairs_validation_curves():
    logs = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.7, 0.8]}
    fig = viz.training_curves(logs, title="run")
    assert len(fig.axes) == 2
    loss_axis = fig.axes[0]
    assert loss_axis.get_title() == "loss"
    assert len(loss_axis.get_lines()) == 2
    assert list(loss_axis.get_lines()[1].get_ydata()) == [1.1, 0.7, 0.6]
    assert len(fig.axes[1].get_lines()) == 1  # no val_accuracy


def test_training_curves_accepts_a_history_object():
    class History:
        history = {"loss": [2.0, 1.0]}

    assert len(viz.training_curves(History()).axes) == 1


def test_training_curves_errors():
    with pytest.raises(ValueError, match="non-empty mapping"):
        viz.training_curves({})
    with pytest.raises(ValueError, match=r"unknown metric\(s\) \['dice'\]"):
        viz.training_curves({"loss": [1.0]}, keys=["dice"])


def test_mask_overlay_columns_and_rows():
    images = np.zeros((3, 16, 16), dtype=np.uint8)
    masks = np.zeros((3, 16, 16), dtype=np.int64)
    masks[:, 4:8, 4:8] = 2
    fig = viz.mask_overlay(images, masks)
    assert len(fig.axes) == 3 * 2  # image | mask over the image
    assert [ax.get_title() for ax in fig.axes[:2]] == ["image", "mask"]
    assert len(fig.axes[1].images) == 2 and len(fig.axes[0].images) == 1
    fig = viz.mask_overlay(images, masks[..., None], predictions=masks, num_classes=3)
    assert len(fig.axes) == 3 * 3  # image | mask | prediction
    assert [ax.get_title() for ax in fig.axes[:3]] == ["image", "mask", "prediction"]


def test_mask_overlay_rejects_bad_arguments():
    images, masks = np.zeros((1, 8, 8)), np.zeros((1, 8, 8), int)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1, received 0"):
        viz.mask_overlay(images, masks, num_classes=0)
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\], received 1.5"):
        viz.mask_overlay(images, masks, alpha=1.5)
    assert len(viz.mask_overlay(images, masks, num_classes=np.int64(11)).axes) == 2


def test_mask_overlay_rejects_mismatched_shapes():
    images = np.zeros((2, 16, 16))
    with pytest.raises(ValueError, match=r"masks must have shape \(2, 16, 16\)"):
        viz.mask_overlay(images, np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="predictions must have shape"):
        viz.mask_overlay(images, np.zeros((2, 16, 16)), predictions=np.zeros((1, 16, 16)))


def _legend(fig):
    assert len(fig.legends) == 1, "mask_overlay draws one legend"
    legend = fig.legends[0]
    return [text.get_text() for text in legend.get_texts()], [handle.get_facecolor() for handle in legend.legend_handles]


def test_mask_overlay_legend_lists_the_classes_present_in_the_drawn_colours():
    images = np.zeros((2, 8, 8))
    masks = np.zeros((2, 8, 8), int)
    masks[0, :2, :2], masks[1, 4:, 4:] = 3, 7
    predictions = masks.copy()
    predictions[1, :2, 6:] = 9        # a class only the prediction holds
    names = ["background"] + [str(d) for d in range(10)]
    fig = viz.mask_overlay(images, masks, predictions, class_names=names, suptitle="look here")
    labels, colors = _legend(fig)
    assert labels == ["2", "6", "8"]   # class ids 3, 7, 9; no background
    overlays = [ax.images[1].get_array() for ax in fig.axes if len(ax.images) == 2]
    # (panel, row, col) of a pixel of class 3, 7 and 9: the first mask, the second mask, the second prediction
    for (panel, row, col), color in zip([(0, 0, 0), (2, 4, 4), (3, 0, 6)], colors):
        assert np.allclose(overlays[panel][row, col, :3], color[:3]) and overlays[panel][row, col, 3] == 0.5
    assert overlays[3][2, 2, 3] == 0          # background is not drawn
    assert fig._suptitle.get_text() == "look here"


def test_mask_overlay_legend_without_names_says_class_k_and_none_for_background_only():
    masks = np.zeros((1, 8, 8), int)
    masks[0, 1, 1] = 1
    assert _legend(viz.mask_overlay(np.zeros((1, 8, 8)), masks))[0] == ["class 1"]
    assert viz.mask_overlay(np.zeros((1, 8, 8)), np.zeros((1, 8, 8), int)).legends == []


def test_mask_overlay_refuses_too_few_class_names_and_labels_beyond_num_classes():
    masks = np.zeros((1, 8, 8), int)
    masks[0, 0, 0] = 4
    with pytest.raises(ValueError, match=r"class_names has 3 names .* hold class 4: give one name per class id"):
        viz.mask_overlay(np.zeros((1, 8, 8)), masks, class_names=["background", "a", "b"])
    with pytest.raises(ValueError, match="class_names must be a sequence"):
        viz.mask_overlay(np.zeros((1, 8, 8)), masks, class_names="background")
    with pytest.raises(ValueError, match=r"hold class 4, but num_classes=3 .* pass num_classes=5"):
        viz.mask_overlay(np.zeros((1, 8, 8)), masks, num_classes=3)
    with pytest.raises(ValueError, match="fractions"):
        viz.mask_overlay(np.zeros((1, 8, 8)), masks * 0.3)
    with pytest.raises(ValueError, match="class ids >= 0"):
        viz.mask_overlay(np.zeros((1, 8, 8)), -masks)


def test_class_legend_names_the_cityscapes_classes_present_in_their_palette_colours():


    truth = np.array([[0, 0, 13], [255, 11, 13]])         # road, car, ignore, person
    prediction = np.array([[0, 1, 13], [0, 11, 13]])      # sidewalk only predicted
    fig = viz.image_grid(np.concatenate([label_spaces.colorize(truth)[None], label_spaces.colorize(prediction)[None]]) / 255, ncols=2)
    width = fig.get_size_inches()[0]
    legend = viz.class_legend(fig, [truth, prediction])
    assert fig.legends == [legend]
    assert [text.get_text() for text in legend.get_texts()] == ["road", "sidewalk", "person", "car", "ignore (255)"]
    colours = [handle.get_facecolor()[:3] for handle in legend.legend_handles]
    for colour, train_id in zip(colours, [0, 1, 11, 13]):
        assert np.allclose(colour, label_spaces.CITYSCAPES_PALETTE[train_id] / 255)   # the colour colorize paints
    assert np.allclose(colours[-1], 0)                                          # ignore is black
    assert fig.get_size_inches()[0] == pytest.approx(width + 1.6 * legend._ncols)   # the legend gets its own strip


def test_image_grid_gives_wide_images_panels_of_their_shape():
    square = viz.image_grid(np.zeros((4, 8, 8)), ncols=4, size=2.0).get_size_inches()
    wide = viz.image_grid(np.zeros((4, 8, 16)), ncols=4, size=2.0).get_size_inches()
    assert square == pytest.approx([8.0, 2.0]) and wide == pytest.approx([8.0, 1.0])


def test_class_legend_with_its_own_names_and_palette_and_its_errors():
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]])
    legend = viz.class_legend(viz.image_grid(np.zeros((1, 4, 4))), np.array([2, 2, 1]),
                              class_names=["background", "tumour", "organ"], palette=palette)
    assert [text.get_text() for text in legend.get_texts()] == ["tumour", "organ"]
    assert np.allclose(legend.legend_handles[1].get_facecolor()[:3], [0, 0, 1])
    fig = viz.image_grid(np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match=r"ids \[19\] outside the palette's 0..18 \(and 255 = ignore\)"):
        viz.class_legend(fig, np.array([0, 19]))
    with pytest.raises(ValueError, match="one name per palette row \\(3\\), received 2 names"):
        viz.class_legend(fig, np.array([0]), class_names=["a", "b"], palette=palette)
    with pytest.raises(ValueError, match="fractions: take argmax"):
        viz.class_legend(fig, np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"palette must have shape \(num_classes, 3\)"):
        viz.class_legend(fig, np.array([0]), palette=np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"ids \[255\] outside"):
        viz.class_legend(fig, np.array([255]), ignore_label=None)
