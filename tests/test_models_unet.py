"""Tests of segen_lib.models.unet: shapes, errors, save/load, both backends' ops, the masks and
images it refuses before training, and masks with the ignore label."""

import keras
import numpy as np
import pytest

from segen_lib import batches, losses
from segen_lib.models import build_article_unet, build_unet
from segen_lib.models.unet import check_input_shape, conv_block

# fit(dataset) warns that its shuffle=True is ignored; segen_lib.batches hides that warning in
# notebooks, and pytest shows it again in every test.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed:UserWarning")


@pytest.mark.parametrize(
    "input_shape, num_classes, filters, expected",
    [
        ((64, 64, 1), 1, (8, 16, 32), (2, 64, 64, 1)),
        ((32, 32, 1), 11, (16, 32, 64, 128), (2, 32, 32, 11)),
        ((48, 32, 3), 4, (4, 8), (2, 48, 32, 4)),
        ((16, 16, 1), 2, (4,), (2, 16, 16, 2)),  # no pooling at all
    ],
)
def test_output_shapes(input_shape, num_classes, filters, expected):
    model = build_unet(input_shape, num_classes=num_classes, filters=filters)
    out = model.predict(np.zeros((2, *input_shape), "float32"), verbose=0)
    assert out.shape == expected
    assert np.all(np.isfinite(out))


def test_softmax_sigmoid_and_logits():
    x = np.random.default_rng(0).random((2, 16, 16, 1)).astype("float32")
    multi = build_unet((16, 16, 1), num_classes=3, filters=(4, 8)).predict(x, verbose=0)
    np.testing.assert_allclose(multi.sum(-1), 1.0, atol=1e-5)
    binary = build_unet((16, 16, 1), num_classes=1, filters=(4, 8)).predict(x, verbose=0)
    assert binary.min() >= 0 and binary.max() <= 1
    logits = build_unet((16, 16, 1), num_classes=3, filters=(4, 8), output="logits")
    assert logits.layers[-1].activation.__name__ == "linear"


def test_resize_upsampling_and_dropout_build():
    model = build_unet((32, 32, 1), 2, filters=(4, 8, 16), upsampling="resize", dropout=0.2, batch_norm=False)
    assert model.output_shape == (None, 32, 32, 2)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)


def test_unknown_spatial_size_is_allowed():
    model = build_unet((None, None, 1), num_classes=2, filters=(4, 8))
    assert model.predict(np.zeros((1, 24, 40, 1), "float32"), verbose=0).shape == (1, 24, 40, 2)


def test_indivisible_size_names_nearest_valid_sizes_and_explains_the_skips():
    with pytest.raises(ValueError, match=r"height 100 is not divisible by 8: a U-Net with 3 poolings .*"
                                         r"skip connection.* Nearest valid sizes: 96 or 104"):
        build_unet((100, 96, 1), num_classes=1, filters=(8, 16, 32, 64))
    with pytest.raises(ValueError, match=r"width 30 is not divisible by 8: .* 24 or 32"):
        check_input_shape((32, 30, 1), depth=3)
    with pytest.raises(ValueError, match=r"height 3 is not divisible by 4: .*Nearest valid sizes: 4 \("):
        check_input_shape((3, 8, 1), depth=2)  # below the factor: one valid size only


