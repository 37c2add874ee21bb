"""The GAN model family: the training step on TF and JAX, the recipe's defaults, sampling, errors.

The tiny GANs and image batches come from tests/conftest.py (``tiny_gan``, ``gan_images``).
ConditionalGAN's label checks are in test_models_conditional_gan.py.
"""

import re

import keras
import numpy as np
import pytest

from segen_lib import batches, synthetic
from segen_lib.callbacks import load_gan_checkpoint, save_gan_checkpoint
from segen_lib.models import DCGAN_PAPER, GAN, WGANGP, ConditionalGAN, build_discriminator, build_generator

JAX_ONLY = pytest.mark.skipif(keras.backend.backend() != "jax",
                              reason="JAX-only checks: make test-jax runs them (.ci/run runs it after make test)")

# fit(dataset) warns that its shuffle=True is ignored; segen_lib.batches hides that warning in
# notebooks, and pytest shows it again in every test.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed:UserWarning")


def test_bad_arguments_raise_clear_errors(tiny_gan, gan_images):
    with pytest.raises(ValueError, match=r"makes images of shape \(32, 32, 1\)"):
        GAN(generator=build_generator(16, (32, 32, 1)), discriminator=build_discriminator())
    with pytest.raises(ValueError, match="generator must be a keras.Model"):
        GAN(generator="generator", discriminator=build_discriminator())
    with pytest.raises(ValueError, match="batch normalisation"):
        WGANGP(generator=build_generator(16), discriminator=build_discriminator(normalization="batch"))
    with pytest.raises(ValueError, match="two inputs"):
        ConditionalGAN(generator=build_generator(16), discriminator=build_discriminator(), num_classes=10)
    with pytest.raises(ValueError, match="for class labels use ConditionalGAN"):
        GAN(generator=build_generator(16, num_classes=10), discriminator=build_discriminator())
    with pytest.raises(ValueError, match="d_steps must be an integer >= 1"):
        tiny_gan(d_steps=0)
    with pytest.raises(ValueError, match="gp_weight must be a number"):
        tiny_gan(WGANGP, gp_weight=-1.0)
    gan = tiny_gan()
    with pytest.raises(ValueError, match=r"call `?compile\(\)`? before"):
        gan.fit(gan_images(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="loss must be one of 'non-saturating', 'saturating', 'hinge'"):
        gan.compile(loss="least-squares")
    with pytest.raises(ValueError, match="d_optimizer must be"):
        gan.compile(d_optimizer="adam")
    with pytest.raises(ValueError, match="two different optimizer"):
        optimizer = keras.optimizers.Adam()
        gan.compile(d_optimizer=optimizer, g_optimizer=optimizer)
    with pytest.raises(ValueError, match="ema_momentum must be a number"):
        gan.compile(ema_momentum=1.0)
    with pytest.raises(ValueError, match="num_images must be an integer >= 1"):
        gan.generate(0)


def test_latent_dim_is_read_from_the_generator(tiny_gan):
    assert tiny_gan().latent_dim == 16
    assert GAN(build_generator(np.int64(7)), build_discriminator()).latent_dim == 7


def test_compile_defaults_are_the_chapter_recipe_and_the_paper_is_one_argument_away(tiny_gan):
    gan = tiny_gan()
    gan.compile()
    d, g = gan.d_optimizer, gan.g_optimizer
    assert gan.loss_name == "hinge"
    assert float(d.learning_rate) == pytest.approx(1e-3) and float(g.learning_rate) == pytest.approx(1e-3)
    assert d.beta_1 == 0.0 and g.beta_1 == 0.0
    assert g.use_ema and g.ema_momentum == pytest.approx(0.998) and not d.use_ema
    assert gan.steps_per_execution == 8 and gan.jit_compile in (True, False)  # XLA may be refused
    paper = tiny_gan()
    paper.compile(**DCGAN_PAPER)
    assert paper.loss_name == "non-saturating"
    assert float(paper.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert paper.d_optimizer.beta_1 == 0.5 and paper.g_optimizer.beta_1 == 0.5
    assert not paper.g_optimizer.use_ema


def test_generate_samples_the_average_when_there_is_one(tiny_gan, gan_images):
    gan = tiny_gan()
    gan.compile(steps_per_execution=1, jit_compile=False)
    gan.fit(gan_images(64), epochs=1, batch_size=16, verbose=0)
    np.testing.assert_allclose(gan.generate(8, seed=2), gan.generate(8, seed=2, averaged=True), atol=1e-6)
    assert not np.allclose(gan.generate(8, seed=2), gan.generate(8, seed=2, averaged=False), atol=1e-4)
    plain = tiny_gan()
    plain.compile(ema_momentum=None, steps_per_execution=1, jit_compile=False)
    plain.fit(gan_images(16), epochs=1, batch_size=16, verbose=0)
    np.testing.assert_allclose(plain.generate(4, seed=1), plain.generate(4, seed=1, averaged=False))


def test_the_step_trains_each_network_with_its_own_optimizer_and_keeps_batch_norm_statistics(tiny_gan, gan_images):
    gan = tiny_gan(d_steps=3)
    gan.compile(ema_momentum=None, steps_per_execution=1, jit_compile=False)
    norm = next(layer for layer in gan.generator.layers if isinstance(layer, keras.layers.BatchNormalization))
    before = np.array(keras.ops.convert_to_numpy(norm.moving_mean))
    gan.fit(gan_images(32), epochs=1, batch_size=16, verbose=0)   # 2 steps
    assert int(gan.d_optimizer.iterations) == 6 and int(gan.g_optimizer.iterations) == 2
    assert not np.allclose(keras.ops.convert_to_numpy(norm.moving_mean), before)


def test_gan_fit_on_arrays_sees_a_new_order_each_epoch_under_a_global_seed():
    keras.utils.set_random_seed(0)
    seen = []

    class Record(keras.layers.Layer):
        """Passes images on; in the discriminator's step (8 real then 8 fake) records the real rows."""

        def call(self, x):
            if x.shape[0] == 16:
                seen.append(np.rint(keras.ops.convert_to_numpy(x)[:8, 0, 0, 0] * 100).astype(int).tolist())
            return x

    inputs = keras.Input((28, 28, 1))
    discriminator = keras.Model(inputs, build_discriminator(filters=(8, 16))(Record()(inputs)))
    gan = GAN(build_generator(8, filters=(16, 8)), discriminator, seed=0)
    gan.compile(steps_per_execution=1, jit_compile=False, run_eagerly=True)
    rows = np.full((16, 28, 28, 1), -1.0, "float32")   # images in [-1, 1]
    rows[:, 0, 0, 0] = np.arange(16) / 100   # each image carries its row number
    gan.fit(rows, epochs=2, batch_size=8, shuffle=True, verbose=0)
    first, second = seen[0] + seen[1], seen[2] + seen[3]
    assert sorted(first) == sorted(second) == list(range(16))
    assert first != second


def test_steps_per_epoch_must_be_whole_calls(tiny_gan, gan_images):
    gan = tiny_gan()
    gan.compile(jit_compile=False)   # 8 steps per call
    with pytest.raises(ValueError, match="steps_per_epoch=2 is not a multiple of the steps_per_execution=8"):
        gan.fit(gan_images(), epochs=1, batch_size=16, steps_per_epoch=2, verbose=0)
    assert int(gan.g_optimizer.iterations) == 0


def finite(history):
    return all(np.isfinite(values[-1]) for values in history.history.values())


@pytest.mark.parametrize("loss", ["non-saturating", "saturating", "hinge"])
def test_one_fit_step_is_finite_and_updates_both_networks(loss, tiny_gan, gan_images):
    gan = tiny_gan()
    gan.compile(loss=loss, steps_per_execution=1, jit_compile=False)
    before_g = [w.copy() for w in gan.generator.get_weights()]
    before_d = [w.copy() for w in gan.discriminator.get_weights()]
    history = gan.fit(gan_images(), epochs=1, batch_size=32, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert finite(history)
    assert any(not np.allclose(a, b) for a, b in zip(before_g, gan.generator.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(before_d, gan.discriminator.get_weights()))


@pytest.fixture
def xla_allowed():
    """Keras turns XLA off while TensorFlow's op determinism is on (a resume test switches
    it on for bit-exact checks): switch it off for one test, then restore it."""
    if keras.backend.backend() != "tensorflow":
        yield
        return
    from tensorflow.python.framework import config

    was_on = config.is_op_determinism_enabled()
    config.disable_op_determinism()
    yield
    if was_on:
        config.enable_op_determinism()


@pytest.mark.parametrize("jit_compile", [False, True])
def test_several_steps_per_execution_run_every_step(jit_compile, xla_allowed, tiny_gan, gan_images):
    gan = tiny_gan()
    gan.compile(loss="hinge", steps_per_execution=4, jit_compile=jit_compile)   # True: XLA
    assert gan.jit_compile == jit_compile   # not silently switched off
    history = gan.fit(gan_images(80), epochs=2, batch_size=16, verbose=0)   # 5 steps per epoch: 4 + 1
    assert finite(history)
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == 10


def test_fit_on_a_dataset_and_variants(tiny_gan, gan_images):
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.data input is for the TensorFlow backend")
    gan = tiny_gan(seed=None)
    eager = {"jit_compile": False, "run_eagerly": True}   # a few steps: not worth tracing or compiling
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-4), g_optimizer=keras.optimizers.Adam(1e-4), **eager)
    assert finite(gan.fit(tf.data.Dataset.from_tensor_slices(gan_images()).batch(16), epochs=1, verbose=0,
                          shuffle=False))
    cgan = tiny_gan(ConditionalGAN, seed=None)
    cgan.compile(**eager)
    assert finite(cgan.fit(gan_images(), np.arange(32) % 10, epochs=1, batch_size=16, verbose=0))
    assert cgan.generate(4, labels=[1, 2, 3, 4]).shape == (4, 28, 28, 1)
    wgan = tiny_gan(WGANGP, seed=None, d_steps=2)
    wgan.compile(**eager)
    history = wgan.fit(gan_images(), epochs=1, batch_size=16, verbose=0)
    assert finite(history) and "gp" in history.history


@pytest.fixture
def averaging_gan(tiny_gan):
    """``averaging_gan(momentum, conditional=False)``: a small GAN whose generator optimizer
    keeps a moving average of the weights."""
    def make(momentum, conditional=False):
        gan = tiny_gan(ConditionalGAN if conditional else GAN)
        gan.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, use_ema=True, ema_momentum=momentum))
        return gan

    return make


