"""Tests of the ignore label (255) in the segmentation losses, metrics and mask checks.

Pixels labelled 255 (Cityscapes void, Pascal VOC borders) are left out: not a class, not
counted, not an error, whatever the model predicts there.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from segen_lib import checks
from segen_lib.losses import DiceCrossentropy
from segen_lib.metrics import confusion_matrix, mean_iou, segmentation_report
from segen_lib.models import build_unet

TENSORFLOW_TAPE = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="gradients taken with tf.GradientTape; under JAX, test_ignored_pixels_under_jax checks them")
JAX_ONLY = pytest.mark.skipif(keras.backend.backend() != "jax",
                              reason="JAX-only checks: make test-jax runs them (.ci/run runs it after make test)")



def labelled_batch(seed=0, num_classes=4, shape=(2, 8, 8)):
    """Labels in 0..num_classes-1 with about a quarter of the pixels set to 255."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, shape).astype(np.uint8)
    ignored = rng.uniform(size=shape) < 0.25
    return np.where(ignored, 255, labels).astype(np.uint8), ignored


def probabilities(seed, shape):
    logits = np.random.default_rng(seed).normal(size=shape).astype("float32")
    return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)


# Metrics --------------------------------------------------------------------------------

def test_confusion_matrix_leaves_ignored_pixels_out():
    y_true, ignored = labelled_batch()
    y_pred = np.random.default_rng(1).integers(0, 4, y_true.shape)
    matrix = confusion_matrix(y_true, y_pred, num_classes=4)
    valid = confusion_matrix(y_true[~ignored], y_pred[~ignored], num_classes=4, ignore_index=None)
    np.testing.assert_array_equal(matrix, valid)
    assert matrix.sum() == (~ignored).sum()