def test_numpy_integers_are_accepted_everywhere():
    model = build_unet((np.int64(32), np.int64(32), np.int64(1)), num_classes=np.int64(11),
                       filters=np.array([4, 8]))
    assert model.output_shape == (None, 32, 32, 11)
    assert check_input_shape((np.int32(16), None, 3), depth=np.int64(2)) == (16, None, 3)
    assert build_article_unet((32, 32, 1), fixed=True, num_classes=np.int64(3)).output_shape == (None, 32, 32, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_classes=0), "num_classes must be an integer >= 1, received 0"),
        (dict(num_classes=2.5), "num_classes must be an integer >= 1, received 2.5"),
        (dict(num_classes=True), "num_classes must be an integer >= 1, received True"),
        (dict(filters=()), r"filters must be a non-empty sequence of integers >= 1, received \(\)"),
        (dict(filters=(8, -1)), r"filters must be a non-empty sequence of integers >= 1, received \(8, -1\)"),
        (dict(filters=(8.0, 16)), "filters must be a non-empty sequence of integers"),
        (dict(input_shape=(64, 64)), r"input_shape must be \(height, width, channels\).*received \(64, 64\)"),
        (dict(input_shape=(1, 64, 64, 1)), r"input_shape must be .*received \(1, 64, 64, 1\)"),
        (dict(input_shape=(64, 64, 0)), r"input_shape must be .*received \(64, 64, 0\)"),
        (dict(upsampling="bicubic"), "upsampling must be one of 'transpose', 'resize', received 'bicubic'"),
        (dict(output="softmax"), "output must be one of 'probabilities', 'logits', received 'softmax'"),
        (dict(dropout=1.0), r"dropout must be a number in \[0, 1\), received 1.0"),
        (dict(dropout=float("nan")), r"dropout must be a number in \[0, 1\), received nan"),
    ],
)
def test_bad_arguments(kwargs, message):
    arguments = dict(input_shape=(64, 64, 1), num_classes=1, filters=(4, 8))
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        build_unet(**arguments)


def test_keras_round_trip(tmp_path):
    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    x = np.random.default_rng(1).random((3, 16, 16, 1)).astype("float32")
    path = tmp_path / "unet.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert reloaded.count_params() == model.count_params()


def test_article_unet_as_printed_fails_and_fixed_builds():
    with pytest.raises(ValueError, match="Concatenate"):
        build_article_unet((64, 64, 1))
    fixed = build_article_unet((64, 64, 1), fixed=True)
    assert fixed.output_shape == (None, 64, 64, 1)
    assert fixed.name == "article_unet_fixed"
    assert build_article_unet((32, 32, 1), fixed=True, num_classes=11).output_shape == (None, 32, 32, 11)


def test_article_unet_checks_its_arguments():
    with pytest.raises(ValueError, match=r"height 40 is not divisible by 16: .* 32 or 48"):
        build_article_unet((40, 32, 1), fixed=True)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1, received 0"):
        build_article_unet((32, 32, 1), fixed=True, num_classes=0)


def test_the_old_name_is_gone():
    import segen_lib.models
    import segen_lib.models.unet

    assert not hasattr(segen_lib.models.unet, "build_seed_unet")
    assert not hasattr(segen_lib.models, "build_seed_unet")


def test_one_training_step_is_finite():
    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    # eager: tracing the step costs seconds; the traced step is tested with the ignore label
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((4, 16, 16, 1)).astype("float32"), rng.integers(0, 3, (4, 16, 16)),
                        epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_num_classes_is_a_count(count_check):
    count_check(lambda n: build_unet((16, 16, 1), num_classes=n, filters=(4, 8)), "num_classes")


# Masks and images the U-Net refuses, before any training step ----------------------------
# Learners' mistakes (tests/conftest.py: MASK_MISTAKES) and the U-Net's answers: a ValueError
# that names the argument and says what to do.

@pytest.fixture(scope="module")
def unet3():
    model = build_unet((None, None, 1), num_classes=3, filters=(4, 8, 16))   # 2 poolings: sizes of 4
    model.compile("adam", losses.DiceCrossentropy(num_classes=3))
    return model


def test_unet_fit_checks_masks_before_the_first_step(unet3, refused_mask_mistake, three_class_masks,
                                                     unit_images, keeps_weights):
    _, change, answer = refused_mask_mistake
    images = unit_images(2, (16, 16, 1), seed=1)
    with keeps_weights(unet3):
        with pytest.raises(ValueError, match=answer):
            unet3.fit(images, change(three_class_masks), epochs=1, verbose=0)
        with pytest.raises(ValueError, match=answer):
            unet3.fit(batches.array_batches(images, change(three_class_masks), batch_size=2, shuffle=False),
                      epochs=1, verbose=0)


