"""Gradient penalty of WGAN-GP: known value on a linear critic."""

import numpy as np
import pytest
from keras import ops

from segen_lib.losses import gradient_penalty


def linear_critic(weights):
    flat = ops.convert_to_tensor(weights.reshape(-1, 1), "float32")

    def critic(images):
        return ops.matmul(ops.reshape(images, (ops.shape(images)[0], -1)), flat)

    return critic


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_linear_critic_gives_norm_minus_one_squared(scale):
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(4, 4, 1))
    weights *= scale / np.linalg.norm(weights)
    real = rng.normal(size=(6, 4, 4, 1)).astype("float32")
    fake = rng.normal(size=(6, 4, 4, 1)).astype("float32")
    penalty = gradient_penalty(linear_critic(weights), real, fake, seed=1)
    assert float(penalty) == pytest.approx((scale - 1.0) ** 2, abs=1e-4)


def test_quadratic_critic_with_given_weights():
    # f(x) = sum(x^2)/2 has gradient x; at x_hat = eps*real + (1-eps)*fake.
    real = np.ones((2, 1, 1, 1), "float32") * 2.0
    fake = np.zeros((2, 1, 1, 1), "float32")
    eps = np.array([0.25, 1.0], "float32").reshape(2, 1, 1, 1)

    def critic(images):
        return ops.sum(ops.square(images), axis=(1, 2, 3)) / 2

    penalty = gradient_penalty(critic, real, fake, epsilon=eps)
    # gradients 0.5 and 2.0 -> ((0.5-1)^2 + (2-1)^2)/2
    assert float(penalty) == pytest.approx((0.25 + 1.0) / 2, abs=1e-5)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(lambda x: x, np.zeros((2, 4, 4, 1)), np.zeros((3, 4, 4, 1)))
