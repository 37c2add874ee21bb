"""segen_lib.checks: what each check accepts (NumPy integers included) and what it refuses.

Every refusal is a ValueError whose message starts with the argument's name and shows
the value received.
"""

import math

import keras

import numpy as np
import pytest

from segen_lib import checks

NUMPY_INTEGERS = [np.int8(3), np.int32(3), np.int64(3), np.uint8(3), np.uint64(3)]


# integer / positive_int -----------------------------------------------------------------

@pytest.mark.parametrize("value", [3, *NUMPY_INTEGERS])
def test_integer_accepts_python_and_numpy_integers_and_returns_a_python_int(value):
    result = checks.integer(value, "count")
    assert result == 3 and type(result) is int


def test_integer_bounds_are_inclusive():
    assert checks.integer(0, "seed", minimum=0) == 0
    assert checks.integer(28, "digit_size", minimum=7, maximum=28) == 28
    assert checks.integer(-5, "offset") == -5  # no bounds: any integer


@pytest.mark.parametrize("value, shown", [
    (True, "True"), (np.bool_(False), "np.False_"), (2.0, "2.0"), (np.float32(2.0), r"np.float32\(2.0\)"),
    (float("nan"), "nan"), (float("inf"), "inf"), ("3", "'3'"), (None, "None"), ([3], r"\[3\]"),
])
def test_integer_refuses_what_is_not_an_integer_and_names_its_type(value, shown):
    with pytest.raises(ValueError, match=rf"^num_images must be an integer >= 1, received {shown} \(of type "):
        checks.integer(value, "num_images", minimum=1)


@pytest.mark.parametrize("value, message", [
    (6, "digit_size must be an integer >= 7 and <= 28, received 6."),
    (29, "digit_size must be an integer >= 7 and <= 28, received 29."),
    (np.int64(40), r"digit_size must be an integer >= 7 and <= 28, received np.int64\(40\)."),
])
def test_integer_refuses_values_out_of_range(value, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        checks.integer(value, "digit_size", minimum=7, maximum=28)


def test_integer_with_a_maximum_only():
    assert checks.integer(-3, "level", maximum=5) == -3
    with pytest.raises(ValueError, match="^level must be an integer <= 5, received 6."):
        checks.integer(6, "level", maximum=5)


@pytest.mark.parametrize("value", [1, 10**9, *NUMPY_INTEGERS])
def test_positive_int_accepts(value):
    assert checks.positive_int(value, "batch_size") == int(value)


@pytest.mark.parametrize("value", [0, -1, np.int64(0), True, 1.0, 2.5, float("nan"), "4", None])
def test_positive_int_refuses(value):
    with pytest.raises(ValueError, match=r"^batch_size must be an integer >= 1, received "):
        checks.positive_int(value, "batch_size")


# integers -------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [(16, 32, 64), [16, 32, 64], np.array([16, 32, 64]),
                                    (np.int64(16), np.int32(32), 64)])
def test_integers_accepts_sequences_and_arrays_of_integers(values):
    result = checks.integers(values, "filters")
    assert result == (16, 32, 64) and all(type(v) is int for v in result)


def test_integers_minimum():
    assert checks.integers([0, 1], "levels", minimum=0) == (0, 1)
    with pytest.raises(ValueError, match=r"^levels must be a non-empty sequence of integers >= 0, "
                                         r"received \[0, -1\]."):
        checks.integers([0, -1], "levels", minimum=0)


@pytest.mark.parametrize("values", [(), [], (16, 0), (16, 8.0), (16, True), (16, float("nan")),
                                    "16", b"16", 16, None, np.array([1.5, 2.0]), {16, 32}])
def test_integers_refuses(values):
    with pytest.raises(ValueError, match=r"^filters must be a non-empty sequence of integers >= 1, received "):
        checks.integers(values, "filters")


# number ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 0.5, 1, np.float32(0.5), np.float64(0.25), np.int64(1), -3.0])
def test_number_accepts_finite_reals_and_returns_a_python_float(value):
    result = checks.number(value, "learning_rate")
    assert result == float(value) and type(result) is float


@pytest.mark.parametrize("value, shown", [
    (float("nan"), "nan"), (float("inf"), "inf"), (-math.inf, "-inf"), (np.float32("nan"), "np.float32\\(nan\\)"),
    (True, "True"), (np.bool_(True), "np.True_"), ("0.1", "'0.1'"), (None, "None"), (1j, r"1j"),
    ([0.1], r"\[0.1\]"),
])
def test_number_refuses_what_is_not_a_finite_real(value, shown):
    with pytest.raises(ValueError, match=rf"^noise must be a finite number, received {shown}."):
        checks.number(value, "noise")