@pytest.mark.parametrize("size, nearest", [(30, "28 or 32"), (34, "32 or 36")])
def test_unet_for_any_size_names_the_nearest_sizes_at_call_time(unet3, size, nearest):
    x = np.zeros((1, size, size, 1), "float32")
    for call in (lambda: unet3(x), lambda: unet3.predict(x, verbose=0),
                 lambda: unet3.fit(x, np.zeros((1, size, size), "int64"), verbose=0)):
        with pytest.raises(ValueError, match=f"height {size} is not divisible by 4.*Nearest valid sizes: {nearest}"):
            call()
    assert unet3.predict(np.zeros((1, 32, 32, 1), "float32"), verbose=0).shape == (1, 32, 32, 3)


UNET_IMAGE_MISTAKES = {
    "no channel axis": (lambda x: x[..., 0], r"images must have shape \(batch, height, width, 1\).*images\[\.\.\., None\]"),
    "uint8 0..255": (lambda x: (x * 255).astype(np.uint8), r"x / 255 for uint8"),
    "one NaN pixel": (lambda x: np.where(np.arange(x.size).reshape(x.shape) == 0, np.nan, x), r"images holds 1 NaN"),
    "empty batch": (lambda x: x[:0], "images is empty"),
}


@pytest.mark.parametrize("mistake", list(UNET_IMAGE_MISTAKES))
def test_unet_predict_checks_images(unet3, mistake, unit_images):
    change, answer = UNET_IMAGE_MISTAKES[mistake]
    x = change(unit_images(2, (16, 16, 1)))
    with pytest.raises(ValueError, match=answer):
        unet3.predict(x, verbose=0)


def test_unet_survives_saving_and_cloning(tmp_path):
    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    model.save(tmp_path / "unet.keras")
    for copy in (keras.saving.load_model(tmp_path / "unet.keras"), keras.models.clone_model(model)):
        assert type(copy).__name__ == "UNet" and copy.depth == 1 and copy.num_classes == 3
        with pytest.raises(ValueError, match="Nearest valid sizes"):
            copy.predict(np.zeros((1, 15, 16, 1), "float32"), verbose=0)


# The ignore label -------------------------------------------------------------------------
# Masks with pixels labelled 255 train with a loss that ignores them, and are refused with
# one that does not.

@pytest.fixture
def ignore_label_data(ignore_label_masks, unit_images):
    """``(images, masks)``: two 16×16 RGB images in [0, 1], masks of 4 classes with ignored pixels."""
    masks, _ = ignore_label_masks(seed=13, shape=(2, 16, 16))
    return unit_images(2, (16, 16, 3), seed=14), masks


@pytest.mark.parametrize("loss", [losses.DiceCrossentropy(num_classes=4),
                                  keras.losses.SparseCategoricalCrossentropy(ignore_class=255)],
                         ids=["DiceCrossentropy", "SparseCategoricalCrossentropy"])
def test_unet_fits_one_step_on_masks_with_ignored_pixels(loss, ignore_label_data):
    model = build_unet((16, 16, 3), num_classes=4, filters=(4, 8))
    # the course's own loss through a traced step; Keras's eagerly (tracing costs seconds)
    model.compile("adam", loss, run_eagerly=not isinstance(loss, losses.DiceCrossentropy))
    history = model.fit(*ignore_label_data, batch_size=2, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0])


def test_unet_refuses_255_with_a_loss_that_does_not_ignore_it(ignore_label_data, keeps_weights):
    model = build_unet((16, 16, 3), num_classes=4, filters=(4, 8))
    model.compile("adam", "sparse_categorical_crossentropy")
    with keeps_weights(model), pytest.raises(ValueError, match=r"255 is the usual ignore label.*ignore_class=255"):
        model.fit(*ignore_label_data, batch_size=2, epochs=1, verbose=0)


def test_conv_block_takes_another_activation_and_refuses_an_unknown_one():
    inputs = keras.Input((8, 8, 1))
    swish = keras.Model(inputs, conv_block(inputs, 4, batch_norm=False, name="b", activation="swish"))
    assert [layer.name for layer in swish.layers if isinstance(layer, keras.layers.Activation)] == ["b_swish1", "b_swish2"]
    x = np.random.default_rng(0).standard_normal((1, 8, 8, 1)).astype("float32")
    # swish lets negative pre-activations through (slightly), ReLU does not
    assert (swish.predict_on_batch(x) < 0).any()
    with pytest.raises(ValueError, match="'reluu'"):
        conv_block(inputs, 4, activation="reluu")
