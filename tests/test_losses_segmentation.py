"""Tests of segen_lib.losses.DiceCrossentropy: known values, config, training, the masks it
refuses, and the ignore label."""

import re

import keras
import numpy as np
import pytest
from keras import ops

from segen_lib.losses import DiceCrossentropy
from segen_lib.models import build_unet

TENSORFLOW_TAPE = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="gradients taken with tf.GradientTape; under JAX, test_ignored_pixels_under_jax checks them")
JAX_ONLY = pytest.mark.skipif(keras.backend.backend() != "jax",
                              reason="JAX-only checks: make test-jax runs them (.ci/run runs it after make test)")


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
    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    model.compile(optimizer="adam", loss=DiceCrossentropy(num_classes=3), run_eagerly=True)  # tracing is tested elsewhere
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((4, 16, 16, 1)).astype("float32"), rng.integers(0, 3, (4, 16, 16)),
                        epochs=2, verbose=0)
    assert all(np.isfinite(history.history["loss"]))


def test_one_value_per_image_so_that_keras_reduces_it_like_its_own_losses():
    # A scalar would skip Keras's division by the number of replicas under tf.distribute
    # (chapter 11): two replicas would each count in full.
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, (4, 8, 8))
    y_pred = rng.dirichlet(np.ones(3), (4, 8, 8)).astype("float32")
    per_image = keras.ops.convert_to_numpy(DiceCrossentropy(num_classes=3, reduction=None)(y_true, y_pred))
    reduced = float(DiceCrossentropy(num_classes=3)(y_true, y_pred))
    assert per_image.shape == (4,)
    np.testing.assert_allclose(per_image, reduced, rtol=1e-6)


def test_num_classes_is_a_count(count_check):
    count_check(lambda n: DiceCrossentropy(num_classes=n), "num_classes")


# Masks the loss refuses -----------------------------------------------------------------
# Learners' mistakes with masks (tests/conftest.py: MASK_MISTAKES) and the loss's answers.

def test_dice_crossentropy_checks_masks(mask_mistake, three_class_masks, expect_answer):
    mistake, change, answer = mask_mistake
    predictions = np.full((2, 16, 16, 3), 1 / 3, "float32")
    if mistake == "wrong channels":   # a shape: refused when the step is traced, by shape
        answer = r"expects masks of labels .* received shape \(2, 16, 16, 4\)"
    expect_answer(lambda: DiceCrossentropy(num_classes=3)(change(three_class_masks), predictions), answer)


def test_binary_masks_stored_as_0_255_are_refused_with_the_fix(three_class_masks):
    masks = np.where(three_class_masks > 0, 255, 0).astype(np.uint8)
    message = r"0/255 become 0/1 with mask // 255"
    with pytest.raises(ValueError, match=message):
        DiceCrossentropy(num_classes=1)(masks, np.full((2, 16, 16, 1), 0.5, "float32"))
    binary = build_unet((16, 16, 1), num_classes=1, filters=(4, 8))
    binary.compile("adam", DiceCrossentropy(num_classes=1))
    with pytest.raises(ValueError, match=message):
        binary.fit(np.zeros((2, 16, 16, 1), "float32"), masks, verbose=0)


def test_a_loss_for_other_classes_than_the_model_is_named_when_the_step_is_traced(three_class_masks):
    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    model.compile("adam", DiceCrossentropy(num_classes=4))
    with pytest.raises(ValueError, match=r"DiceCrossentropy\(num_classes=4\) expects predictions with 4"):
        model.fit(np.zeros((2, 16, 16, 1), "float32"), three_class_masks, verbose=0)


