"""Tests of segen_lib.synthetic.digit_scenes: shapes, digit scenes, the scene dataset's epochs.

The paired augmentation of scenes and masks is tested in test_training_data_augmentation.py.
"""

import numpy as np
import pytest

from segen_lib.datasets import load_mnist
from segen_lib.synthetic import (LIT_THRESHOLD, digit_scene_dataset, make_digit_scenes, make_shapes,
                                 resize_digits)


def test_make_shapes_shapes_ranges_and_seed():
    images, masks = make_shapes(5, image_size=32, seed=3)
    assert images.shape == masks.shape == (5, 32, 32, 1)
    assert images.dtype == masks.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    assert set(np.unique(masks)) <= {0.0, 1.0} and masks.sum() > 0
    again, _ = make_shapes(5, image_size=32, seed=3)
    np.testing.assert_array_equal(images, again)
    assert not np.array_equal(images, make_shapes(5, image_size=32, seed=4)[0])


def test_small_shapes_make_an_imbalanced_task():
    _, masks = make_shapes(200, image_size=32, seed=0, max_shapes=2, min_radius=1.5, max_radius=4)
    assert 0.003 < masks.mean() < 0.05


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_images=0), "num_images must be an integer >= 1, received 0"),
    (dict(num_images=2.0), r"num_images must be an integer >= 1, received 2.0 \(of type float\)"),
    (dict(num_images=2, image_size=4), "image_size must be an integer >= 8, received 4"),
    (dict(num_images=2, max_shapes=True), "max_shapes must be an integer >= 1, received True"),
    (dict(num_images=2, min_radius=0), r"min_radius must be a number in \(0, inf\], received 0"),
    (dict(num_images=2, min_radius=5, max_radius=2), r"max_radius must be a number in \[5.0, inf\], received 2"),
    (dict(num_images=2, noise=-1), r"noise must be a number in \[0, inf\], received -1"),
    (dict(num_images=2, noise=float("nan")), "noise must be a number .* received nan"),
    (dict(num_images=2, seed=1.5), "seed must be an integer >= 0, received 1.5"),
])
def test_make_shapes_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_shapes(**kwargs)


def test_make_shapes_num_images_is_a_count(count_check):
    count_check(lambda n: make_shapes(n, image_size=16), "num_images")


def test_numpy_integers_are_accepted_as_counts_and_sizes():
    images, masks = make_shapes(np.int64(3), image_size=np.int32(16), seed=np.int64(0), max_shapes=np.int8(2))
    assert images.shape == masks.shape == (3, 16, 16, 1)
    images, masks = make_digit_scenes(np.int64(2), image_size=np.int64(32), max_digits=np.int64(2),
                                      seed=np.uint8(1), split="test", digit_size=np.int64(14))
    assert images.shape == (2, 32, 32, 1) and masks.shape == (2, 32, 32)
    scenes = digit_scene_dataset(np.int64(5), batch_size=np.int64(2), image_size=32, digit_size=14)
    assert len(scenes) == 3


def test_digits_never_touch():
    """A digit is placed only where its one-pixel dilation meets no lit pixel: two pixels of
    different digit classes are never 4-neighbours."""
    _, masks = make_digit_scenes(60, image_size=32, max_digits=4, digit_size=14, seed=5, split="test")
    touching = 0
    for mask in masks:
        for a, b in ((mask[1:], mask[:-1]), (mask[:, 1:], mask[:, :-1])):
            touching += int(np.sum((a > 0) & (b > 0) & (a != b)))
    assert touching == 0
    assert max(len(set(np.unique(m)) - {0}) for m in masks) >= 3  # crowded scenes were tried


def test_digit_scene_masks_follow_the_lit_pixels_and_classes():
    images, masks = make_digit_scenes(20, image_size=64, max_digits=3, seed=0, split="test")
    assert images.shape == (20, 64, 64, 1) and masks.shape == (20, 64, 64)
    assert masks.dtype == np.uint8 and masks.max() <= 10
    lit = images[..., 0] > LIT_THRESHOLD / 255.0
    np.testing.assert_array_equal(lit, masks > 0)  # mask = lit pixels, nothing else
    counts = [len(set(np.unique(m)) - {0}) for m in masks]
    assert 1 <= min(counts) and max(counts) <= 3


