"""Training with few labels: the fraction split, fixed-step batches, pseudo-labels, generated pairs."""

import keras
import numpy as np
import pytest

from segen_lib.label_spaces import IGNORE_LABEL
from segen_lib.training_data import TrainingPairs, fraction_split, mix_pairs, pseudo_labels

# ---------------------------------------------------------------- fraction_split


def test_split_is_disjoint_complete_and_of_the_stated_size():
    labelled, unlabelled = fraction_split(2000, 0.03, seed=5)
    assert len(labelled) == 60 and len(unlabelled) == 1940
    assert not set(labelled) & set(unlabelled)
    assert sorted(np.concatenate([labelled, unlabelled]).tolist()) == list(range(2000))
    assert labelled.dtype == np.int64 and (np.diff(labelled) > 0).all()


def test_split_is_deterministic_and_the_seed_matters():
    first, _ = fraction_split(500, 0.1, seed=3)
    again, _ = fraction_split(500, 0.1, seed=3)
    other, _ = fraction_split(500, 0.1, seed=4)
    assert (first == again).all()
    assert set(first) != set(other)


def test_smaller_fractions_are_subsets_of_larger_ones():
    sets = [set(fraction_split(2000, f, seed=1)[0]) for f in (0.01, 0.03, 0.1, 0.3, 1.0)]
    assert [len(s) for s in sets] == [20, 60, 200, 600, 2000]
    assert all(small < large for small, large in zip(sets, sets[1:]))


def test_a_tiny_fraction_still_labels_one_item():
    labelled, unlabelled = fraction_split(10, 0.001)
    assert len(labelled) == 1 and len(unlabelled) == 9


def test_stratified_split_takes_each_group_in_its_share():
    keys = np.array([0] * 90 + [1] * 10)          # a rare group: 10 % of the pool
    np.random.default_rng(0).shuffle(keys)
    labelled, _ = fraction_split(100, 0.2, seed=0, stratify=keys)
    assert (keys[labelled] == 0).sum() == 18 and (keys[labelled] == 1).sum() == 2
    # at 5 %, the rare group would get 0.5 items: it still gets one
    tiny, _ = fraction_split(100, 0.05, seed=0, stratify=keys)
    assert (keys[tiny] == 1).sum() == 1
    nested = set(fraction_split(100, 0.4, seed=0, stratify=keys)[0])
    assert set(labelled) < nested


def test_stratified_split_differs_from_the_plain_one_only_in_how_it_draws():
    keys = np.zeros(50, int)                       # one group: the same as no stratification
    assert len(fraction_split(50, 0.3, seed=2, stratify=keys)[0]) == 15


@pytest.mark.parametrize("kwargs, match", [
    ({"num_items": 0, "fraction": 0.1}, "num_items"),
    ({"num_items": 10, "fraction": 0.0}, "fraction"),
    ({"num_items": 10, "fraction": 1.5}, "fraction"),
    ({"num_items": 10, "fraction": 0.5, "seed": -1}, "seed"),
    ({"num_items": 10, "fraction": 0.5, "stratify": np.zeros(9)}, "one group key per item"),
])
def test_split_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fraction_split(**kwargs)


# ---------------------------------------------------------------- TrainingPairs


def _pairs(n=6, height=8, width=12):
    rng = np.random.default_rng(0)
    images = rng.random((n, height, width, 3)).astype("float32")
    masks = rng.integers(0, 19, (n, height, width)).astype("uint8")
    return images, masks


def test_training_pairs_gives_exactly_the_steps_asked_in_whole_passes():
    images, masks = _pairs(n=5)
    images[:, 0, 0, 0] = np.arange(5) / 10          # tag each pair, to follow it
    pairs = TrainingPairs(images, masks, batch_size=4, steps=5, seed=1)
    assert len(pairs) == 5
    seen = np.rint(np.concatenate([pairs[i][0][:, 0, 0, 0] for i in range(5)]) * 10).astype(int)
    assert len(seen) == 20
    # 20 pairs = four whole passes over the 5 pairs: each pair exactly 4 times, each pass a permutation
    assert np.bincount(seen).tolist() == [4] * 5
    assert all(sorted(seen[p * 5:(p + 1) * 5]) == list(range(5)) for p in range(4))
    batch_images, batch_masks = pairs[0]
    rows = np.rint(batch_images[:, 0, 0, 0] * 10).astype(int)
    assert (batch_masks == masks[rows]).all()       # images and masks stay paired
    with pytest.raises(IndexError):
        pairs[5]


def test_training_pairs_are_deterministic_for_a_seed():
    images, masks = _pairs()
    a = TrainingPairs(images, masks, batch_size=4, steps=3, seed=2)
    b = TrainingPairs(images, masks, batch_size=4, steps=3, seed=2)
    c = TrainingPairs(images, masks, batch_size=4, steps=3, seed=3)
    assert (a.order == b.order).all() and not (a.order == c.order).all()


