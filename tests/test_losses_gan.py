"""GAN losses of segen_lib.losses: known values, symmetric cases, gradients at the extremes."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from segen_lib import losses

LOG2 = math.log(2.0)


def _value(tensor) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(tensor), dtype=np.float64)


def _grad(fn, x: np.ndarray) -> np.ndarray:
    """Gradient of the scalar ``fn(x)`` with the current backend's autodiff."""
    x = np.asarray(x, dtype=np.float32)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        variable = tf.Variable(x)
        with tf.GradientTape() as tape:
            loss = fn(variable)
        return tape.gradient(loss, variable).numpy().astype(np.float64)
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(fn)(x), dtype=np.float64)
    pytest.skip(f"no gradient helper for the {backend} backend")


def test_value_function_at_the_equilibrium_is_minus_log_4():
    zeros = np.zeros((8, 1), dtype=np.float32)  # D = 1/2 everywhere
    assert _value(losses.value_function(zeros, zeros)) == pytest.approx(-math.log(4.0), abs=1e-6)
    assert _value(losses.discriminator_loss(zeros, zeros)) == pytest.approx(math.log(4.0), abs=1e-6)


def test_value_function_matches_probability_formula():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(2, 64)).astype(np.float32) * 3
    d_real, d_fake = 1 / (1 + np.exp(-real.astype(np.float64))), 1 / (1 + np.exp(-fake.astype(np.float64)))
    expected = np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))
    assert _value(losses.value_function(real, fake)) == pytest.approx(expected, rel=1e-5)


def test_discriminator_loss_equals_binary_cross_entropy():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(2, 32, 1)).astype(np.float32)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    expected = _value(bce(np.ones_like(real), real)) + _value(bce(np.zeros_like(fake), fake))
    assert _value(losses.discriminator_loss(real, fake)) == pytest.approx(expected, rel=1e-5)


def test_perfect_discriminator_has_zero_loss_and_value():
    real = np.full((4,), 50.0, dtype=np.float32)
    fake = np.full((4,), -50.0, dtype=np.float32)
    assert _value(losses.discriminator_loss(real, fake)) == pytest.approx(0.0, abs=1e-6)
    assert _value(losses.value_function(real, fake)) == pytest.approx(0.0, abs=1e-6)


def test_value_function_symmetry_swapping_roles():
    # Swapping real and fake and negating the logits (D -> 1 - D) gives the same value.
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(2, 16)).astype(np.float32)
    assert _value(losses.value_function(real, fake)) == pytest.approx(
        _value(losses.value_function(-fake, -real)), rel=1e-6)


@pytest.mark.parametrize("saturating", [False, True])
def test_generator_losses_at_d_one_half(saturating):
    # At D(G(z)) = 1/2 both losses are log 2 in size: -log(1/2) and log(1 - 1/2).
    zeros = np.zeros((5,), dtype=np.float32)
    expected = -LOG2 if saturating else LOG2
    assert _value(losses.generator_loss(zeros, saturating=saturating)) == pytest.approx(expected, abs=1e-6)


def test_generator_losses_known_values():
    logit = np.array([math.log(3.0)], dtype=np.float32)  # D = 3/4
    assert _value(losses.generator_loss(logit)) == pytest.approx(-math.log(0.75), rel=1e-5)
    assert _value(losses.generator_loss(logit, saturating=True)) == pytest.approx(math.log(0.25), rel=1e-5)


def test_generator_losses_are_finite_at_extreme_logits():
    extreme = np.array([-100.0, 100.0], dtype=np.float32)  # D = 0 and D = 1 in float32
    for saturating in (False, True):
        assert np.isfinite(_value(losses.generator_loss(extreme, saturating=saturating)))
    assert np.isfinite(_value(losses.discriminator_loss(extreme, extreme)))


@pytest.mark.parametrize("logit", [-30.0, -5.0, 0.0, 5.0, 30.0])
def test_generator_gradients_match_the_analytic_formulas(logit):
    # d/dl softplus(-l) = -(1 - D) (non-saturating); d/dl [-softplus(l)] = -D (saturating).
    d = 1.0 / (1.0 + math.exp(-logit))
    x = np.array([logit], dtype=np.float32)
    non_saturating = _grad(lambda v: losses.generator_loss(v), x)[0]
    saturating = _grad(lambda v: losses.generator_loss(v, saturating=True), x)[0]
    assert np.isfinite(non_saturating) and np.isfinite(saturating)
    assert non_saturating == pytest.approx(-(1 - d), rel=1e-4, abs=1e-12)
    assert saturating == pytest.approx(-d, rel=1e-4, abs=1e-12)


