"""Tests of segen_lib.losses.DiceCrossentropy: known values, config, training."""

import numpy as np
import pytest
import keras
from keras import ops

from segen_lib.losses import DiceCrossentropy


def test_multiclass_value_equals_crossentropy_plus_dice():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, (2, 4, 4))
    probabilities = ops.softmax(rng.normal(size=(2, 4, 4, 3)).astype("float32"))
    one_hot = ops.one_hot(labels, 3)
    expected_ce = float(ops.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities)))
    expected_dice = float(ops.mean(keras.losses.dice(one_hot, probabilities, axis=(0, 1, 2))))
    value = float(DiceCrossentropy(num_classes=3)(labels, probabilities))
    assert value == pytest.approx(expected_ce + expected_dice, rel=1e-5)


def test_perfect_prediction_is_near_zero_and_wrong_is_large():
    labels = np.array([[[0, 1], [2, 2]]])
    perfect = ops.one_hot(labels, 3) * 0.998 + 0.001
    wrong = ops.one_hot((labels + 1) % 3, 3) * 0.998 + 0.001
    loss = DiceCrossentropy(num_classes=3)
    assert float(loss(labels, perfect)) < 0.01
    assert float(loss(labels, wrong)) > 5


def test_binary_and_logits():
    y_true = np.array([[[[0.0], [1.0]], [[1.0], [0.0]]]], "float32")
    logits = np.array([[[[-8.0], [8.0]], [[8.0], [-8.0]]]], "float32")
    from_logits = float(DiceCrossentropy(num_classes=1, from_logits=True)(y_true, logits))
    from_probs = float(DiceCrossentropy(num_classes=1)(y_true, ops.sigmoid(logits)))
    assert from_logits == pytest.approx(from_probs, abs=1e-4)
    assert from_logits < 0.01


def test_dice_weight_zero_is_plain_crossentropy():
    labels = np.array([[[0, 1]]])
    probabilities = np.array([[[[0.7, 0.3], [0.4, 0.6]]]], "float32")
    plain = float(ops.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities)))
    assert float(DiceCrossentropy(2, dice_weight=0)(labels, probabilities)) == pytest.approx(plain, rel=1e-5)


def test_config_round_trip_and_errors():
    loss = DiceCrossentropy(num_classes=4, dice_weight=0.5, from_logits=True)
    clone = DiceCrossentropy.from_config(loss.get_config())
    assert (clone.num_classes, clone.dice_weight, clone.from_logits) == (4, 0.5, True)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1"):
        DiceCrossentropy(num_classes=0)
    with pytest.raises(ValueError, match=r"dice_weight must be a number in \[0.0, inf\]"):
        DiceCrossentropy(num_classes=2, dice_weight=-1)


def test_gradients_finite_in_training():
    from segen_lib.models import build_unet

    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    model.compile(optimizer="adam", loss=DiceCrossentropy(num_classes=3), run_eagerly=True)  # tracing is tested elsewhere
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((4, 16, 16, 1)).astype("float32"), rng.integers(0, 3, (4, 16, 16)),
                        epochs=2, verbose=0)
    assert all(np.isfinite(history.history["loss"]))


def test_one_value_per_image_so_that_keras_reduces_it_like_its_own_losses():
    # A scalar would skip Keras's division by the number of replicas under tf.distribute
    # (chapter 09): two replicas would each count in full.
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, (4, 8, 8))
    y_pred = rng.dirichlet(np.ones(3), (4, 8, 8)).astype("float32")
    per_image = keras.ops.convert_to_numpy(DiceCrossentropy(num_classes=3, reduction=None)(y_true, y_pred))
    reduced = float(DiceCrossentropy(num_classes=3)(y_true, y_pred))
    assert per_image.shape == (4,)
    np.testing.assert_allclose(per_image, reduced, rtol=1e-6)
