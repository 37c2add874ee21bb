"""segen_lib.models.diffusion: the schedule, the closed-form marginal, DDIM/DDPM steps, training and sampling."""

import keras
import numpy as np
import pytest

from segen_lib.models.diffusion import (Diffusion, NoiseSchedule, TimeEmbedding, build_noise_predictor,
                                        ddim_step, ddim_timesteps)


def test_linear_schedule_known_values():
    schedule = NoiseSchedule(1000, "linear")
    assert schedule.betas[0] == pytest.approx(1e-4) and schedule.betas[-1] == pytest.approx(0.02)
    assert schedule.alpha_bars[0] == pytest.approx(0.9999)
    assert schedule.alpha_bars[1] == pytest.approx(0.9999 * (1 - (1e-4 + 0.0199 / 999)))
    assert schedule.alpha_bars[-1] == pytest.approx(4.0358e-05, rel=1e-3)   # Ho et al.'s T = 1000
    assert np.all(np.diff(schedule.alpha_bars) < 0)


def test_cosine_schedule_known_values():
    schedule = NoiseSchedule(1000, "cosine")
    f = lambda t: np.cos((t / 1000 + 0.008) / 1.008 * np.pi / 2) ** 2  # noqa: E731
    for t in (0, 1, 250, 500, 998):
        assert schedule.alpha_bars[t] == pytest.approx(f(t + 1) / f(0), rel=1e-9)
    assert schedule.alpha_bars[499] == pytest.approx(0.4938, abs=1e-3)   # about half way: half the signal power
    assert schedule.betas.max() == pytest.approx(0.999)                   # the clip at the end
    assert np.all((schedule.betas > 0) & (schedule.betas < 1))


def test_closed_form_marginal_matches_the_simulated_chain():
    schedule = NoiseSchedule(200, "linear", beta_start=1e-3, beta_end=0.05)
    rng = np.random.default_rng(0)
    x0 = np.array([-1.0, 0.0, 0.7], np.float64)
    x = np.repeat(x0[None], 20000, axis=0)
    for t in range(120):
        x = np.sqrt(1 - schedule.betas[t]) * x + np.sqrt(schedule.betas[t]) * rng.standard_normal(x.shape)
    mean, std = np.sqrt(schedule.alpha_bars[119]) * x0, np.sqrt(1 - schedule.alpha_bars[119])
    np.testing.assert_allclose(x.mean(axis=0), mean, atol=0.02)
    np.testing.assert_allclose(x.std(axis=0), std, rtol=0.02)
    noise = rng.standard_normal((3, 2, 2, 1)).astype(np.float32)
    images = np.full((3, 2, 2, 1), 0.5, np.float32)
    steps = np.array([0, 119, 199])
    noisy = keras.ops.convert_to_numpy(schedule.add_noise(images, steps, noise))
    expected = (np.sqrt(schedule.alpha_bars[steps])[:, None, None, None] * 0.5
                + np.sqrt(1 - schedule.alpha_bars[steps])[:, None, None, None] * noise)
    np.testing.assert_allclose(noisy, expected, rtol=1e-5, atol=1e-6)


def test_ddim_with_eta_one_over_every_step_is_the_ddpm_posterior():
    schedule = NoiseSchedule(100, "linear", beta_start=1e-3, beta_end=0.05)
    rng = np.random.default_rng(1)
    x_t, eps, z = (rng.standard_normal((4, 3, 3, 1)) * 0.3 for _ in range(3))
    t = 40
    a_t, a_prev, beta = schedule.alpha_bars[t], schedule.alpha_bars[t - 1], schedule.betas[t]
    x_prev, x0 = ddim_step(x_t, eps, t, t - 1, schedule, eta=1.0, noise=z, clip=False)
    # Ho et al. 2020, eq. 7: the mean and variance of q(x_{t-1} | x_t, x_0).
    x0_true = (x_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t)
    mean = (np.sqrt(a_prev) * beta / (1 - a_t)) * x0_true + (np.sqrt(1 - beta) * (1 - a_prev) / (1 - a_t)) * x_t
    variance = (1 - a_prev) / (1 - a_t) * beta
    np.testing.assert_allclose(x0, x0_true, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x_prev, mean + np.sqrt(variance) * z, rtol=1e-4, atol=1e-5)