def trainable(model):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.trainable_variables]


def test_averaged_generator_is_the_moving_average_of_the_weights(averaging_gan, gan_images):
    momentum = 0.9
    gan = averaging_gan(momentum)
    expected = None
    for step in range(3):
        gan.fit(gan_images(16, seed=step), epochs=1, batch_size=16, verbose=0)   # one step
        current = trainable(gan.generator)
        # The first step starts the average at the weights; then m * average + (1 - m) * weights.
        expected = current if expected is None else [momentum * a + (1 - momentum) * w
                                                     for a, w in zip(expected, current)]
    averaged = gan.averaged_generator()
    for got, want in zip(trainable(averaged), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(a, w) for a, w in zip(expected, current))   # not just a copy
    # The generator itself is untouched.
    for got, want in zip(trainable(gan.generator), current):
        np.testing.assert_array_equal(got, want)
    # The first batch norm's moving mean is recomputed for the averaged weights: the mean of
    # Dense(z) (no bias) over the 2,048 calibration noise vectors drawn with seed 0.
    calibration = np.random.default_rng(0).standard_normal((2048, 16)).astype("float32")
    dense = next(layer for layer in averaged.layers if isinstance(layer, keras.layers.Dense))
    norm = next(layer for layer in averaged.layers if isinstance(layer, keras.layers.BatchNormalization))
    kernel = keras.ops.convert_to_numpy(dense.kernel)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_mean), (calibration @ kernel).mean(0),
                               rtol=1e-4, atol=1e-5)
    noise_seed = 3   # 300 samples: more than one batch of 256
    np.testing.assert_allclose(gan.generate(300, seed=noise_seed, averaged=True),
                               averaged.predict(keras.random.normal((300, 16), seed=noise_seed), verbose=0),
                               atol=1e-6)


