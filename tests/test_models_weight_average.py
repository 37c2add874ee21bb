"""Sampling from a moving average of the weights: batch-norm recalibration and owned copies."""

import keras
import numpy as np
import pytest

from segen_lib.models import averaged_copy, recalibrate_batch_norm


def test_recalibrate_batch_norm_sets_the_mean_of_the_batch_statistics():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, use_bias=False)(inputs)
    model = keras.Model(inputs, keras.layers.BatchNormalization(momentum=0.9)(hidden))
    x = np.random.default_rng(0).normal(2.0, 3.0, (1000, 3)).astype("float32")
    assert recalibrate_batch_norm(model, x, batch_size=250) is model
    h = x @ keras.ops.convert_to_numpy(model.layers[1].kernel)
    norm = model.layers[2]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_mean), h.mean(0), rtol=1e-4)
    batch_variances = np.mean([h[i:i + 250].var(0) for i in range(0, 1000, 250)], axis=0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_variance), batch_variances, rtol=1e-4)
    assert norm.momentum == 0.9   # restored
    with pytest.raises(ValueError, match="same number of rows"):
        recalibrate_batch_norm(model, [x, x[:10]])
    with pytest.raises(ValueError, match="batch_size"):
        recalibrate_batch_norm(model, x, batch_size=0)


def test_averaged_copy_owns_its_weights_and_needs_an_average(tiny_networks):
    generator, _ = tiny_networks(latent_dim=8, filters=(16, 8))
    optimizer = keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.5)
    optimizer.build(generator.trainable_variables)
    with pytest.raises(ValueError, match="use_ema=True"):
        averaged_copy(generator, keras.optimizers.Adam())
    copy = averaged_copy(generator, optimizer)
    assert copy is not generator
    before = [np.array(w) for w in generator.get_weights()]
    # Training the copy must leave the original and the optimizer's average alone.
    copy.compile(optimizer="sgd", loss="mse")
    noise = np.random.default_rng(0).normal(size=(8, 8)).astype("float32")
    copy.fit(noise, np.zeros((8, 28, 28, 1), "float32"), epochs=1, verbose=0)
    for got, want in zip(generator.get_weights(), before):
        np.testing.assert_array_equal(got, want)
