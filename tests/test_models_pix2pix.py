"""pix2pix: the generator, one training step on the backend in use, the loss terms, checkpoints, bad input.

``make test`` runs these under TensorFlow and ``make test-jax`` under JAX.
"""

import keras
import numpy as np
import pytest
from keras import ops

from segen_lib.callbacks import load_gan_checkpoint, save_gan_checkpoint
from segen_lib.losses import gan as gan_losses
from segen_lib.models import (Pix2Pix, build_patch_discriminator, build_pix2pix_generator,
                              one_hot_images)

K, SIZE = 4, (16, 16)
# Steps run eagerly: tracing a graph or compiling costs seconds, more than these few steps.
EAGER = {"steps_per_execution": 1, "jit_compile": False, "run_eagerly": True}


def _networks(seed=0, discriminator=True, classes=K):
    keras.utils.set_random_seed(seed)
    generator = build_pix2pix_generator(SIZE + (classes,), 3, filters=(8, 16))
    if not discriminator:
        return generator, None
    return generator, build_patch_discriminator(SIZE + (classes,), SIZE + (3,), filters=(8, 16))


def _pairs(n=8, seed=0):
    rng = np.random.default_rng(seed)
    maps = rng.integers(0, K, (n,) + SIZE).astype("uint8")
    palette = rng.uniform(-1, 1, (K, 3)).astype("float32")
    return maps, palette[maps]          # each class drawn in its own colour: a learnable pair


def _model(**kwargs):
    generator, discriminator = _networks(discriminator=kwargs.pop("discriminator", True))
    model = Pix2Pix(generator, discriminator, num_classes=K, seed=0, **kwargs)
    model.compile(**EAGER)
    return model


def test_generator_makes_images_in_minus_one_to_one_of_the_input_size():
    generator = build_pix2pix_generator((16, 32, 5), 3, filters=(8, 16, 32))
    out = ops.convert_to_numpy(generator(np.random.default_rng(0).normal(size=(2, 16, 32, 5))
                                         .astype("float32") * 10))
    assert out.shape == (2, 16, 32, 3) and np.abs(out).max() <= 1
    with pytest.raises(ValueError, match="output_channels"):
        build_pix2pix_generator((16, 16, 5), 0)
    with pytest.raises(ValueError, match="divisible"):
        build_pix2pix_generator((18, 16, 5), 3, filters=(8, 16, 32))


def test_generator_upsamples_by_resizing_when_asked_and_refuses_an_unknown_mode():
    resized = build_pix2pix_generator((16, 32, 5), 3, filters=(8, 16), upsampling="resize")
    kinds = {type(layer).__name__ for layer in resized.layers}
    assert "UpSampling2D" in kinds and "Conv2DTranspose" not in kinds
    assert resized.output_shape == (None, 16, 32, 3)
    default = build_pix2pix_generator((16, 32, 5), 3, filters=(8, 16))
    assert any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in default.layers)
    with pytest.raises(ValueError, match="upsampling"):
        build_pix2pix_generator((16, 32, 5), 3, filters=(8, 16), upsampling="nearest")


def test_one_hot_images_are_plus_one_for_the_class_and_minus_one_elsewhere():
    maps = np.array([[[0, 3], [255, 1]]], np.uint8)
    hot = one_hot_images(maps, 4)
    assert hot.shape == (1, 2, 2, 4) and hot.dtype == np.float32
    assert hot.argmax(-1)[0, 0, 0] == 0 and hot.argmax(-1)[0, 0, 1] == 3 and hot.argmax(-1)[0, 1, 1] == 1
    assert (hot.sum(-1)[0, 1, 0] == -4)                       # the ignore label: -1 everywhere
    assert set(np.unique(hot)) == {-1.0, 1.0}
    with pytest.raises(ValueError, match="maps"):
        one_hot_images(np.array([[[0, 4]]]), 4)