def test_dice_leaves_classes_absent_from_the_batch_out_of_its_mean():
    rng = np.random.default_rng(0)
    masks = rng.integers(0, 3, (2, 8, 8))        # class 3 of 4 is absent
    near_perfect = np.eye(4, dtype="float32")[masks] * 0.97 + 0.0075   # rows sum to 1
    loss = DiceCrossentropy(num_classes=4, dice_weight=1.0)
    crossentropy = -np.log(0.9775)
    # Each present class: Dice = 2·0.9775·n / (n + 0.9775·n + 0.0075·(N - n)), N = 128 pixels.
    counts = np.bincount(masks.ravel(), minlength=4)[:3]
    dice = 2 * 0.9775 * counts / (counts + 0.9775 * counts + 0.0075 * (128 - counts))
    expected = crossentropy + np.mean(1 - dice)
    assert float(loss(masks, near_perfect)) == pytest.approx(expected, rel=1e-3)
    assert float(loss(masks, near_perfect)) < 0.06   # not the 0.25 of a full miss on class 3
    assert float(loss(np.eye(4)[masks], near_perfect)) == pytest.approx(expected, rel=1e-3)   # one-hot


# The ignore label -------------------------------------------------------------------------
# Pixels labelled 255 (Cityscapes void, Pascal VOC borders) are left out: not a class, not
# counted, not an error, whatever the model predicts there.

def probabilities(seed, shape):
    logits = np.random.default_rng(seed).normal(size=shape).astype("float32")
    return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)


@pytest.mark.parametrize("from_logits", [False, True])
def test_loss_equals_the_loss_on_the_valid_pixels_alone(from_logits, ignore_label_masks):
    masks, ignored = ignore_label_masks(seed=3)
    predictions = probabilities(4, masks.shape + (4,))
    if from_logits:
        predictions = np.log(predictions)
    loss = DiceCrossentropy(num_classes=4, from_logits=from_logits)
    # Every term sums over all pixels of the batch, so the valid pixels in one row are the same batch.
    valid = float(DiceCrossentropy(4, from_logits=from_logits, ignore_index=None)(
        masks[~ignored].reshape(1, -1, 1), predictions[~ignored].reshape(1, -1, 1, 4)))
    assert float(loss(masks, predictions)) == pytest.approx(valid, rel=1e-5)
    assert float(loss(masks[..., None], predictions)) == pytest.approx(valid, rel=1e-5)


def test_loss_does_not_depend_on_predictions_at_ignored_pixels(ignore_label_masks):
    masks, ignored = ignore_label_masks(seed=5)
    predictions = probabilities(6, masks.shape + (4,))
    changed = np.where(ignored[..., None], probabilities(7, masks.shape + (4,)), predictions)
    changed[ignored] = [1.0, 0.0, 0.0, 0.0]   # even a certain, extreme prediction there
    loss = DiceCrossentropy(num_classes=4)
    assert float(loss(masks, changed)) == pytest.approx(float(loss(masks, predictions)), rel=1e-6)


@TENSORFLOW_TAPE
def test_loss_gradients_are_finite_and_zero_at_ignored_pixels(ignore_label_masks):
    import tensorflow as tf

    masks, ignored = ignore_label_masks(seed=8)
    for from_logits, values in ((False, probabilities(9, masks.shape + (4,))),
                                (True, np.random.default_rng(9).normal(size=masks.shape + (4,)) * 30)):
        predictions = tf.Variable(values.astype("float32"))
        with tf.GradientTape() as tape:
            value = DiceCrossentropy(4, from_logits=from_logits)(tf.constant(masks), predictions)
        gradient = tape.gradient(value, predictions).numpy()
        assert np.isfinite(float(value)) and np.isfinite(gradient).all()
        assert np.all(gradient[ignored] == 0) and np.any(gradient[~ignored] != 0)


@TENSORFLOW_TAPE
def test_a_batch_with_every_pixel_ignored_gives_zero():
    import tensorflow as tf

    masks = np.full((1, 4, 4), 255, np.uint8)
    predictions = tf.Variable(probabilities(10, (1, 4, 4, 3)))
    with tf.GradientTape() as tape:
        value = DiceCrossentropy(num_classes=3)(masks, predictions)
    assert float(value) == 0.0
    assert np.all(tape.gradient(value, predictions).numpy() == 0)