def test_saturating_gradient_vanishes_where_non_saturating_does_not():
    # D rejects the fakes confidently (D(G(z)) ~ 1e-13): the minimax loss gives G no signal.
    x = np.array([-30.0], dtype=np.float32)
    assert abs(_grad(lambda v: losses.generator_loss(v, saturating=True), x)[0]) < 1e-12
    assert abs(_grad(lambda v: losses.generator_loss(v), x)[0]) == pytest.approx(1.0, abs=1e-6)


def test_discriminator_gradients_finite_when_saturated():
    real = np.array([100.0, -100.0], dtype=np.float32)
    grad = _grad(lambda v: losses.discriminator_loss(v, -v), real)
    assert np.all(np.isfinite(grad))
    # Right answer (D = 1 on a real sample, D = 0 on its fake twin): gradient 0; wrong answer: -1.
    assert grad == pytest.approx([0.0, -1.0], abs=1e-6)


def test_wasserstein_losses_known_values_and_gradients():
    real = np.array([1.0, 3.0], dtype=np.float32)
    fake = np.array([-1.0, 0.0], dtype=np.float32)
    assert _value(losses.wasserstein_critic_loss(real, fake)) == pytest.approx(-2.5)
    assert _value(losses.wasserstein_generator_loss(fake)) == pytest.approx(0.5)
    # The critic's loss is linear in its scores: gradient -1/n on real, +1/n on fake, never 0.
    assert _grad(lambda v: losses.wasserstein_critic_loss(v, fake), real) == pytest.approx([-0.5, -0.5])
    assert _grad(lambda v: losses.wasserstein_generator_loss(v), fake) == pytest.approx([-0.5, -0.5])


def test_hinge_losses_known_values_and_margins():
    real = np.array([2.0, 0.5, -1.0], dtype=np.float32)
    fake = np.array([-3.0, 0.0], dtype=np.float32)
    # max(0, 1 - l) on real: 0, 0.5, 2 -> mean 5/6; max(0, 1 + l) on fake: 0, 1 -> mean 1/2.
    assert _value(losses.hinge_discriminator_loss(real, fake)) == pytest.approx(5 / 6 + 1 / 2, rel=1e-6)
    assert _value(losses.hinge_generator_loss(fake)) == pytest.approx(1.5)
    # Samples past the margin (real above 1, fake below -1) get no gradient; the others -1/n or +1/n.
    assert _grad(lambda v: losses.hinge_discriminator_loss(v, fake), real) == pytest.approx([0.0, -1 / 3, -1 / 3])
    assert _grad(lambda v: losses.hinge_discriminator_loss(real, v), fake) == pytest.approx([0.0, 0.5])
    assert _grad(losses.hinge_generator_loss, fake) == pytest.approx([-0.5, -0.5])


def test_hinge_optimum_is_two_minus_twice_the_total_variation():
    # Two points a, b; p_data = (3/4, 1/4) and p_g = (1/4, 3/4), as 4 samples each.
    # The best scores are sign(p_data - p_g): +1 on a, -1 on b; TV = 1/2, so L_D* = 2 - 2 TV = 1.
    best = {"a": 1.0, "b": -1.0}
    real = np.array([best[x] for x in "aaab"], dtype=np.float32)
    fake = np.array([best[x] for x in "abbb"], dtype=np.float32)
    optimum = _value(losses.hinge_discriminator_loss(real, fake))
    assert optimum == pytest.approx(2 - 2 * 0.5)
    # Any other pair of scores on a and b does no better.
    for score_a in np.linspace(-2, 2, 9):
        for score_b in np.linspace(-2, 2, 9):
            scores = {"a": score_a, "b": score_b}
            other = losses.hinge_discriminator_loss(np.array([scores[x] for x in "aaab"], np.float32),
                                                    np.array([scores[x] for x in "abbb"], np.float32))
            assert _value(other) >= optimum - 1e-6
