"""Corruptions: ranges, shapes, severity ordering, determinism, bad arguments."""

import numpy as np
import pytest

from segen_lib.data.corruptions import CORRUPTIONS, SEVERITIES, corrupt
from segen_lib.data.road_scenes import make_road_scenes


@pytest.fixture(scope="module")
def images():
    return make_road_scenes(4, seed=0)[0]


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


def test_random_gaussian_noise_draws_a_strength_per_image():
    import keras

    from segen_lib.data import RandomGaussianNoise

    layer = RandomGaussianNoise(0.2, seed=0)
    images = np.zeros((64, 16, 16, 1), np.float32)
    np.testing.assert_array_equal(np.asarray(layer(images)), images)  # inference: unchanged
    noisy = np.asarray(layer(images, training=True))
    spread = noisy.std(axis=(1, 2, 3))
    assert 0 < spread.min() < 0.05 and 0.15 < spread.max() <= 0.22  # strengths from ~0 to 0.2
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert restored.max_stddev == 0.2
    with pytest.raises(ValueError, match="max_stddev"):
        RandomGaussianNoise(-1)


def test_photometric_augmentation_changes_light_not_geometry():
    from segen_lib.data import photometric_augmentation

    images = make_road_scenes(8, image_size=(16, 32), seed=0)[0]
    augment = photometric_augmentation(seed=1)
    np.testing.assert_allclose(np.asarray(augment(images, training=False)), images, atol=1e-6)
    changed = np.asarray(augment(images, training=True))
    assert changed.shape == images.shape and np.abs(changed - images).mean() > 0.01
    with pytest.raises(ValueError, match="contrast"):
        photometric_augmentation(contrast=1.5)