def test_averaged_generator_needs_an_averaging_optimizer_and_works_for_a_conditional_gan(
        tiny_gan, averaging_gan, gan_images):
    gan = tiny_gan(seed=None)
    with pytest.raises(ValueError, match="use_ema=True"):
        gan.averaged_generator()
    gan.compile(ema_momentum=None)
    with pytest.raises(ValueError, match="use_ema=True"):
        gan.generate(2, averaged=True)
    cgan = averaging_gan(0.5, conditional=True)
    cgan.fit(gan_images(16), np.arange(16) % 10, epochs=1, batch_size=16, verbose=0)
    made = cgan.generate(4, seed=0, labels=[1, 2, 3, 4], averaged=True)
    assert made.shape == (4, 28, 28, 1) and np.isfinite(made).all()
    expected = cgan.averaged_generator().predict(
        [keras.random.normal((4, 16), seed=0), np.array([1, 2, 3, 4], "int32")], verbose=0)
    np.testing.assert_allclose(made, expected, atol=1e-6)


# Images the GAN refuses, before any training step ---------------------------------------
# Learners' mistakes with image batches (tests/conftest.py: IMAGE_MISTAKES) and what GAN.fit
# answers: a ValueError that names the argument and says what to do. Every check runs before
# any training step, so each refused case costs no training.