@pytest.mark.parametrize("discriminator", [True, False])
def test_one_fit_step_is_finite_and_moves_the_generator(discriminator):
    model = _model(discriminator=discriminator)
    maps, images = _pairs()
    before = [np.array(w) for w in model.generator.get_weights()]
    history = model.fit(maps, images, batch_size=8, epochs=1, verbose=0).history
    expected = {"d_loss", "g_loss", "g_gan", "g_l1", "d_real", "d_fake"} if discriminator else {"g_loss", "g_l1"}
    assert set(history) == expected
    assert all(np.isfinite(values[-1]) for values in history.values())
    after = model.generator.get_weights()
    assert any(not np.allclose(b, a) for b, a in zip(before, after))
    out = model.translate(maps[:3])
    assert out.shape == (3,) + SIZE + (3,) and np.abs(out).max() <= 1


def _objective(l1_weight):
    """The generator's objective on one batch: (model, images, condition, fake, g_loss, logs)."""
    model = _model(l1_weight=l1_weight)
    maps, images = _pairs()
    condition = model.condition(maps)
    fake = model.generator(condition, training=False)
    return (model, images, condition, fake) + tuple(model.generator_objective(images, fake, condition))


def test_l1_weight_zero_leaves_the_adversarial_loss_alone():
    model, _, condition, fake, g_loss, logs = _objective(0.0)
    logits = model.discriminator([condition, fake], training=True)
    expected = ops.convert_to_numpy(gan_losses.generator_loss(logits))
    assert np.isclose(ops.convert_to_numpy(g_loss), expected, rtol=1e-5)
    assert ops.convert_to_numpy(logs["g_l1"]) > 0          # measured, but weighted by 0


def test_the_l1_weight_scales_the_l1_term():
    _, images, _, fake, g_loss, logs = _objective(100.0)
    l1 = np.abs(ops.convert_to_numpy(fake) - images).mean()
    assert np.isclose(ops.convert_to_numpy(logs["g_l1"]), l1, rtol=1e-5)
    assert np.isclose(ops.convert_to_numpy(g_loss),
                      ops.convert_to_numpy(logs["g_gan"]) + 100 * l1, rtol=1e-5)


