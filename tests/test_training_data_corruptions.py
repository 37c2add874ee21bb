"""Corruptions: ranges, shapes, severity ordering, determinism, bad arguments."""

import numpy as np
import pytest

from segen_lib.training_data.corruptions import CORRUPTIONS, SEVERITIES, corrupt


@pytest.fixture(scope="module")
def images(road_scenes):
    return road_scenes(4, seed=0)[0]


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_range_shape_and_growing_severity(images, corruption):
    distances = []
    for severity in SEVERITIES:
        out = corrupt(images, corruption, severity, seed=1)
        assert out.shape == images.shape and out.dtype == np.float32
        assert 0 <= out.min() and out.max() <= 1
        distances.append(np.abs(out - images).mean())
    assert 0.005 < distances[0] < distances[1] < distances[2], distances


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_deterministic_for_a_seed(images, corruption):
    np.testing.assert_array_equal(corrupt(images, corruption, 2, seed=3),
                                  corrupt(images, corruption, 2, seed=3))


def test_known_values():
    flat = np.full((1, 4, 4, 3), 0.5, np.float32)
    np.testing.assert_allclose(corrupt(flat, "brightness", 2), 0.7, atol=1e-6)
    np.testing.assert_allclose(corrupt(flat, "gaussian_blur", 3), 0.5, atol=1e-6)  # blur keeps a flat image
    ramp = np.linspace(0, 1, 16, dtype=np.float32).reshape(1, 4, 4, 1)
    low = corrupt(ramp, "contrast", 1)
    np.testing.assert_allclose(low - low.mean(), 0.4 * (ramp - ramp.mean()), atol=1e-6)
    noisy = corrupt(np.full((1, 64, 64, 1), 0.5, np.float32), "gaussian_noise", 1)
    assert abs(noisy.std() - 0.08) < 0.01


@pytest.mark.parametrize("kwargs,match", [
    ({"corruption": "snow"}, "corruption"),
    ({"severity": 0}, "severity"),
    ({"severity": 4}, "severity"),
    ({"severity": 2.0}, "severity"),
    ({"images": np.zeros((2, 8, 8, 3), np.uint8)}, "x / 255"),
    ({"images": np.full((2, 8, 8, 3), 200.0, np.float32)}, "x / 255"),
    ({"images": np.zeros((8, 8, 3), np.float32)}, "4 axes"),
])
def test_bad_arguments(kwargs, match):
    arguments = {"images": np.zeros((2, 8, 8, 3), np.float32), "corruption": "fog", "severity": 1,
                 **kwargs}
    with pytest.raises(ValueError, match=match):
        corrupt(**arguments)