GAN_IMAGE_ANSWERS = {
    "no batch axis": r"images must have 4 axes",
    "uint8 0..255": r"images must be floats in \[-1, 1\], received uint8 .* x / 127\.5 - 1",
    "floats 0..255": r"images must be in \[-1, 1\], received values in \[[0-9.]+, 255\].* x / 127\.5 - 1",
    "floats in [0, 1]": r"no value is negative.* x \* 2 - 1",
    "one NaN pixel": r"images holds 1 NaN",
    "empty batch": r"images is empty",
    "strings": r"images must hold numbers",
}


@pytest.fixture(scope="module")
def compiled_gan(tiny_gan):
    """A tiny GAN compiled for one step per call, without XLA: the refusal tests share it."""
    model = tiny_gan(latent_dim=8, filters=(16, 8))
    model.compile(jit_compile=False, steps_per_execution=1)
    return model


def test_gan_fit_refuses_images_outside_minus_one_one(compiled_gan, gan_images, image_mistake,
                                                      expect_answer, keeps_weights):
    mistake, change = image_mistake
    x = change(gan_images())
    with keeps_weights(compiled_gan):   # refused before any step
        expect_answer(lambda: compiled_gan.fit(x, epochs=1, batch_size=16, verbose=0), GAN_IMAGE_ANSWERS[mistake])


@pytest.mark.parametrize("image_mistake", ["uint8 0..255", "floats 0..255", "floats in [0, 1]", "one NaN pixel"],
                         indirect=True)
def test_gan_fit_checks_the_first_batch_of_a_dataset(compiled_gan, gan_images, image_mistake):
    mistake, change = image_mistake
    x = change(gan_images())
    dataset = batches.array_batches(x, batch_size=16, shuffle=False)
    with pytest.raises(ValueError, match=GAN_IMAGE_ANSWERS[mistake]):
        compiled_gan.fit(dataset, epochs=1, verbose=0)


