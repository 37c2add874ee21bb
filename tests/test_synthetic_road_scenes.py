"""Road scenes: shapes, label space, determinism, conditions that move pixels but never masks."""

import numpy as np
import pytest

from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES, CITYSCAPES_PALETTE, colorize
from segen_lib.synthetic.road_scenes import (LIGHTING, ROAD_CLASS_NAMES, ROAD_TRAIN_IDS, WEATHER,
                                             make_road_scenes)


@pytest.fixture(scope="module")
def scenes():
    return make_road_scenes(40, seed=3)


def test_shapes_dtypes_ranges(scenes):
    images, masks = scenes
    assert images.shape == (40, 64, 128, 3) and images.dtype == np.float32
    assert masks.shape == (40, 64, 128) and masks.dtype == np.uint8
    assert 0 <= images.min() and images.max() <= 1


def test_masks_hold_cityscapes_train_ids_of_every_drawn_class(scenes):
    _, masks = scenes
    assert set(np.unique(masks)) == set(ROAD_TRAIN_IDS)  # all ten classes occur in 40 scenes
    assert [CITYSCAPES_CLASS_NAMES[i] for i in ROAD_TRAIN_IDS] == list(ROAD_CLASS_NAMES)
    assert ROAD_TRAIN_IDS == (0, 1, 2, 5, 7, 8, 9, 10, 11, 13)


def test_scenes_are_not_all_alike(scenes):
    images, masks = scenes
    # layouts differ: no two masks are equal, and the road covers a varying share of the image
    assert len({m.tobytes() for m in masks}) == len(masks)
    road_share = (masks == 0).mean(axis=(1, 2))
    assert road_share.std() > 0.03
    # colours of one class vary across scenes (no lookup table from colour to class)
    road_colour = np.array([images[i][masks[i] == 0].mean(0) for i in range(len(masks))])
    assert road_colour.std(0).max() > 0.03


def test_a_class_is_not_one_colour_within_a_scene(scenes):
    images, masks = scenes
    for cls in (0, 2, 10):  # road (markings, noise), building (windows), sky (gradient)
        spread = [images[i][masks[i] == cls].std(0).mean() for i in range(10) if (masks[i] == cls).sum() > 50]
        assert np.mean(spread) > 0.03, cls


def test_deterministic_and_prefix_stable():
    a = make_road_scenes(6, seed=7, lighting=LIGHTING, weather=WEATHER)
    b = make_road_scenes(6, seed=7, lighting=LIGHTING, weather=WEATHER)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = make_road_scenes(3, seed=7, lighting=LIGHTING, weather=WEATHER)
    np.testing.assert_array_equal(a[0][:3], c[0])  # scene i does not depend on num_images
    d = make_road_scenes(6, seed=8)
    assert not np.array_equal(a[1], d[1])


@pytest.mark.parametrize("lighting,weather", [(l, w) for l in LIGHTING for w in WEATHER
                                              if (l, w) != ("day", "clear")])
def test_conditions_change_pixels_never_masks(lighting, weather):
    day, day_masks = make_road_scenes(6, seed=5)
    other, masks = make_road_scenes(6, seed=5, lighting=lighting, weather=weather)
    np.testing.assert_array_equal(masks, day_masks)
    assert np.abs(other - day).mean() > 0.02
    assert 0 <= other.min() and other.max() <= 1


def test_night_is_darker_and_fog_lowers_contrast():
    day, _ = make_road_scenes(8, seed=2)
    night, _ = make_road_scenes(8, seed=2, lighting="night")
    fog, _ = make_road_scenes(8, seed=2, weather="fog")
    assert night.mean() < 0.5 * day.mean()
    assert fog.std(axis=(1, 2, 3)).mean() < day.std(axis=(1, 2, 3)).mean()
    change = np.abs(fog - day).mean(axis=(0, 2, 3))  # per row: fog follows distance
    assert change[24:32].mean() > 2 * change[-8:].mean()  # the horizon's rows fade, the nearest stay


def test_randomised_conditions_mix_them():
    mixed, _ = make_road_scenes(30, seed=4, lighting=("day", "night"))
    brightness = mixed.mean(axis=(1, 2, 3))
    assert brightness.min() < 0.15 < brightness.max()  # some night scenes, some day scenes


def test_objects_can_be_left_out():
    _, masks = make_road_scenes(10, seed=1, max_cars=0, max_people=0, max_poles=0)
    assert not np.isin(masks, [5, 7, 11, 13]).any()


def test_other_image_sizes():
    images, masks = make_road_scenes(2, image_size=(32, 64), seed=0)
    assert images.shape == (2, 32, 64, 3) and masks.shape == (2, 32, 64)


@pytest.mark.parametrize("kwargs,match", [
    ({"num_images": 0}, "num_images"),
    ({"image_size": 64}, r"image_size must be \(height, width\), received 64"),
    ({"image_size": (8, 128)}, "image_size height"),
    ({"seed": -1}, "seed"),
    ({"lighting": "noon"}, "lighting"),
    ({"weather": ("fog", "snow")}, "weather"),
    ({"weather": ()}, "non-empty"),
    ({"max_cars": 20}, "max_cars"),
    ({"max_people": 1.5}, "max_people"),
])
def test_bad_arguments(kwargs, match):
    arguments = {"num_images": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_road_scenes(**arguments)


def test_colorize_uses_the_cityscapes_palette():
    masks = np.array([[0, 13], [255, 10]], np.uint8)
    rgb = colorize(masks)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[0, 0], CITYSCAPES_PALETTE[0])
    np.testing.assert_array_equal(rgb[0, 1], [0, 0, 142])
    np.testing.assert_array_equal(rgb[1, 0], [0, 0, 0])
    with pytest.raises(ValueError, match=r"ids \[19\] outside"):
        colorize(np.array([19]))
    with pytest.raises(ValueError, match="argmax"):
        colorize(np.array([0.5]))


@pytest.mark.parametrize("call, match", [
    (lambda: colorize(np.eye(19, dtype=np.uint8)[np.zeros((4, 6), int)]), "look one-hot .* argmax"),
    (lambda: colorize(np.array([[7, 26]])), r"label ids \(0..33\) become train ids with LABEL_ID_TO_TRAIN_ID"),
    (lambda: colorize(np.array([[0, 1]]), palette=CITYSCAPES_PALETTE / 255), "multiply by 255"),
    (lambda: colorize(np.array([[0, 1]]), palette=CITYSCAPES_PALETTE.astype(int) * 2), r"whole RGB values in 0..255"),
    (lambda: colorize(np.array([[0, 255]]), ignore_colour=(300, 0, 0)), "ignore_colour must be one RGB"),
    (lambda: colorize(np.array([[0, 255]]), ignore_colour=(0, 0)), "ignore_colour must be one RGB"),
    (lambda: colorize(np.array([["road"]])), "masks must hold class ids, received dtype"),
])
def test_colorize_refuses_what_it_would_paint_wrongly(call, match):
    with pytest.raises(ValueError, match=match):
        call()