def test_ddim_deterministic_step_recovers_an_exact_noise_prediction():
    schedule = NoiseSchedule(50, "cosine")
    rng = np.random.default_rng(2)
    x0 = rng.uniform(-0.9, 0.9, (2, 4, 4, 1))
    eps = rng.standard_normal(x0.shape)
    a = schedule.alpha_bars
    x_t = np.sqrt(a[30]) * x0 + np.sqrt(1 - a[30]) * eps
    x_prev, x0_hat = ddim_step(x_t, eps, 30, 10, schedule)
    np.testing.assert_allclose(x0_hat, x0, atol=1e-5)
    np.testing.assert_allclose(x_prev, np.sqrt(a[10]) * x0 + np.sqrt(1 - a[10]) * eps, atol=1e-5)
    last, _ = ddim_step(x_t, eps, 30, -1, schedule)
    np.testing.assert_allclose(last, x0, atol=1e-5)      # past step 0 only x_0 is left


def test_timesteps_and_bad_steps():
    assert ddim_timesteps(1000, 1).tolist() == [999]
    assert ddim_timesteps(10, 10).tolist() == list(range(9, -1, -1))
    schedule = NoiseSchedule(10)
    x = np.zeros((1, 2, 2, 1))
    with pytest.raises(ValueError, match="at most the schedule's 10"):
        ddim_timesteps(10, 11)
    with pytest.raises(ValueError, match="t_prev < t"):
        ddim_step(x, x, 3, 5, schedule)
    with pytest.raises(ValueError, match="pass noise"):
        ddim_step(x, x, 5, 3, schedule, eta=0.5)
    with pytest.raises(ValueError, match="eta"):
        ddim_step(x, x, 5, 3, schedule, eta=2)
    with pytest.raises(ValueError, match="counted from 0"):
        schedule.check_steps(np.array([0, 10]))
    with pytest.raises(ValueError, match="integers"):
        schedule.check_steps(np.array([0.5]))
    with pytest.raises(ValueError, match=r"predicted_noise must be shaped like x_t \(1, 2, 2, 1\).*output channels"):
        ddim_step(x, np.zeros((1, 2, 2, 3)), 5, 3, schedule)     # a 3-channel network for 1-channel images
    with pytest.raises(ValueError, match="noise must be shaped like x_t"):
        ddim_step(x, x, 5, 3, schedule, eta=1.0, noise=np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match="schedule must be a NoiseSchedule.*model.schedule"):
        ddim_step(x, x, 5, 3, "cosine")
    with pytest.raises(ValueError, match="t must be an integer"):
        ddim_step(x, x, 5.0, 3, schedule)
    with pytest.raises(ValueError, match="NaN"):
        ddim_step(np.full_like(x, np.nan), x, 5, 3, schedule)


@pytest.mark.parametrize("num_steps", [10, 50, 100, 1000])
def test_the_linear_schedule_ends_in_noise_for_any_number_of_steps(num_steps):
    # DDPM's 1e-4..0.02 is for T = 1000; by default the range scales with 1000 / T.
    schedule = NoiseSchedule(num_steps, "linear")
    assert schedule.alpha_bars[-1] < 1e-3
    assert schedule.betas[0] == pytest.approx(1e-4 * 1000 / num_steps)
    assert 0 < schedule.betas.max() < 1


def test_a_schedule_that_does_not_reach_noise_is_refused():
    # DDPM's range kept for 10 steps: the last step keeps 0.904 of the signal power.
    with pytest.raises(ValueError, match=r"keeps alpha_bar = 0.904 .* more steps"):
        NoiseSchedule(10, "linear", beta_start=1e-4, beta_end=0.02)


def test_bad_schedules_and_networks():
    with pytest.raises(ValueError, match="'cosine' or 'linear'"):
        NoiseSchedule(100, "quadratic")
    with pytest.raises(ValueError, match="at least 2"):
        NoiseSchedule(1)
    with pytest.raises(ValueError, match="patch_size"):
        build_noise_predictor((28, 28, 1), patch_size=3)
    with pytest.raises(ValueError, match="two levels"):
        build_noise_predictor((28, 28, 1), filters=(8,))
    with pytest.raises(ValueError, match="even"):
        TimeEmbedding(7)
    plain = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(1, 1)])
    with pytest.raises(ValueError, match=r"\[x_t, t\]"):
        Diffusion(plain)


@pytest.mark.parametrize("shape, padded", [((30, 30, 1), (32, 32)), ((29, 30, 1), (32, 32)), ((28, 28, 1), (32, 32))])
def test_sides_the_poolings_cannot_halve_are_padded_and_cropped_back(shape, padded):
    # Two poolings on 2x2 patches need sides divisible by 8: 28, 29 and 30 are padded to 32.
    network = build_noise_predictor(shape, filters=(4, 8, 8), time_dim=8, patch_size=2)
    assert tuple(network.get_layer("pad").output.shape[1:3]) == padded
    out = network.predict_on_batch([np.zeros((2, *shape), "float32"), np.array([0, 5], "int32")])
    assert out.shape == (2, *shape)