def test_augmented_pairs_move_image_and_mask_together_and_fill_with_the_ignore_label():
    # the image's red channel is the mask / 10: after any transform they must still agree
    height, width = 16, 24
    rng = np.random.default_rng(1)
    masks = rng.integers(0, 5, (4, height // 4, width // 4)).repeat(4, 1).repeat(4, 2).astype("uint8")
    images = np.repeat((masks / 10.0)[..., None], 3, axis=-1).astype("float32")
    augment = keras.Sequential([  # nearest-neighbour for the image too, so that pixels stay exact
        keras.layers.RandomFlip("horizontal", seed=0),
        keras.layers.RandomTranslation(0.25, 0.25, fill_mode="constant", interpolation="nearest", seed=0)])
    pairs = TrainingPairs(images, masks, batch_size=2, steps=40, seed=0, augment=augment)
    filled_pixels = 0
    for index in [*range(40), 7, 3]:                 # transformed up front in chunks; any order works
        batch_images, batch_masks = pairs[index]
        assert batch_masks.dtype == np.uint8 and batch_images.dtype == np.float32
        assert batch_images.shape == (2, height, width, 3) and batch_masks.shape == (2, height, width)
        filled = batch_masks == IGNORE_LABEL
        filled_pixels += int(filled.sum())
        assert (np.rint(batch_images[..., 0] * 10)[~filled] == batch_masks[~filled]).all()
        # where the shift brought in pixels, the image holds the fill value 0 and the mask the
        # ignore label, never class 0 (which a plain transform of the mask would write)
        assert (batch_images[filled] == 0).all()
    assert filled_pixels > 0                          # a 25 % shift did fill some pixels
    assert not (pairs[0][0] == images[pairs.order[:2]]).all()   # and something moved


def test_photometric_augmentation_changes_the_images_alone():
    images, masks = _pairs(n=6)
    photometric = keras.layers.RandomBrightness(0.5, value_range=(0, 1), seed=0)
    pairs = TrainingPairs(images, masks, batch_size=3, steps=4, seed=0, photometric=photometric)
    for index in range(4):
        batch_images, batch_masks = pairs[index]
        rows = pairs.order[index * 3:(index + 1) * 3]
        assert (batch_masks == masks[rows]).all()
        assert not np.allclose(batch_images, images[rows]) and batch_images.min() >= 0


def test_training_pairs_refuse_bad_data():
    images, masks = _pairs()
    with pytest.raises(ValueError, match="integer class ids"):
        TrainingPairs(images, masks.astype("float32"))
    with pytest.raises(ValueError, match="same n, height and width"):
        TrainingPairs(images, masks[:4])
    with pytest.raises(ValueError, match="same n, height and width"):
        TrainingPairs(images, masks[:, :4])
    with pytest.raises(ValueError, match="steps"):
        TrainingPairs(images, masks, steps=0)
    with pytest.raises(ValueError, match="batch_size"):
        TrainingPairs(images, masks, batch_size=0)
    with pytest.raises(ValueError, match="NaN"):
        TrainingPairs(np.full_like(images, np.nan), masks)
    with pytest.raises(ValueError, match="x / 255"):       # uint8 images would train on 0..255
        TrainingPairs((images * 255).astype("uint8"), masks)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        TrainingPairs(images * 255, masks)
    with pytest.raises(ValueError, match="only the ignore label 255: the loss would see no pixel"):
        TrainingPairs(images, np.full_like(masks, 255))


# ---------------------------------------------------------------- pseudo_labels


def _softmax(logits):
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_pseudo_labels_keep_exactly_the_pixels_at_or_above_the_threshold():
    probabilities = _softmax(np.random.default_rng(0).normal(0, 2, (3, 5, 7, 4)))
    for threshold in (0.3, 0.6, 0.9):
        masks = pseudo_labels(probabilities, threshold)
        confident = probabilities.max(-1) >= threshold
        assert masks.dtype == np.uint8 and masks.shape == (3, 5, 7)
        assert (masks[confident] == probabilities.argmax(-1)[confident]).all()
        assert (masks[~confident] == IGNORE_LABEL).all()
    # a pixel exactly at the threshold is kept
    exact = np.array([[[[0.5, 0.5], [0.7, 0.3]]]])
    assert pseudo_labels(exact, 0.7).tolist() == [[[255, 0]]]
    assert pseudo_labels(exact, 0.5).tolist() == [[[0, 0]]]
    assert pseudo_labels(exact, 0.71).tolist() == [[[255, 255]]]


def test_pseudo_labels_take_one_threshold_per_class_and_another_ignore_label():
    probabilities = np.array([[[[0.8, 0.2, 0.0], [0.1, 0.8, 0.1], [0.0, 0.3, 0.7]]]])
    masks = pseudo_labels(probabilities, threshold=[0.9, 0.5, 0.5], ignore_index=250)
    assert masks.tolist() == [[[250, 1, 2]]]
    assert pseudo_labels(probabilities, threshold=0.0).tolist() == [[[0, 1, 2]]]


@pytest.mark.parametrize("probabilities, kwargs, match", [
    (np.zeros((2, 3, 3)), {}, "num_classes"),
    (np.ones((1, 2, 2, 1)), {}, "num_classes"),
    (np.random.default_rng(0).normal(size=(1, 2, 2, 3)), {}, "softmax"),   # logits
    (np.full((1, 2, 2, 3), 0.5), {}, "sum to 1"),
    (np.full((1, 2, 2, 2), 0.5), {"threshold": 1.5}, "threshold"),
    (np.full((1, 2, 2, 2), 0.5), {"threshold": [0.5, 0.5, 0.5]}, "threshold"),
    (np.full((1, 2, 2, 2), 0.5), {"ignore_index": 1}, "ignore_index"),
    (np.full((1, 2, 2, 2), np.nan), {}, "NaN"),
    (np.moveaxis(_softmax(np.random.default_rng(0).normal(size=(1, 4, 4, 3))), -1, 1), {},
     r"classes are on axis 1 .* np.moveaxis"),                            # channels first
    (np.full((1, 2, 2, 3), 0.9), {}, "independent sigmoid outputs"),
])
def test_pseudo_labels_refuse_bad_arguments(probabilities, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pseudo_labels(probabilities, **kwargs)


# ---------------------------------------------------------------- mix_pairs


def test_mix_pairs_holds_every_real_pair_and_the_ratio_of_generated_ones():
    real_images, real_masks = _pairs(n=6)
    fake_images = np.full((30, 8, 12, 3), 0.5, "float32")
    fake_masks = np.full((30, 8, 12), 7, "uint8")
    for ratio, expected in ((0, 0), (0.5, 3), (1, 6), (3, 18), (5, 30)):
        images, masks, is_generated = mix_pairs(real_images, real_masks, fake_images, fake_masks, ratio, seed=1)
        assert len(images) == len(masks) == 6 + expected and int(is_generated.sum()) == expected
        # the real pairs are all there, each with its own mask; the generated ones with theirs
        real_rows = np.flatnonzero(~is_generated)
        order = np.argsort(images[real_rows, 0, 0, 0])
        assert np.allclose(images[real_rows][order], real_images[np.argsort(real_images[:, 0, 0, 0])])
        assert (masks[real_rows][order] == real_masks[np.argsort(real_images[:, 0, 0, 0])]).all()
        assert (masks[is_generated] == 7).all() and (images[is_generated] == 0.5).all()
    # shuffled together, not appended
    _, _, is_generated = mix_pairs(real_images, real_masks, fake_images, fake_masks, 3, seed=1)
    assert is_generated[:6].any() and not is_generated[-6:].all()


def test_mix_pairs_is_deterministic_and_draws_a_subset_of_the_generated_pairs():
    real_images, real_masks = _pairs(n=4)
    fake_images = np.linspace(0, 1, 20)[:, None, None, None] * np.ones((20, 8, 12, 3), "float32")
    fake_masks = np.zeros((20, 8, 12), "uint8")
    a = mix_pairs(real_images, real_masks, fake_images, fake_masks, 2, seed=0)
    b = mix_pairs(real_images, real_masks, fake_images, fake_masks, 2, seed=0)
    assert all((x == y).all() for x, y in zip(a, b))
    taken = a[0][a[2], 0, 0, 0]
    assert len(set(np.round(taken, 5))) == 8          # eight different generated pairs


def test_mix_pairs_refuses_bad_pairs_with_what_to_do():
    real_images, real_masks = _pairs(n=4)
    fake_images, fake_masks = _pairs(n=8)
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        mix_pairs(real_images, real_masks, fake_images * 2 - 1, fake_masks, 1)
    with pytest.raises(ValueError, match="x / 255"):
        mix_pairs((real_images * 255).astype("uint8"), real_masks, fake_images, fake_masks, 1)
    with pytest.raises(ValueError, match="generate more"):
        mix_pairs(real_images, real_masks, fake_images, fake_masks, 3)
    with pytest.raises(ValueError, match="ratio"):
        mix_pairs(real_images, real_masks, fake_images, fake_masks, -1)
    with pytest.raises(ValueError, match="same size"):
        mix_pairs(real_images, real_masks, fake_images[:, :4], fake_masks[:, :4], 1)
    with pytest.raises(ValueError, match="integer class ids"):
        mix_pairs(real_images, real_masks, fake_images, fake_masks.astype("float32"), 1)
    with pytest.raises(ValueError, match="same n"):
        mix_pairs(real_images, real_masks[:3], fake_images, fake_masks, 1)
