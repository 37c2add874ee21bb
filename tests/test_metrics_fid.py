"""Fréchet distance and KID: known values, the shipped feature extractor, images of another scale."""

import numpy as np
import pytest

from segen_lib.callbacks import FIDMonitor
from segen_lib.datasets import load_fashion_mnist
from segen_lib.metrics import fid, frechet_distance, frechet_distance_from_statistics, kernel_distance
from segen_lib.metrics.fid import extract_features

ACCEPTED = None   # a table entry meaning: documented as accepted, must not raise


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


def test_fid_of_real_vs_real_is_small_and_noise_is_far(gan_images):
    train, _ = load_fashion_mnist("train", limit=1000)
    test, _ = load_fashion_mnist("test", limit=1000)
    floor = fid(train, test)
    noise = gan_images(1000)   # uniform noise in [-1, 1]
    assert floor < 2.0
    assert fid(noise, test) > 50 * floor


def test_features_shape_and_input_checks():
    images, _ = load_fashion_mnist("test", limit=4)
    assert extract_features(images).shape == (4, 128)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        extract_features(images.astype("float32"))
    with pytest.raises(ValueError, match="28×28"):
        extract_features(np.zeros((2, 32, 32, 1), "float32"))


# Images of another scale, and NaN features ------------------------------------------------
# Learners' mistakes with image batches (tests/conftest.py: IMAGE_MISTAKES) and what the
# feature extractor answers: it takes [-1, 1] floats, and uint8 images, which it scales itself.

FID_IMAGE_ANSWERS = {
    "no batch axis": r"images must be 28×28 grey images",
    "uint8 0..255": ACCEPTED,   # documented: uint8 images are scaled by the metric itself
    "floats 0..255": r"images must be in \[-1, 1\], received values in \[[0-9.]+, 255\].* x / 127\.5 - 1",
    "floats in [0, 1]": r"no value is negative.* x \* 2 - 1",
    "one NaN pixel": r"images holds 1 NaN",
    "empty batch": r"images is empty",
    "strings": r"images must hold numbers",
}


def test_fid_refuses_images_of_another_scale(image_mistake, gan_images, expect_answer):
    mistake, change = image_mistake
    x = change(gan_images(16))
    expect_answer(lambda: extract_features(x), FID_IMAGE_ANSWERS[mistake])


def test_fid_of_the_same_images_in_two_scales_is_refused_not_131():
    images, _ = load_fashion_mnist("test", limit=100)
    in_0_1, in_minus1_1 = images / 255.0, images / 127.5 - 1.0
    with pytest.raises(ValueError, match=r"\[0, 1\].*x \* 2 - 1"):
        fid(in_0_1, in_minus1_1)
    assert fid(images, in_minus1_1) == pytest.approx(0.0, abs=1e-6)   # uint8 == scaled
    with pytest.raises(ValueError, match=r"\[0, 1\].*x \* 2 - 1"):
        FIDMonitor(in_0_1, num_images=4)   # its real images are checked when it is made


def test_feature_statistics_with_nan_are_refused():
    bad = np.ones((10, 4))
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="features_a holds 1 NaN"):
        frechet_distance(bad, np.ones((10, 4)))
    with pytest.raises(ValueError, match="sigma_b holds"):
        frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.inf))
    with pytest.raises(ValueError, match="subset_size must be an integer >= 2"):
        kernel_distance(np.ones((10, 4)), np.ones((10, 4)), subset_size=1)
