"""FixMatch for a segmenter: the masked consistency loss, the strong view, the batches, the model."""

import keras
import numpy as np
import pytest

from segen_lib.models import build_unet
from segen_lib.training_data import FixMatch, TrainingPairs, UnlabelledBatches, confident_consistency, strong_view


def _probabilities(shape, seed):
    logits = np.random.default_rng(seed).normal(0, 3, shape)
    return (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype("float32")


def test_consistency_matches_a_numpy_version():
    weak, strong = _probabilities((2, 3, 4, 5), 0), _probabilities((2, 3, 4, 5), 1)
    loss, kept = confident_consistency(weak, strong, threshold=0.8)
    confident = weak.max(-1) >= 0.8
    picked = np.take_along_axis(strong, weak.argmax(-1)[..., None], -1)[..., 0]
    assert np.isclose(float(loss), (confident * -np.log(picked)).mean(), atol=1e-6)
    assert np.isclose(float(kept), confident.mean())


def test_consistency_is_zero_when_nothing_is_confident_and_counts_every_pixel():
    weak = np.full((1, 2, 2, 4), 0.25, "float32")
    loss, kept = confident_consistency(weak, _probabilities((1, 2, 2, 4), 2), threshold=0.5)
    assert float(loss) == 0.0 and float(kept) == 0.0
    loss, kept = confident_consistency(weak, weak, threshold=0.0)   # every pixel kept
    assert np.isclose(float(loss), np.log(4), atol=1e-5) and float(kept) == 1.0


@pytest.mark.parametrize("kwargs, match", [({"threshold": 1.5}, "threshold"), ({"threshold": -0.1}, "threshold")])
def test_consistency_refuses_a_bad_threshold(kwargs, match):
    with pytest.raises(ValueError, match=match):
        confident_consistency(_probabilities((1, 2, 2, 3), 0), _probabilities((1, 2, 2, 3), 1), **kwargs)


def test_consistency_refuses_different_shapes():
    with pytest.raises(ValueError, match="same shape"):
        confident_consistency(_probabilities((1, 2, 2, 3), 0), _probabilities((1, 2, 3, 3), 1))


def test_strong_view_keeps_the_grid_and_the_range_and_repeats_with_its_generator():
    images = np.random.default_rng(0).random((3, 8, 10, 3)).astype("float32")
    first = strong_view(images, np.random.default_rng(5))
    again = strong_view(images, np.random.default_rng(5))
    assert first.shape == images.shape and first.dtype == np.float32
    assert 0 <= first.min() and first.max() <= 1 and (first == again).all()
    assert not np.allclose(first, images)


def test_strong_view_refuses_bad_input():
    with pytest.raises(ValueError, match="images"):
        strong_view(np.full((1, 2, 2, 3), 2.0, "float32"), np.random.default_rng(0))
    with pytest.raises(ValueError, match="cutout"):
        strong_view(np.zeros((1, 2, 2, 3), "float32"), np.random.default_rng(0), cutout=2)


def _labelled(n=3, steps=4):
    images = np.random.default_rng(1).random((n, 8, 8, 3)).astype("float32")
    masks = np.random.default_rng(2).integers(0, 3, (n, 8, 8)).astype("uint8")
    return TrainingPairs(images, masks, batch_size=2, steps=steps)


def test_batches_stack_labelled_weak_and_strong_with_ignored_masks():
    unlabelled = np.random.default_rng(3).random((5, 8, 8, 3)).astype("float32")
    batches = UnlabelledBatches(_labelled(), unlabelled, unlabelled_batch=3, seed=1)
    x, y = batches[2]
    assert len(batches) == 4 and x.shape == (8, 8, 8, 3) and y.shape == (8, 8, 8)
    assert (y[2:] == 255).all() and (y[:2] != 255).all()
    weak = x[2:5]   # each weak view is an unlabelled image, flipped or not
    assert all(any(np.allclose(w, u) or np.allclose(w, u[:, ::-1]) for u in unlabelled) for w in weak)
    again = UnlabelledBatches(_labelled(), unlabelled, unlabelled_batch=3, seed=1)[2][0]
    assert (again == x).all()


def test_batches_refuse_images_of_another_size():
    with pytest.raises(ValueError, match="size"):
        UnlabelledBatches(_labelled(), np.zeros((4, 6, 8, 3), "float32"), unlabelled_batch=2)


def test_fixmatch_loss_is_the_supervised_loss_plus_the_weighted_consistency():
    keras.utils.set_random_seed(0)
    segmenter = build_unet((8, 8, 3), num_classes=3, filters=(4, 8))
    model = FixMatch(segmenter, 2, 1, threshold=0.0, unlabelled_weight=0.5)
    loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=255)
    model.compile(optimizer="sgd", loss=loss)
    x = np.random.default_rng(0).random((4, 8, 8, 3)).astype("float32")
    y = np.full((4, 8, 8), 255, "uint8")
    y[:2] = 1
    predictions = segmenter(x, training=False)
    expected = float(loss(y[:2], predictions[:2])) + 0.5 * float(confident_consistency(predictions[2:3],
                                                                                       predictions[3:], 0.0)[0])
    computed = float(model.compute_loss(x, y, predictions, training=False))
    assert np.isclose(computed, expected, rtol=1e-5)


def test_fixmatch_refuses_bad_settings_and_a_wrong_batch():
    segmenter = build_unet((8, 8, 3), num_classes=3, filters=(4, 8))
    with pytest.raises(ValueError, match="threshold"):
        FixMatch(segmenter, 2, 1, threshold=2)
    with pytest.raises(ValueError, match="unlabelled_batch"):
        FixMatch(segmenter, 2, 0)
    model = FixMatch(segmenter, 2, 1)
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=255))
    x = np.zeros((5, 8, 8, 3), "float32")
    with pytest.raises(ValueError, match="UnlabelledBatches"):
        model.compute_loss(x, np.zeros((5, 8, 8), "uint8"), segmenter(x))