def test_generate_counts(compiled_gan):
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match=f"num_images must be an integer >= 1, received {bad!r}"):
            compiled_gan.generate(bad)
    assert compiled_gan.generate(np.int64(2), averaged=False).shape == (2, 28, 28, 1)


def test_a_gan_on_a_backend_its_step_is_not_written_for_is_refused_at_compile(monkeypatch, tiny_gan):
    model = tiny_gan(latent_dim=8, filters=(16, 8), seed=None)
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")   # as under KERAS_BACKEND=torch
    with pytest.raises(ValueError, match="run on the tensorflow and jax backends, received backend 'torch'"):
        model.compile()


def test_a_gan_of_points_checks_finite_samples_of_its_shape():
    noise = keras.Input((2,))
    generator = keras.Model(noise, keras.layers.Dense(2)(keras.layers.Dense(8, activation="relu")(noise)))
    samples = keras.Input((2,))
    discriminator = keras.Model(samples, keras.layers.Dense(1)(keras.layers.Dense(8, activation="relu")(samples)))
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(jit_compile=False, steps_per_execution=1, ema_momentum=None)
    points = synthetic.sample_ring(64, seed=0)   # any scale: points are not images
    gan.fit(points * 10, epochs=1, batch_size=32, verbose=0)
    with pytest.raises(ValueError, match="samples holds 1 NaN"):
        gan.fit(np.where(np.arange(128).reshape(64, 2) == 5, np.nan, points), batch_size=32, verbose=0)
    with pytest.raises(ValueError, match=r"samples must have shape \(n, 2\)"):
        gan.fit(np.zeros((64, 3), "float32"), batch_size=32, verbose=0)


# Under JAX -------------------------------------------------------------------------------
# Checks that hold under JAX only (jax.numpy inputs, the JAX training step): make test-jax
# runs them. ConditionalGAN's labels under JAX: test_models_conditional_gan.py; the
# segmentation loss on jax.numpy masks: test_losses_segmentation.py.

@pytest.fixture
def jax_gan(tiny_gan):
    """A tiny GAN compiled with the chapter's defaults (hinge loss, averaged generator, 8 steps per call)."""
    gan = tiny_gan()
    gan.compile()
    return gan


@pytest.fixture
def averaging_jax_gan(tiny_gan, gan_images):
    """``(gan, first, second)``: a GAN whose generator optimizer averages with momentum 0.9, after
    one step on each half of ``gan_images(32)``, with the generator's weights after each step."""
    x = gan_images(32)
    gan = tiny_gan()
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.9))
    gan.fit(x[:16], epochs=1, batch_size=16, verbose=0)
    first = [np.array(v) for v in gan.generator.trainable_variables]
    gan.fit(x[16:], epochs=1, batch_size=16, verbose=0)
    second = [np.array(v) for v in gan.generator.trainable_variables]
    return gan, first, second


@JAX_ONLY
def test_one_fit_step_is_finite_and_trains_the_generator_under_jax(jax_gan, gan_images):
    before = jax_gan.generator.get_weights()[0].copy()
    logs = jax_gan.fit(gan_images(32), epochs=1, batch_size=16, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values()), logs
    assert not np.allclose(before, jax_gan.generator.get_weights()[0])


@JAX_ONLY
def test_one_wgangp_fit_step_is_finite_under_jax(tiny_gan, gan_images):
    wgan = tiny_gan(WGANGP, seed=None, d_steps=2)
    wgan.compile()
    logs = wgan.fit(gan_images(32), epochs=1, batch_size=16, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values()), logs


