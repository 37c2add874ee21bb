"""The PatchGAN discriminator and the receptive-field rule, checked by perturbing input pixels."""

import keras
import numpy as np
import pytest
from keras import layers

from segen_lib.models.patchgan import build_patch_discriminator, receptive_field


def test_the_papers_patchgan_sees_70_pixels():
    model = build_patch_discriminator((64, 64, 3), (64, 64, 3))
    assert receptive_field(model) == 70
    assert model.output_shape == (None, 8, 8, 1)
    assert [tuple(layer.strides) for layer in model.layers if isinstance(layer, layers.Conv2D)] == \
        [(2, 2), (2, 2), (2, 2), (1, 1), (1, 1)]


def test_grid_shape_and_finite_logits_for_a_condition_and_an_image(gan_images):
    model = build_patch_discriminator((32, 64, 19), (32, 64, 3), filters=(8, 16, 32))
    condition = gan_images(2, (32, 64, 19), seed=0)
    image = gan_images(2, (32, 64, 3), seed=1)
    logits = keras.ops.convert_to_numpy(model([condition, image]))
    assert logits.shape == (2, 8, 16, 1) and np.isfinite(logits).all()
    # The logits depend on the condition: the same image under another map scores differently.
    other = keras.ops.convert_to_numpy(model([-condition, image]))
    assert not np.allclose(logits, other)


def test_without_batch_norm_a_pairs_logits_do_not_depend_on_its_batch(gan_images):
    condition, image = gan_images(4, (16, 32, 5), seed=0), gan_images(4, (16, 32, 3), seed=1)
    for batch_norm in (True, False):
        keras.utils.set_random_seed(0)
        model = build_patch_discriminator((16, 32, 5), (16, 32, 3), filters=(8, 16), batch_norm=batch_norm)
        alone = keras.ops.convert_to_numpy(model([condition[:1], image[:1]], training=True))
        in_batch = keras.ops.convert_to_numpy(model([condition, image], training=True))[:1]
        normalisations = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
        if batch_norm:   # the paper's: the first pair is judged differently among three others
            assert len(normalisations) == 1 and not np.allclose(alone, in_batch, atol=1e-4)
        else:
            assert normalisations == [] and np.allclose(alone, in_batch, atol=1e-5)
            assert all(layer.use_bias for layer in model.layers if isinstance(layer, layers.Conv2D))


def _measured_field(model, size):
    """Side of the square of input pixels that change the centre logit (measured, not computed)."""
    base = np.zeros((1, size, size, 1), "float32")
    centre = model.output_shape[1] // 2
    reference = keras.ops.convert_to_numpy(model([base, base]))[0, centre, centre, 0]
    rows = []
    for row in range(size):
        probe = base.copy()
        probe[0, row, :, 0] = 1.0          # a whole row of the image lit at once
        value = keras.ops.convert_to_numpy(model([base, probe]))[0, centre, centre, 0]
        if abs(value - reference) > 1e-6:
            rows.append(row)
    return max(rows) - min(rows) + 1


@pytest.mark.parametrize("filters, expected", [((4, 4), 11), ((4, 4, 4), 23), ((4, 4, 4, 4), 47)])
def test_computed_field_equals_the_measured_one(filters, expected):
    keras.utils.set_random_seed(0)
    model = build_patch_discriminator((64, 64, 1), (64, 64, 1), filters=filters, kernel_size=3)
    assert receptive_field(model) == expected
    assert _measured_field(model, 64) == expected


def test_receptive_field_of_pooling_and_dilation():
    model = keras.Sequential([keras.Input((32, 32, 1)), layers.Conv2D(1, 3), layers.MaxPooling2D(2),
                              layers.Conv2D(1, 3, dilation_rate=2)])
    assert receptive_field(model) == 1 + 2 * 1 + 1 * 1 + 4 * 2   # 3, then 4, then 12


def _positive_weights(model):
    """Every weight in [0.1, 1.1): no two paths can cancel, so a perturbation always shows."""
    rng = np.random.default_rng(0)
    model.set_weights([rng.random(w.shape).astype("float32") + 0.1 for w in model.get_weights()])
    return model