def test_number_closed_interval_by_default():
    assert checks.number(0, "rotation", minimum=0, maximum=0.5) == 0.0
    assert checks.number(0.5, "rotation", minimum=0, maximum=0.5) == 0.5
    for value in (-0.01, 0.51):
        with pytest.raises(ValueError, match=rf"^rotation must be a number in \[0, 0.5\], received {value}."):
            checks.number(value, "rotation", minimum=0, maximum=0.5)


def test_number_open_maximum():
    assert checks.number(0.99, "dropout", 0.0, 1.0, include_maximum=False) == 0.99
    with pytest.raises(ValueError, match=r"^dropout must be a number in \[0.0, 1.0\), received 1.0."):
        checks.number(1.0, "dropout", 0.0, 1.0, include_maximum=False)


def test_number_open_minimum():
    assert checks.number(1e-12, "std", minimum=0, include_minimum=False) == 1e-12
    for value in (0, 0.0, -1.0, np.float64(0.0)):
        with pytest.raises(ValueError, match=r"^std must be a number in \(0, inf\], received "):
            checks.number(value, "std", minimum=0, include_minimum=False)
    with pytest.raises(ValueError, match=r"^min_fraction must be a number in \(0, 1\], received 0."):
        checks.number(0, "min_fraction", minimum=0, maximum=1, include_minimum=False)
    assert checks.number(1, "min_fraction", minimum=0, maximum=1, include_minimum=False) == 1.0


def test_number_one_sided_bounds_are_written_with_infinities():
    with pytest.raises(ValueError, match=r"^dice_weight must be a number in \[0.0, inf\], received -1."):
        checks.number(-1, "dice_weight", minimum=0.0)
    with pytest.raises(ValueError, match=r"^clip must be a number in \[-inf, 1\], received 2."):
        checks.number(2, "clip", maximum=1)


# one_of ---------------------------------------------------------------------------------

def test_one_of_returns_the_value():
    assert checks.one_of("resize", "upsampling", ("transpose", "resize")) == "resize"
    assert checks.one_of(None, "normalization", (None, "batch", "layer")) is None


@pytest.mark.parametrize("value, shown", [("bicubic", "'bicubic'"), ("Resize", "'Resize'"), (None, "None"),
                                          (1, "1")])
def test_one_of_refuses_and_lists_the_choices(value, shown):
    with pytest.raises(ValueError, match=rf"^upsampling must be one of 'transpose', 'resize', received {shown}."):
        checks.one_of(value, "upsampling", ("transpose", "resize"))


def test_one_of_does_not_confuse_bools_and_integers():
    assert checks.one_of(True, "flag", (True, False)) is True
    with pytest.raises(ValueError, match="^flag must be one of True, False, received 1."):
        checks.one_of(1, "flag", (True, False))
    with pytest.raises(ValueError, match="^depth must be one of 0, 1, received False."):
        checks.one_of(False, "depth", (0, 1))


# nearest_multiples / divisible_size -----------------------------------------------------

@pytest.mark.parametrize("size, factor, expected", [
    (100, 8, (96, 104)), (30, 4, (28, 32)), (33, 16, (32, 48)),
    (64, 8, (56, 72)),     # already a multiple: its two neighbours
    (3, 4, (4,)), (8, 8, (16,)),  # no positive multiple below
    (np.int64(100), np.int64(8), (96, 104)),
])
def test_nearest_multiples(size, factor, expected):
    assert checks.nearest_multiples(size, factor) == expected


def test_divisible_size_returns_a_divisible_size():
    assert checks.divisible_size(96, 8, "height", "why") == 96
    assert checks.divisible_size(np.int64(64), 16, "width", "why") == 64


def test_divisible_size_names_the_argument_the_reason_and_the_nearest_sizes():
    why = "after 3 poolings the skip features would not match the upsampled ones"
    with pytest.raises(ValueError) as caught:
        checks.divisible_size(100, 8, "height", why)
    assert str(caught.value) == (f"height 100 is not divisible by 8: {why}. Nearest valid sizes: "
                                 "96 or 104 (or resize or pad the images).")
    with pytest.raises(ValueError, match=r"^width 5 is not divisible by 8: .* Nearest valid sizes: 8 \("):
        checks.divisible_size(5, 8, "width", "why")


# image_shape ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", [(28, 28, 1), [28, 28, 1], np.array([28, 28, 1]),
                                   (np.int64(28), np.int32(28), np.uint8(1))])
def test_image_shape_accepts_three_positive_integers(value):
    result = checks.image_shape(value)
    assert result == (28, 28, 1) and all(type(v) is int for v in result)


