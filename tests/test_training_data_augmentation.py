"""segen_lib.training_data.augmentation: paired geometric augmentation of images and masks,
photometric augmentation, and the per-image Gaussian noise layer."""

import keras
import numpy as np
import pytest
from keras import ops

from segen_lib.synthetic import make_digit_scenes
from segen_lib.training_data import RandomGaussianNoise, paired_augmentation, photometric_augmentation


# paired_augmentation --------------------------------------------------------------------

def test_paired_augmentation_moves_image_and_mask_together():
    images, masks = make_digit_scenes(6, seed=2, split="test")
    augment = paired_augmentation(flip=True, shift=0.15, rotation=0.05, seed=3)
    out = augment({"images": images, "segmentation_masks": masks[..., None].astype("float32")}, training=True)
    new_images = ops.convert_to_numpy(out["images"])
    new_masks = ops.convert_to_numpy(out["segmentation_masks"])[..., 0]
    assert new_images.shape == images.shape
    assert set(np.unique(new_masks)) <= set(range(11))  # nearest neighbour keeps classes
    assert not np.array_equal(new_masks, masks)  # something moved
    bright = new_images[..., 0] > 0.7
    assert np.mean(new_masks[bright] > 0) > 0.95  # bright pixels are still under the mask


def test_paired_augmentation_errors():
    with pytest.raises(ValueError, match=r"shift must be a number in \[0, 1\), received 1.5"):
        paired_augmentation(shift=1.5)
    with pytest.raises(ValueError, match=r"shift must be a number in \[0, 1\), received 1"):
        paired_augmentation(shift=1)
    with pytest.raises(ValueError, match=r"rotation must be a number in \[0, 0.5\], received 2"):
        paired_augmentation(rotation=2)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, received 'a'"):
        paired_augmentation(seed="a")


def test_paired_augmentation_layers_follow_the_arguments():
    assert [type(layer).__name__ for layer in paired_augmentation(seed=0).layers] == [
        "RandomFlip", "RandomTranslation", "RandomRotation"]
    assert [type(layer).__name__ for layer in paired_augmentation(flip=False, shift=0).layers] == [
        "RandomRotation"]


def test_paired_augmentation_takes_masks_as_scenes_come():
    images, masks = make_digit_scenes(2, split="test")
    augment = paired_augmentation(seed=0)
    out = augment({"images": images, "segmentation_masks": masks}, training=True)
    assert tuple(out["segmentation_masks"].shape) == masks.shape   # back without a channel axis
    with_axis = augment({"images": images, "segmentation_masks": masks[..., None]}, training=True)
    assert tuple(with_axis["segmentation_masks"].shape) == masks[..., None].shape
    with pytest.raises(ValueError, match="takes a dict"):
        augment(images)
    with pytest.raises(ValueError, match="images must have 4 axes"):
        augment({"images": images[..., 0], "segmentation_masks": masks})


# RandomGaussianNoise and photometric_augmentation ---------------------------------------

def test_random_gaussian_noise_draws_a_strength_per_image():
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


def test_photometric_augmentation_changes_light_not_geometry(road_scenes):
    images = road_scenes(8, image_size=(16, 32), seed=0)[0]
    augment = photometric_augmentation(seed=1)
    np.testing.assert_allclose(np.asarray(augment(images, training=False)), images, atol=1e-6)
    changed = np.asarray(augment(images, training=True))
    assert changed.shape == images.shape and np.abs(changed - images).mean() > 0.01
    with pytest.raises(ValueError, match="contrast"):
        photometric_augmentation(contrast=1.5)