def _measured_single_input_field(model, size=33):
    """Rows of a one-input model's input that change its centre output (measured)."""
    base = np.zeros((1, size, size, model.input_shape[-1]), "float32")
    outputs = lambda x: [keras.ops.convert_to_numpy(y) for y in keras.tree.flatten(model(x))]
    reference = outputs(base)
    rows = set()
    for row in range(size):
        probe = base.copy()
        probe[0, row] = 1.0
        for ref, value in zip(reference, outputs(probe)):
            centre = ref.shape[1] // 2, ref.shape[2] // 2
            if np.abs(value[0, centre[0], centre[1]] - ref[0, centre[0], centre[1]]).max() > 1e-6:
                rows.add(row)
    return max(rows) - min(rows) + 1


def _parallel_branches():
    x = keras.Input((33, 33, 1))
    three = layers.Conv2D(2, 3, padding="same")(x)
    five = layers.Conv2D(2, 5, padding="same")(x)
    return keras.Model(x, layers.Concatenate()([three, five]))


def _nested_sequential():
    x = keras.Input((33, 33, 1))
    inner = keras.Sequential([layers.Conv2D(2, 3, padding="same"), layers.Conv2D(2, 3, padding="same")])
    return keras.Model(x, layers.ReLU()(inner(x)))


def _residual_with_stride():
    x = keras.Input((33, 33, 1))
    y = layers.Conv2D(2, 3, strides=1, padding="same")(x)
    y = layers.Add()([y, layers.Conv2D(2, 1, padding="same")(x)])
    y = layers.MaxPooling2D(3, strides=1, padding="same")(y)
    return keras.Model(x, keras.Sequential([layers.Conv2D(2, 3, padding="same", dilation_rate=2)])(y))


@pytest.mark.parametrize("build, expected", [
    (_nested_sequential, 5),
    (lambda: keras.Sequential([keras.Input((33, 33, 2)), layers.DepthwiseConv2D(5, padding="same")]), 5),
    (lambda: keras.Sequential([keras.Input((33, 33, 2)), layers.SeparableConv2D(2, 3, padding="same"),
                               layers.Conv2D(1, 3, padding="same")]), 5),
    (_parallel_branches, 5),
    (_residual_with_stride, 3 + 2 + 4),
])
def test_graphs_take_the_widest_path_and_match_the_measurement(build, expected):
    keras.utils.set_random_seed(0)
    model = _positive_weights(build())
    assert receptive_field(model) == expected
    assert _measured_single_input_field(model) == expected


def test_receptive_field_refuses_what_it_cannot_measure():
    with pytest.raises(ValueError, match="must be a Keras model, received str"):
        receptive_field("patchgan")
    head = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(1, 3), layers.Flatten(), layers.Dense(1)])
    with pytest.raises(ValueError, match="Flatten .* sees the whole input"):
        receptive_field(head)
    x = keras.Input((8, 8, 1))
    strided = layers.Conv2D(1, 3, strides=2, padding="same")(x)
    valid = layers.Conv2D(1, 5)(x)                   # also 4×4, but with stride 1
    with pytest.raises(ValueError, match=r"strides \[1, 2\] meet"):
        receptive_field(keras.Model(x, layers.Concatenate()([strided, valid])))


def test_receptive_field_refuses_models_that_upsample():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(1, 3), layers.Conv2DTranspose(1, 2, 2)])
    with pytest.raises(ValueError, match="Conv2DTranspose .* the rule does not apply"):
        receptive_field(model)
    with pytest.raises(ValueError, match="square ones only"):
        receptive_field(keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(1, (3, 1))]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_shape=(32, 32, 3), image_shape=(32, 64, 3)), "same height and width"),
    (dict(input_shape=(36, 36, 3), image_shape=(36, 36, 3)), r"divisible by 8"),
    (dict(filters=()), "filters"),
    (dict(kernel_size=0), "kernel_size"),
    (dict(batch_norm="no"), "batch_norm must be True or False"),
    (dict(image_shape=(32, 64)), r"image_shape must be \(height, width, channels\)"),
])
def test_bad_arguments_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_patch_discriminator(**kwargs)