def test_sides_that_need_no_padding_get_no_padding_layer():
    network = build_noise_predictor((16, 16, 1), filters=(4, 8), time_dim=8, patch_size=2)
    assert "pad" not in [layer.name for layer in network.layers]
    assert "crop" not in [layer.name for layer in network.layers]


def test_time_embedding_values():
    features = keras.ops.convert_to_numpy(TimeEmbedding(4)(np.array([0, 1, 10])))
    np.testing.assert_allclose(features[0], [0, 0, 1, 1], atol=1e-7)
    # frequencies 1 and 1e-4 for dim 4: sin(t), sin(t/10000), cos(t), cos(t/10000)
    np.testing.assert_allclose(features[2], [np.sin(10), np.sin(1e-3), np.cos(10), np.cos(1e-3)], rtol=1e-5)


@pytest.fixture
def tiny_model():
    keras.utils.set_random_seed(0)
    network = build_noise_predictor((8, 8, 1), filters=(8, 16), time_dim=8, patch_size=2)
    model = Diffusion(network, NoiseSchedule(20, "linear", beta_start=1e-3, beta_end=0.2), ema_momentum=0.5)
    model.compile(learning_rate=1e-2, run_eagerly=keras.backend.backend() == "tensorflow")
    return model


def test_one_training_step_is_finite_and_moves_the_network_and_its_average(tiny_model, gan_images):
    images = gan_images(16, (8, 8, 1))
    before = [w.copy() for w in tiny_model.network.get_weights()]
    history = tiny_model.fit(images, batch_size=8, epochs=1, verbose=0)
    loss = history.history["loss"][-1]
    assert np.isfinite(loss) and loss > 0
    after = tiny_model.network.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    assert int(keras.ops.convert_to_numpy(tiny_model.optimizer.iterations)) == 2
    # the optimizer's average (momentum 0.5 here): not the last weights, not the first
    averaged = tiny_model.averaged_network().get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(averaged, after))
    assert any(not np.allclose(a, b) for a, b in zip(averaged, before))
    assert tiny_model.averaged_network() is tiny_model.averaged_network()    # one copy per step count