def test_without_a_discriminator_one_step_is_plain_l1_regression():
    """Pix2Pix without a discriminator takes the same step as the generator fitted with Keras's MAE."""
    maps, images = _pairs()
    generator, _ = _networks(discriminator=False)
    reference = keras.models.clone_model(generator)
    reference.set_weights(generator.get_weights())
    model = Pix2Pix(generator, None, num_classes=K, seed=0)
    model.compile(**EAGER)
    model.fit(maps, images, batch_size=8, epochs=1, shuffle=False, verbose=0)
    reference.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), loss="mae", jit_compile=False,
                      run_eagerly=True)
    reference.fit(one_hot_images(maps, K) * 0.5 + 0.5, images, batch_size=8, epochs=1, shuffle=False,
                  verbose=0)
    for ours, theirs in zip(generator.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_float_inputs_translate_images_to_images():
    keras.utils.set_random_seed(0)
    generator = build_pix2pix_generator(SIZE + (3,), K, filters=(8, 16))
    discriminator = build_patch_discriminator(SIZE + (3,), SIZE + (K,), filters=(8, 16))
    model = Pix2Pix(generator, discriminator, seed=0)       # scene -> label map, as images
    model.compile(**EAGER)
    maps, images = _pairs()
    history = model.fit(images, one_hot_images(maps, K), batch_size=8, verbose=0).history
    assert np.isfinite(history["g_loss"][-1])
    assert model.translate(images).shape == (8,) + SIZE + (K,)


def test_checkpoint_round_trip_restores_every_variable(tmp_path):
    model = _model()
    maps, images = _pairs()
    model.fit(maps, images, batch_size=4, epochs=1, verbose=0)
    path = save_gan_checkpoint(model, tmp_path / "pix2pix.npz", epoch=1)
    other = _model()
    assert load_gan_checkpoint(other, path) == 1
    for mine, theirs in zip(model.generator.get_weights() + model.discriminator.get_weights(),
                            other.generator.get_weights() + other.discriminator.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    for a, b in zip(model.g_optimizer.variables, other.g_optimizer.variables):
        np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    # The L1-only model has other variables: refused whole.
    with pytest.raises(ValueError, match="variables"):
        load_gan_checkpoint(_model(discriminator=False), path)


def test_bad_networks_raise_clear_errors():
    generator, discriminator = _networks()
    with pytest.raises(ValueError, match="num_classes=5"):
        Pix2Pix(generator, discriminator, num_classes=5)
    with pytest.raises(ValueError, match="nothing to minimise"):
        Pix2Pix(generator, None, num_classes=K, l1_weight=0)
    with pytest.raises(ValueError, match="l1_weight"):
        Pix2Pix(generator, discriminator, num_classes=K, l1_weight=-1)
    other = build_patch_discriminator((32, 32, K), (32, 32, 3), filters=(8, 16))
    with pytest.raises(ValueError, match="must be equal"):
        Pix2Pix(generator, other, num_classes=K)
    with pytest.raises(ValueError, match="keras.Model"):
        Pix2Pix("generator", discriminator, num_classes=K)
    with pytest.raises(ValueError, match="2 input"):
        Pix2Pix(generator, generator, num_classes=K)


def test_bad_data_raises_clear_errors_before_any_step():
    model = _model()
    maps, images = _pairs()
    cases = [
        ((maps[:, :8], images), "height and width"),          # maps of another size than the networks'
        ((maps, images[:, :8]), "same size"),                 # images of another size than their maps
        ((maps + K, images), "maps"),                         # a label of a class that does not exist
        ((maps, images * 0.5 + 0.5), "no value is negative"),  # images in [0, 1]
        ((maps, (images * 127.5 + 127.5).astype("uint8")), "127.5"),  # images in 0..255
        ((maps, images * 3), r"\[-1, 1\]"),                   # out of range
        ((maps[:4], images), "4 inputs for 8 targets"),
        ((one_hot_images(maps, K) * 0.5 + 0.5, images), "one-hot channels are made inside"),
        ((maps, images[..., :2]), "3 channels"),
    ]
    for (x, y), match in cases:
        with pytest.raises(ValueError, match=match):
            model.fit(x, y, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="pairs"):
        model.fit(maps, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="translate"):
        model.generate(4)
    with pytest.raises(ValueError, match="maps"):
        model.translate(maps.astype("float32") + 0.5)


def test_the_ignore_label_is_an_all_zero_condition():
    model = _model()
    maps = np.full((1,) + SIZE, 255, np.uint8)
    assert np.all(ops.convert_to_numpy(model.condition(maps)) == 0)
    assert model.translate(maps).shape == (1,) + SIZE + (3,)


def test_saving_pix2pix_as_one_file_names_the_courses_ways(tmp_path):
    from segen_lib.models import Pix2Pix, build_pix2pix_generator

    model = Pix2Pix(build_pix2pix_generator((16, 32, 4), 3, filters=(8, 16)), None, num_classes=4)
    model.compile(jit_compile=False)
    with pytest.raises(NotImplementedError, match=r"a Pix2Pix is saved as a checkpoint.*generator.save"):
        model.save(tmp_path / "pix2pix.keras")
    assert not (tmp_path / "pix2pix.keras").exists()


def test_pix2pix_options_are_keywords():
    from segen_lib.models import Pix2Pix, build_pix2pix_generator

    with pytest.raises(ValueError, match=r"Pix2Pix\(generator, discriminator, \.\.\.\) takes its options by keyword"):
        Pix2Pix(build_pix2pix_generator((16, 32, 4), 3, filters=(8, 16)), None, 4)