def test_image_shape_allows_none_for_height_and_width_when_asked():
    assert checks.image_shape((None, None, 3), allow_none=True) == (None, None, 3)
    assert checks.image_shape((None, 32, 1), "input_shape", allow_none=True) == (None, 32, 1)
    with pytest.raises(ValueError, match=r"^input_shape must be \(height, width, channels\) of positive "
                                         r"integers \(None for any height or width\), received \(32, 32, None\)."):
        checks.image_shape((32, 32, None), "input_shape", allow_none=True)  # never the channels


@pytest.mark.parametrize("value, shown", [
    ((28, 28), r"\(28, 28\)"), ((1, 28, 28, 1), r"\(1, 28, 28, 1\)"), ((28, 0, 1), r"\(28, 0, 1\)"),
    ((28, 28.0, 1), r"\(28, 28.0, 1\)"), ((28, True, 1), r"\(28, True, 1\)"), ((None, 28, 1), r"\(None, 28, 1\)"),
    ((28, float("nan"), 1), r"\(28, nan, 1\)"), ("281", "'281'"), (28, "28"), (None, "None"),
])
def test_image_shape_refuses(value, shown):
    with pytest.raises(ValueError, match=rf"^image_shape must be \(height, width, channels\) of positive "
                                         rf"integers, received {shown}."):
        checks.image_shape(value)


# label_masks and the ignore label --------------------------------------------------------
# Pixels labelled 255 (Cityscapes void, Pascal VOC borders) pass the mask check when the
# consumer ignores them; everything else that is not a label is still refused.

def test_label_masks_accepts_the_ignore_label_for_several_classes(ignore_label_masks):
    masks, _ = ignore_label_masks()
    assert checks.label_masks(masks, "masks", 4, ignore_index=255) is masks
    assert checks.label_masks(masks[..., None], "masks", 4, ignore_index=255).shape == (2, 8, 8, 1)
    checks.label_masks(np.full((1, 2, 2), 255), "masks", 4, ignore_index=255)   # all ignored
    with pytest.raises(ValueError, match=r"received labels in 0\.\.255: 255 is the usual ignore label.*"
                                         r"SparseCategoricalCrossentropy\(ignore_class=255\)"):
        checks.label_masks(masks, "masks", 4)


def test_label_masks_still_refuses_0_255_binary_masks(ignore_label_masks):
    masks = np.where(ignore_label_masks()[0] > 1, 255, 0)
    with pytest.raises(ValueError, match=r"0/255 become 0/1 with mask // 255"):
        checks.label_masks(masks, "masks", 1, ignore_index=255)


@pytest.mark.parametrize("change, message", [
    (lambda m: np.where(m == 3, 7, m), r"labels in 0\.\.3 \(num_classes=4\), received labels in 0\.\.7 "
                                       r"\(besides 255, the ignore label\)"),
    (lambda m: m.astype("float32") + 0.5, r"non-integer values"),
    (lambda m: np.where(m == 255, np.nan, m), r"NaN"),
])
def test_label_masks_still_refuses_other_labels(change, message, ignore_label_masks):
    masks, _ = ignore_label_masks()
    with pytest.raises(ValueError, match=message):
        checks.label_masks(change(masks), "masks", 4, ignore_index=255)


def test_label_masks_names_cityscapes_label_ids_and_checks_ignore_index():
    with pytest.raises(ValueError, match=r"LABEL_ID_TO_TRAIN_ID\[masks\]"):
        checks.label_masks(np.array([[[0, 26], [33, 255]]]), "masks", 19, ignore_index=255)
    with pytest.raises(ValueError, match=r"ignore_index must be a label outside the classes 0\.\.3, received 3"):
        checks.label_masks(np.zeros((1, 2, 2)), "masks", 4, ignore_index=3)


def test_class_probabilities_tell_the_three_usual_mistakes_apart():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, (2, 4, 4, 3))
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    assert checks.class_probabilities(probabilities, "p") is not None
    with pytest.raises(ValueError, match="logits\\? apply keras.ops.softmax"):
        checks.class_probabilities(logits, "p")
    with pytest.raises(ValueError, match="classes are on axis 1"):
        checks.class_probabilities(np.moveaxis(probabilities, -1, 1), "p")
    with pytest.raises(ValueError, match="independent sigmoid outputs"):
        checks.class_probabilities(1 / (1 + np.exp(-logits)), "p")


def test_not_probabilities_refuses_a_softmax_output_but_not_logits_or_symbolic_tensors():
    with pytest.raises(ValueError, match="logits must be logits.*keras.ops.log"):
        checks.not_probabilities([[0.25, 0.75]], "logits")
    checks.not_probabilities([[0.2, 0.3]], "logits")              # does not sum to 1: logits
    checks.not_probabilities([[2.0, -1.0]], "logits")
    checks.not_probabilities(keras.KerasTensor((None, 2)), "logits")
