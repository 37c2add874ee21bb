"""Tests of segen_lib.models.unet: shapes, errors, save/load, both backends' ops."""

import numpy as np
import pytest
import keras

from segen_lib.models import build_article_unet, build_unet
from segen_lib.models.unet import check_input_shape


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