def test_loss_without_ignore_index_is_unchanged_and_refuses_255():
    masks = np.random.default_rng(11).integers(0, 3, (2, 4, 4))
    predictions = probabilities(12, (2, 4, 4, 3))
    assert float(DiceCrossentropy(3)(masks, predictions)) == pytest.approx(
        float(DiceCrossentropy(3, ignore_index=None)(masks, predictions)), rel=1e-6)
    with pytest.raises(ValueError, match=r"SparseCategoricalCrossentropy\(ignore_class=255\)"):
        DiceCrossentropy(3, ignore_index=None)(np.where(masks == 2, 255, masks), predictions)


def test_loss_config_and_bad_ignore_index():
    loss = DiceCrossentropy(num_classes=4, ignore_index=9)
    assert loss.get_config()["ignore_index"] == 9
    copy = DiceCrossentropy.from_config(loss.get_config())
    assert copy.ignore_index == 9
    assert keras.losses.deserialize(keras.losses.serialize(DiceCrossentropy(4))).ignore_index == 255
    assert DiceCrossentropy(300, ignore_index=None).ignore_index is None
    with pytest.raises(ValueError, match=r"ignore_index must be a label outside the classes 0\.\.299"):
        DiceCrossentropy(num_classes=300)
    with pytest.raises(ValueError, match=r"ignore_index must be an integer, received '255'"):
        DiceCrossentropy(num_classes=4, ignore_index="255")


# Under JAX -------------------------------------------------------------------------------

@JAX_ONLY
def test_ignored_pixels_under_jax():
    """Checks that hold under JAX only (jax.numpy inputs, the JAX training step)."""
    import jax
    import jax.numpy as jnp
    rng = np.random.default_rng(0)
    masks = np.where(rng.uniform(size=(2, 16, 16)) < 0.25, 255, rng.integers(0, 4, (2, 16, 16))).astype("uint8")
    logits = jnp.asarray(rng.normal(size=(2, 16, 16, 4)).astype("float32"))
    loss = DiceCrossentropy(num_classes=4, from_logits=True)
    value, gradient = jax.value_and_grad(jax.jit(lambda p: loss(jnp.asarray(masks), p)))(logits)
    assert np.isfinite(float(value)) and np.isfinite(np.asarray(gradient)).all()
    assert np.all(np.asarray(gradient)[masks == 255] == 0)
    # The loss inside a compiled fit step (a one-layer model: the U-Net's step takes long to compile).
    model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 1, activation="softmax")])
    model.compile("adam", DiceCrossentropy(num_classes=4), jit_compile=True)
    images = rng.uniform(size=(2, 16, 16, 3)).astype("float32")
    history = model.fit(images, masks, batch_size=2, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0]), history


@JAX_ONLY
def test_0_255_binary_masks_as_jax_arrays_are_refused():
    import jax.numpy as jnp

    with pytest.raises(ValueError, match=re.escape("mask // 255")):
        DiceCrossentropy(num_classes=1)(jnp.full((2, 4, 4), 255.0), jnp.full((2, 4, 4, 1), 0.5))


@JAX_ONLY
def test_labels_out_of_range_as_jax_arrays_are_refused():
    import jax.numpy as jnp

    with pytest.raises(ValueError, match=re.escape("labels in 0..2")):
        DiceCrossentropy(num_classes=3)(jnp.full((2, 4, 4), 3), jnp.full((2, 4, 4, 3), 0.3))


def test_two_class_masks_stored_as_0_255_reach_the_loss_and_are_refused():
    masks = np.zeros((2, 8, 8), np.uint8)
    masks[:, 2:5, 2:5] = 255
    with pytest.raises(ValueError, match=r"holds only 0 and 255 for two classes.*mask // 255"):
        DiceCrossentropy(num_classes=2)(masks, np.full((2, 8, 8, 2), 0.5, "float32"))
    assert np.isfinite(float(keras.ops.convert_to_numpy(
        DiceCrossentropy(num_classes=2)(masks // 255, np.full((2, 8, 8, 2), 0.5, "float32")))))