def test_confusion_matrix_known_values():
    y_true = np.array([[0, 1, 255], [1, 255, 2]])
    y_pred = np.array([[0, 1, 2], [2, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 3),
                                  [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_metrics_do_not_depend_on_predictions_at_ignored_pixels():
    y_true, ignored = labelled_batch(seed=2)
    y_pred = np.where(ignored, 0, y_true)   # perfect wherever a pixel counts
    other = np.where(ignored, 3, y_true)
    assert mean_iou(y_true, y_pred, 4) == mean_iou(y_true, other, 4) == 1.0
    report = segmentation_report(y_true, y_pred, 4)
    assert report == segmentation_report(y_true, other, 4)
    assert report["mean"]["pixel_accuracy"] == 1.0
    assert sum(report[str(c)]["pixels"] for c in range(4)) == pytest.approx(1.0)


def test_another_ignore_index_and_none():
    assert confusion_matrix([0, 1, 9], [0, 1, 1], 2, ignore_index=9).sum() == 2
    with pytest.raises(ValueError, match=r"y_true holds labels in \[0, 255\].*pass ignore_index=255"):
        confusion_matrix([0, 1, 255], [0, 1, 1], 2, ignore_index=None)
    matrix = confusion_matrix([0, 299], [0, 299], num_classes=300, ignore_index=None)
    assert matrix.shape == (300, 300) and matrix.trace() == 2


@pytest.mark.parametrize("y_true, y_pred, num_classes, kwargs, message", [
    ([0, 1], [0, 255], 2, {}, r"y_pred holds labels in \[0, 255\].*argmax.*belongs in y_true only"),
    ([0, 3, 255], [0, 1, 1], 2, {}, r"y_true holds labels in \[0, 3\], expected 0\.\.1 .*and 255, the ignore label"),
    ([0, 1], [0, 1], 300, {}, r"ignore_index must be a label outside the classes 0\.\.299, received 255"),
    ([0, 1], [0, 1], 3, {"ignore_index": 2}, r"received 2 \(num_classes=3\).*ignore_index=None"),
    ([0, 1], [0, 1], 3, {"ignore_index": 2.0}, r"ignore_index must be an integer, received 2\.0"),
])
def test_metric_errors(y_true, y_pred, num_classes, kwargs, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, num_classes, **kwargs)


# Mask checks ----------------------------------------------------------------------------

def test_label_masks_accepts_the_ignore_label_for_several_classes():
    masks, _ = labelled_batch()
    assert checks.label_masks(masks, "masks", 4, ignore_index=255) is masks
    assert checks.label_masks(masks[..., None], "masks", 4, ignore_index=255).shape == (2, 8, 8, 1)
    checks.label_masks(np.full((1, 2, 2), 255), "masks", 4, ignore_index=255)   # all ignored
    with pytest.raises(ValueError, match=r"received labels in 0\.\.255: 255 is the usual ignore label.*"
                                         r"SparseCategoricalCrossentropy\(ignore_class=255\)"):
        checks.label_masks(masks, "masks", 4)


def test_label_masks_still_refuses_0_255_binary_masks():
    masks = np.where(labelled_batch()[0] > 1, 255, 0)
    with pytest.raises(ValueError, match=r"0/255 become 0/1 with mask // 255"):
        checks.label_masks(masks, "masks", 1, ignore_index=255)


@pytest.mark.parametrize("change, message", [
    (lambda m: np.where(m == 3, 7, m), r"labels in 0\.\.3 \(num_classes=4\), received labels in 0\.\.7 "
                                       r"\(besides 255, the ignore label\)"),
    (lambda m: m.astype("float32") + 0.5, r"non-integer values"),
    (lambda m: np.where(m == 255, np.nan, m), r"NaN"),
])
def test_label_masks_still_refuses_other_labels(change, message):
    masks, _ = labelled_batch()
    with pytest.raises(ValueError, match=message):
        checks.label_masks(change(masks), "masks", 4, ignore_index=255)


def test_label_masks_names_cityscapes_label_ids_and_checks_ignore_index():
    with pytest.raises(ValueError, match=r"LABEL_ID_TO_TRAIN_ID\[masks\]"):
        checks.label_masks(np.array([[[0, 26], [33, 255]]]), "masks", 19, ignore_index=255)
    with pytest.raises(ValueError, match=r"ignore_index must be a label outside the classes 0\.\.3, received 3"):
        checks.label_masks(np.zeros((1, 2, 2)), "masks", 4, ignore_index=3)


# DiceCrossentropy -----------------------------------------------------------------------

@pytest.mark.parametrize("from_logits", [False, True])
def test_loss_equals_the_loss_on_the_valid_pixels_alone(from_logits):
    masks, ignored = labelled_batch(seed=3)
    predictions = probabilities(4, masks.shape + (4,))
    if from_logits:
        predictions = np.log(predictions)
    loss = DiceCrossentropy(num_classes=4, from_logits=from_logits)
    # Every term sums over all pixels of the batch, so the valid pixels in one row are the same batch.
    valid = float(DiceCrossentropy(4, from_logits=from_logits, ignore_index=None)(
        masks[~ignored].reshape(1, -1, 1), predictions[~ignored].reshape(1, -1, 1, 4)))
    assert float(loss(masks, predictions)) == pytest.approx(valid, rel=1e-5)
    assert float(loss(masks[..., None], predictions)) == pytest.approx(valid, rel=1e-5)


def test_loss_does_not_depend_on_predictions_at_ignored_pixels():
    masks, ignored = labelled_batch(seed=5)
    predictions = probabilities(6, masks.shape + (4,))
    changed = np.where(ignored[..., None], probabilities(7, masks.shape + (4,)), predictions)
    changed[ignored] = [1.0, 0.0, 0.0, 0.0]   # even a certain, extreme prediction there
    loss = DiceCrossentropy(num_classes=4)
    assert float(loss(masks, changed)) == pytest.approx(float(loss(masks, predictions)), rel=1e-6)


@TENSORFLOW_TAPE
def test_loss_gradients_are_finite_and_zero_at_ignored_pixels():
    masks, ignored = labelled_batch(seed=8)
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


# U-Net ----------------------------------------------------------------------------------

def unet_data():
    masks, _ = labelled_batch(seed=13, shape=(2, 16, 16))
    images = np.random.default_rng(14).uniform(0, 1, (2, 16, 16, 3)).astype("float32")
    return images, masks


@pytest.mark.parametrize("loss", [DiceCrossentropy(num_classes=4),
                                  keras.losses.SparseCategoricalCrossentropy(ignore_class=255)],
                         ids=["DiceCrossentropy", "SparseCategoricalCrossentropy"])
def test_unet_fits_one_step_on_masks_with_ignored_pixels(loss):
    model = build_unet((16, 16, 3), num_classes=4, filters=(4, 8))
    # the course's own loss through a traced step; Keras's eagerly (tracing costs seconds)
    model.compile("adam", loss, run_eagerly=not isinstance(loss, DiceCrossentropy))
    history = model.fit(*unet_data(), batch_size=2, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0])


def test_unet_refuses_255_with_a_loss_that_does_not_ignore_it():
    model = build_unet((16, 16, 3), num_classes=4, filters=(4, 8))
    model.compile("adam", "sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"255 is the usual ignore label.*ignore_class=255"):
        model.fit(*unet_data(), batch_size=2, epochs=1, verbose=0)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)




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
