"""Fréchet distance and KID: known values, and the shipped feature extractor."""

import numpy as np
import pytest

from segen_lib.data import load_fashion_mnist
from segen_lib.metrics import fid, frechet_distance, frechet_distance_from_statistics, kernel_distance
from segen_lib.metrics.fid import extract_features


def test_identical_gaussians_are_at_distance_zero():
    sigma = np.array([[2.0, 0.3], [0.3, 1.0]])
    assert frechet_distance_from_statistics(np.ones(2), sigma, np.ones(2), sigma) == pytest.approx(0, abs=1e-9)


def test_shifted_means_give_squared_shift():
    sigma = np.diag([1.0, 4.0, 0.5])
    shift = np.array([1.0, -2.0, 0.5])
    value = frechet_distance_from_statistics(np.zeros(3), sigma, shift, sigma)
    assert value == pytest.approx(shift @ shift)


def test_scaled_covariance_known_value():
    # 1-D: (mu_a - mu_b)^2 + (s_a - s_b)^2 for standard deviations s.
    assert frechet_distance_from_statistics([0.0], [[1.0]], [0.0], [[4.0]]) == pytest.approx(1.0)


def test_frechet_distance_of_samples_is_small_for_one_distribution():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5000, 4)), rng.normal(size=(5000, 4))
    assert frechet_distance(a, b) < 0.02
    assert frechet_distance(a, b + 3.0) == pytest.approx(36.0, rel=0.02)


def test_kid_near_zero_for_one_distribution_and_positive_otherwise():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(1000, 8)), rng.normal(size=(1000, 8))
    same, _ = kernel_distance(a, b, num_subsets=5, subset_size=500)
    shifted, _ = kernel_distance(a, b + 1.0, num_subsets=5, subset_size=500)
    assert abs(same) < 0.01
    assert shifted > 0.1


def test_bad_features_raise():
    with pytest.raises(ValueError, match="same number of features"):
        frechet_distance(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="num_samples"):
        frechet_distance(np.zeros(4), np.zeros((4, 3)))


def test_fid_of_real_vs_real_is_small_and_noise_is_far():
    train, _ = load_fashion_mnist("train", limit=1000)
    test, _ = load_fashion_mnist("test", limit=1000)
    floor = fid(train, test)
    noise = np.random.default_rng(0).uniform(-1, 1, (1000, 28, 28, 1)).astype("float32")
    assert floor < 2.0
    assert fid(noise, test) > 50 * floor


def test_features_shape_and_input_checks():
    images, _ = load_fashion_mnist("test", limit=4)
    assert extract_features(images).shape == (4, 128)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        extract_features(images.astype("float32"))
    with pytest.raises(ValueError, match="28×28"):
        extract_features(np.zeros((2, 32, 32, 1), "float32"))