def test_the_average_is_the_optimizers_moving_average_of_the_steps(gan_images):
    """Keras's average: the weights after the first step, then m * average + (1 - m) * weights."""
    keras.utils.set_random_seed(0)
    network = build_noise_predictor((8, 8, 1), filters=(8, 16), time_dim=8, patch_size=2)
    model = Diffusion(network, NoiseSchedule(20, "linear", beta_start=1e-3, beta_end=0.2), ema_momentum=0.5)
    model.compile(learning_rate=1e-2, run_eagerly=keras.backend.backend() == "tensorflow")
    images = gan_images(8, (8, 8, 1))
    model.fit(images, batch_size=8, epochs=1, verbose=0)
    first = network.get_weights()
    model.fit(images, batch_size=8, epochs=1, verbose=0)
    expected = [0.5 * a + 0.5 * b for a, b in zip(first, network.get_weights())]
    for got, want in zip(model.averaged_network().get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_without_an_average_sampling_uses_the_last_weights_and_asking_for_one_is_refused():
    network = build_noise_predictor((8, 8, 1), filters=(8, 16), time_dim=8, patch_size=2)
    model = Diffusion(network, NoiseSchedule(20), ema_momentum=None)
    with pytest.raises(ValueError, match="needs an optimizer that keeps a weight average"):
        model.averaged_network()                                     # not compiled
    model.compile()
    with pytest.raises(ValueError, match="needs an optimizer that keeps a weight average"):
        model.sample(2, steps=2)
    assert model.sample(2, steps=2, averaged=False).shape == (2, 8, 8, 1)
    with pytest.raises(ValueError, match="optimizer must be a keras.optimizers.Optimizer"):
        model.compile(optimizer="adam")


def test_sampler_output_range_shape_and_path(tiny_model):
    images, path = tiny_model.sample(5, steps=4, eta=0.0, seed=0, batch_size=2, return_path=True)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    assert path.shape == (4, 5, 8, 8, 1)
    again = tiny_model.sample(5, steps=4, eta=0.0, seed=0)
    np.testing.assert_array_equal(images, again)              # DDIM: noise fixed, result fixed
    ddpm = tiny_model.sample(3, steps=20, eta=1.0, seed=1)
    assert ddpm.shape == (3, 8, 8, 1) and np.isfinite(ddpm).all()


def test_fit_and_sample_refuse_bad_arguments(tiny_model):
    with pytest.raises(ValueError, match="127.5"):
        tiny_model.fit(np.full((4, 8, 8, 1), 200, np.float32), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="shape"):
        tiny_model.fit(np.zeros((4, 6, 6, 1), np.float32) - 0.5, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="at most"):
        tiny_model.sample(2, steps=21)
    with pytest.raises(ValueError, match="eta"):
        tiny_model.sample(2, eta=-0.1)
    with pytest.raises(ValueError, match="num_images"):
        tiny_model.sample(0)
    fresh = Diffusion(build_noise_predictor((8, 8, 1), filters=(8, 16), time_dim=8))
    with pytest.raises(ValueError, match="compile"):
        fresh.fit(np.zeros((4, 8, 8, 1), np.float32) - 0.5, epochs=1, verbose=0)


def test_saving_a_diffusion_model_as_one_file_names_the_way(tiny_model, tmp_path):
    with pytest.raises(NotImplementedError, match=r"averaged_network\(\).save"):
        tiny_model.save(tmp_path / "diffusion.keras")
    assert not (tmp_path / "diffusion.keras").exists()


def test_options_are_keywords_and_a_schedule_named_by_its_kind_is_refused_with_the_fix():
    network = build_noise_predictor((8, 8, 1), filters=(8, 16), time_dim=8, patch_size=2)
    with pytest.raises(ValueError, match=r"Diffusion\(network, schedule, \.\.\.\) takes its options by keyword"):
        Diffusion(network, NoiseSchedule(20), 0.99)
    with pytest.raises(ValueError, match=r"schedule must be a NoiseSchedule \(e\.g\. NoiseSchedule\(1000, 'cosine'\)"):
        Diffusion(network, schedule="cosine")



@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="denoising_step outside fit needs TensorFlow")
def test_denoising_step_is_the_weighted_loss_on_the_given_steps_and_noise(gan_images):
    """The loss before the update is sum_i w_t |eps - eps_theta(x_t, t)|^2 / n, with min-SNR weights."""
    keras.utils.set_random_seed(0)
    network = build_noise_predictor((8, 8, 1), filters=(8, 16), time_dim=8, patch_size=2)
    schedule = NoiseSchedule(20, "cosine")
    model = Diffusion(network, schedule, ema_momentum=0.5, min_snr_gamma=2.0)
    model.compile(learning_rate=1e-2, run_eagerly=True)
    images = gan_images(8, (8, 8, 1))
    steps = np.arange(8, dtype="int32") * 2
    noise = np.random.default_rng(0).standard_normal(images.shape).astype("float32")
    noisy = keras.ops.convert_to_numpy(schedule.add_noise(images, steps, noise))
    predicted = np.asarray(network.predict_on_batch([noisy, steps]))
    snr = schedule.alpha_bars[steps] / (1 - schedule.alpha_bars[steps])
    expected = np.mean(np.minimum(snr, 2.0) / snr * np.mean((noise - predicted) ** 2, axis=(1, 2, 3)))
    before = [w.copy() for w in network.get_weights()]
    loss = float(model.denoising_step(images, steps, noise))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(before, network.get_weights()))


def test_the_shipped_noise_predictor_is_verified_and_denoises():
    from segen_lib.datasets.shipped import DataFileError, noise_predictor_path

    try:
        path = noise_predictor_path()
    except DataFileError as error:
        pytest.skip(f"no shipped noise predictor: {error}")
    network = keras.saving.load_model(path, compile=False)
    assert [tuple(i.shape) for i in network.inputs] == [(None, 28, 28, 1), (None,)]
    schedule = NoiseSchedule(1000, "cosine")
    from segen_lib.datasets import load_fashion_mnist

    images = load_fashion_mnist("test", limit=64)[0][..., None].astype("float32") / 127.5 - 1.0
    noise = np.random.default_rng(0).standard_normal(images.shape).astype("float32")
    steps = np.full(64, 500, "int32")
    predicted = network.predict([keras.ops.convert_to_numpy(schedule.add_noise(images, steps, noise)), steps],
                                verbose=0)
    assert np.mean((predicted - noise) ** 2) < 0.5 * np.mean(noise ** 2)   # far better than predicting zero
