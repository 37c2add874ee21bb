"""The DCGAN builders: shapes, conditional inputs, saving, clear errors for bad arguments."""

import keras
import numpy as np
import pytest

from segen_lib.models import build_discriminator, build_generator


@pytest.mark.parametrize("shape,filters", [((28, 28, 1), (64, 32)), ((32, 32, 3), (64, 32)),
                                           ((64, 64, 3), (64, 32, 16, 8))])
def test_builder_shapes(shape, filters):
    generator = build_generator(16, shape, filters=filters)
    discriminator = build_discriminator(shape, filters=filters[::-1])
    made = generator(np.zeros((2, 16), "float32"))
    assert tuple(made.shape) == (2,) + shape
    assert tuple(discriminator(made).shape) == (2, 1)
    assert float(keras.ops.max(keras.ops.abs(made))) <= 1.0


def test_conditional_builders_take_labels():
    generator = build_generator(8, num_classes=10)
    discriminator = build_discriminator(num_classes=10)
    made = generator([np.zeros((3, 8), "float32"), np.array([0, 5, 9])])
    assert tuple(discriminator([np.asarray(made), np.array([0, 5, 9])]).shape) == (3, 1)


def test_generator_and_discriminator_save_and_load(tmp_path, gan_images):
    generator, discriminator = build_generator(16, filters=(32, 16)), build_discriminator(filters=(16, 32))
    noise = np.random.default_rng(0).normal(size=(4, 16)).astype("float32")
    for model, inputs in ((generator, noise), (discriminator, gan_images(4))):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0),
                                   atol=1e-6)


def test_builders_accept_numpy_integers():
    generator = build_generator(np.int64(8), image_shape=(np.int64(28), 28, 1),
                                filters=(np.int32(16), 8), num_classes=np.int64(10))
    assert generator.output_shape == (None, 28, 28, 1)
    assert build_discriminator(filters=np.array([8, 16])).output_shape == (None, 1)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"height 30 is not divisible by 4.*Nearest valid sizes: 28 or 32"):
        build_generator(16, (30, 30, 1))
    with pytest.raises(ValueError, match=r"width 34 is not divisible by 8.*Nearest valid sizes: 32 or 40"):
        build_generator(16, (32, 34, 1), filters=(32, 16, 8))
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1, received 0"):
        build_generator(0)
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1, received 16.0"):
        build_generator(16.0)
    with pytest.raises(ValueError, match="filters must be a non-empty sequence"):
        build_generator(16, filters=())
    with pytest.raises(ValueError, match="image_shape must be"):
        build_discriminator((28, 28))
    with pytest.raises(ValueError, match="normalization must be one of None, 'batch', 'layer'"):
        build_discriminator(normalization="group")
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0.0, 1.0\)"):
        build_discriminator(dropout=1.0)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1"):
        build_discriminator(num_classes=0)


def test_latent_dim_is_a_count(count_check):
    count_check(lambda n: build_generator(latent_dim=n, filters=(8, 4)), "latent_dim")