def test_a_single_digit_scene_has_that_digits_class():
    digits, labels = load_mnist("test", limit=1)
    _, masks = make_digit_scenes(3, image_size=28, max_digits=1, seed=1, digits=(digits, labels))
    for mask in masks:
        assert set(np.unique(mask)) == {0, int(labels[0]) + 1}


def test_train_and_test_scenes_use_disjoint_digits():
    train, _ = load_mnist("train")
    test, _ = load_mnist("test")
    train_set = {digit.tobytes() for digit in train}
    assert not any(digit.tobytes() in train_set for digit in test)


def test_small_digits_and_resize():
    small = resize_digits(load_mnist("test", limit=4)[0], 14)
    assert small.shape == (4, 14, 14) and small.dtype == np.uint8
    images, masks = make_digit_scenes(8, image_size=32, digit_size=14, seed=0, split="test")
    assert images.shape == (8, 32, 32, 1) and masks.max() > 0


def test_digit_scene_seed_reproducible():
    a = make_digit_scenes(4, seed=9, split="test")
    b = make_digit_scenes(4, seed=9, split="test")
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("kwargs, message", [
    (dict(split="validation"), "split must be one of 'train', 'test', received 'validation'"),
    (dict(image_size=20), "image_size must be an integer >= 28, received 20"),
    (dict(digit_size=40), "digit_size must be an integer >= 7 and <= 28, received 40"),
    (dict(digit_size=6), "digit_size must be an integer >= 7 and <= 28, received 6"),
    (dict(max_digits=0), "max_digits must be an integer >= 1, received 0"),
    (dict(seed=-1), "seed must be an integer >= 0, received -1"),
    (dict(digits=(np.zeros((3, 10, 10), np.uint8), np.zeros(3, np.uint8))), r"shape \(n, 28, 28\)"),
])
def test_digit_scene_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_digit_scenes(2, **kwargs)


def test_digit_scenes_check_the_digits_they_are_given():
    images, labels = load_mnist("test", limit=20)
    with pytest.raises(ValueError, match=r"in 0\.\.255 .* \(x \* 255\)\.astype\('uint8'\)"):
        make_digit_scenes(2, digits=(images / 255.0, labels))
    with pytest.raises(ValueError, match=r"digits labels must be class indices in 0\.\.9"):
        make_digit_scenes(2, digits=(images, labels + 12))
    with pytest.raises(ValueError, match=r"received values in 255\.\.255"):
        make_digit_scenes(2, digits=(images, np.full(20, 255, np.uint8)))
    with pytest.raises(ValueError, match="20 images but 19 labels"):
        make_digit_scenes(2, digits=(images, labels[:19]))
    _, masks = make_digit_scenes(4, digits=(images.astype("float32"), labels), seed=1)   # 0..255 floats
    assert masks.max() > 0


def test_digit_scene_dataset_draws_new_scenes_each_epoch():
    dataset = digit_scene_dataset(10, batch_size=4, image_size=32, digit_size=14, seed=0)
    assert len(dataset) == 3
    images, masks = dataset[0]
    assert images.shape == (4, 32, 32, 1) and masks.shape == (4, 32, 32)
    assert dataset[2][0].shape[0] == 2  # the last, smaller batch
    before = dataset[0][1].copy()
    dataset.on_epoch_end()
    assert not np.array_equal(before, dataset[0][1])


def test_digit_scene_dataset_checks_its_counts():
    with pytest.raises(ValueError, match="num_images must be an integer >= 1, received 0"):
        digit_scene_dataset(0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, received 2.5"):
        digit_scene_dataset(4, batch_size=2.5)


@pytest.mark.filterwarnings("ignore:`shuffle=True` was passed:UserWarning")
@pytest.mark.parametrize("shuffle", [True, False])
def test_digit_scene_dataset_gives_each_epoch_new_scenes(shuffle, epoch_orders):
    """Chapter 02's digit model: fit(synthetic.digit_scene_dataset(...)); fit's shuffle only reorders batches.

    Under the global seed of runtime.setup, a model that records its rows (tests/conftest.py)
    sees other scenes in the second epoch.
    """
    scenes = digit_scene_dataset(8, batch_size=4, image_size=32, digit_size=14, seed=1000)
    first, second = epoch_orders(scenes, rows_per_batch=4, shuffle=shuffle)
    assert len(first) == len(second) == 8
    assert not np.allclose(sorted(first), sorted(second))         # other scenes, not just another order