@JAX_ONLY
def test_the_generator_average_is_carried_through_the_jax_step(averaging_jax_gan):
    gan, first, second = averaging_jax_gan
    averaged = [np.array(v) for v in gan.averaged_generator().trainable_variables]
    for a, w1, w2 in zip(averaged, first, second):
        assert np.allclose(a, 0.9 * w1 + 0.1 * w2, rtol=1e-5, atol=1e-6)


@JAX_ONLY
def test_using_the_averaged_copy_leaves_the_training_state_intact_under_jax(averaging_jax_gan, gan_images,
                                                                            tmp_path):
    """Predict with and call the averaged copy, then generate, fit on, and checkpoint the GAN."""
    gan, _, _ = averaging_jax_gan
    copy = gan.averaged_generator()
    copy.predict(np.zeros((4, 16), "float32"), verbose=0)
    copy(np.zeros((2, 16), "float32"))
    assert gan.generate(8, averaged=True).shape == (8, 28, 28, 1)
    gan.fit(gan_images(32), epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "gan.npz"
    save_gan_checkpoint(gan, path, epoch=2)
    assert load_gan_checkpoint(gan, path) == 2
    assert np.isfinite(gan.generate(4)).all()


@JAX_ONLY
def test_batch_norm_statistics_updated_in_the_jax_step_reach_the_model(jax_gan, gan_images):
    norm = [v for v in jax_gan.generator.non_trainable_variables if "moving_mean" in v.path][0]
    before = np.array(norm)
    jax_gan.fit(gan_images(32), epochs=1, batch_size=16, verbose=0)
    assert not np.allclose(before, np.array(norm))


@JAX_ONLY
def test_several_steps_per_execution_run_every_step_under_jax(tiny_gan, gan_images):
    gan = tiny_gan()
    gan.compile(loss="hinge", steps_per_execution=4)
    x = gan_images(32)
    logs = gan.fit(np.concatenate([x, x, x[:16]]), epochs=2, batch_size=16, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values()), logs
    assert int(gan.g_optimizer.iterations) == int(gan.d_optimizer.iterations) == 10


@JAX_ONLY
def test_gan_fit_refuses_images_of_another_scale_under_jax(jax_gan, uint8_images, unit_images):
    """The image checks hold under JAX and XLA: such images would otherwise train silently."""
    with pytest.raises(ValueError, match=re.escape("x / 127.5 - 1")):
        jax_gan.fit(uint8_images(32), batch_size=16, verbose=0)
    with pytest.raises(ValueError, match=re.escape("x * 2 - 1")):
        jax_gan.fit(unit_images(32), batch_size=16, verbose=0)


def test_saving_a_gan_as_one_file_names_the_courses_ways(tiny_gan, tmp_path):
    gan = tiny_gan(seed=0)
    gan.compile(jit_compile=False)
    with pytest.raises(NotImplementedError, match=r"save_gan_checkpoint\(gan, path, epoch\).*gan.generator.save"):
        gan.save(tmp_path / "gan.keras")
    assert not (tmp_path / "gan.keras").exists()


def test_options_after_the_networks_are_keywords_so_an_old_positional_call_is_refused(tiny_networks):
    from segen_lib.models import WGANGP, ConditionalGAN

    generator, discriminator = tiny_networks()
    with pytest.raises(ValueError, match=r"takes its options by keyword .* received 1 more positional argument 8\. "
                                         r"The latent size is read from the generator"):
        GAN(generator, discriminator, 8)       # once a latent size; would now be d_steps
    with pytest.raises(ValueError, match=r"WGANGP\(generator, discriminator, \.\.\.\) takes its options by keyword"):
        WGANGP(*tiny_networks(discriminator_filters=(16, 32)), 5)
    with pytest.raises(ValueError, match=r"ConditionalGAN\(generator, discriminator, num_classes, \.\.\.\)"):
        ConditionalGAN(*tiny_networks(num_classes=10), 10, 2)
    assert GAN(generator, discriminator, d_steps=2).d_steps == 2

