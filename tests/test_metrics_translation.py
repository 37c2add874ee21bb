"""The FCN-score with the shipped road-scene segmenter, and the Laplacian energy against SciPy."""

import keras
import numpy as np
import pytest
from scipy import ndimage

from segen_lib.metrics import fcn_score, laplacian_energy, load_road_segmenter


@pytest.fixture(scope="module")
def scenes(road_scenes):
    images, maps = road_scenes(24, image_size=(32, 64), seed=2)
    return images * 2 - 1, maps


def test_the_shipped_segmenter_segments_real_scenes_well(scenes):
    images, maps = scenes
    segmenter = load_road_segmenter()
    assert segmenter.input_shape == (None, 32, 64, 3) and segmenter.output_shape == (None, 32, 64, 19)
    report = fcn_score(images, maps)
    assert report["mean"]["iou"] > 0.75 and report["road"]["iou"] > 0.9


def test_a_blurred_scene_scores_lower_than_the_real_one_and_noise_scores_near_zero(scenes, gan_images):
    images, maps = scenes
    real = fcn_score(images, maps)["mean"]["iou"]
    blurred = ndimage.uniform_filter(images, size=(1, 5, 5, 1))
    assert fcn_score(blurred, maps)["mean"]["iou"] < real - 0.1
    noise = gan_images(len(images), images.shape[1:], seed=0)   # uniform noise in [-1, 1]
    assert fcn_score(noise, maps)["mean"]["iou"] < 0.2


def test_scenes_twice_the_size_are_shrunk_to_the_segmenters_size(road_scenes):
    images, maps = road_scenes(24, image_size=(64, 128), seed=2)
    images = images * 2 - 1
    report = fcn_score(images, maps)
    small = images.reshape(24, 32, 2, 64, 2, 3).mean(axis=(2, 4))      # block means by hand
    by_hand = fcn_score(small, maps[:, 1::2, 1::2])
    assert all(np.allclose(list(report[k].values()), list(by_hand[k].values()), equal_nan=True) for k in report)
    assert report["mean"]["iou"] > 0.6


def test_fcn_score_refuses_bad_input(scenes):
    images, maps = scenes
    with pytest.raises(ValueError, match="no value is negative"):
        fcn_score((images + 1) / 2, maps)                    # scenes in [0, 1]
    with pytest.raises(ValueError, match="same n, H and W"):
        fcn_score(images, maps[:, :16])
    with pytest.raises(ValueError, match="maps"):
        fcn_score(images, maps + 19)
    with pytest.raises(ValueError, match="whole multiple"):
        fcn_score(np.zeros((2, 48, 96, 3), "float32") - 0.5, np.zeros((2, 48, 96), np.uint8))
    segmenter = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(19, 1)])
    assert fcn_score(images, maps, segmenter=segmenter)["mean"]["iou"] < 0.5   # any fixed segmenter


def test_laplacian_energy_equals_scipys_laplace_per_image_and_channel():
    images = np.random.default_rng(0).normal(size=(3, 9, 11, 2)).astype("float32")
    expected = np.mean([ndimage.laplace(images[i, ..., c].astype(np.float64), mode="reflect") ** 2
                        for i in range(3) for c in range(2)])
    assert np.isclose(laplacian_energy(images), expected)
    blurred = ndimage.gaussian_filter(images, sigma=(0, 1, 1, 0))
    assert laplacian_energy(blurred) < 0.2 * laplacian_energy(images)
    with pytest.raises(ValueError, match="float"):
        laplacian_energy(np.zeros((2, 4, 4), np.float32))
    with pytest.raises(ValueError, match="images"):
        laplacian_energy(np.full((1, 4, 4, 1), np.nan))
