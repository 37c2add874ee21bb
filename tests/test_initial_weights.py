"""segen_lib.initial_weights: Keras's initial-weight distributions, drawn by NumPy under JAX."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from segen_lib.initial_weights import draw_initial_weights_with_numpy, initial_weights_without_compiling
from segen_lib.models import build_unet

ROOT = Path(__file__).resolve().parents[1]


def _small_model(seed: int, others: bool = True) -> keras.Model:
    """He-normal convolutions, batch norm, a dense head; with ``others``, also dropout (a seed
    generator's state), an initialiser seeded by a generator and one that is a plain function."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", kernel_initializer="he_normal")(inputs)
    x = layers.BatchNormalization()(x)
    if others:
        x = layers.Dropout(0.1)(x)
        generator = keras.random.SeedGenerator(seed)
        x = layers.Conv2D(4, 3, kernel_initializer=keras.initializers.RandomNormal(seed=generator))(x)
    x = layers.GlobalAveragePooling2D()(x)
    bias = (lambda shape, dtype=None: keras.ops.full(shape, 0.5, dtype)) if others else "zeros"
    x = layers.Dense(2, bias_initializer=bias)(x)
    return keras.Model(inputs, x)


def _weights(model: keras.Model) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_weights()]


def test_the_same_seed_gives_the_same_weights_and_another_seed_others():
    with initial_weights_without_compiling():
        first, again, other = (_weights(_small_model(seed)) for seed in (3, 3, 4))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    if keras.backend.backend() != "jax":     # elsewhere the block changes nothing
        for a, b in zip(first, _weights(_small_model(seed=3))):
            np.testing.assert_array_equal(a, b)


def test_every_initialiser_keeps_its_distribution():
    """He normal (truncated at two standard deviations of Keras's scaled normal), Glorot uniform,
    a plain normal, zeros and ones: the scales and limits are Keras's."""
    keras.utils.set_random_seed(0)
    fan_in, units = 400, 300
    with initial_weights_without_compiling():
        he = layers.Dense(units, kernel_initializer="he_normal")
        glorot = layers.Dense(units, kernel_initializer="glorot_uniform")
        normal = layers.Dense(units, kernel_initializer=keras.initializers.RandomNormal(0.5, 0.1, seed=1))
        for layer in (he, glorot, normal):
            layer.build((None, fan_in))
    he_w, glorot_w, normal_w = (np.asarray(layer.kernel) for layer in (he, glorot, normal))
    assert he_w.dtype == np.float32
    # Keras: stddev = sqrt(2 / fan_in) / 0.8796 (the std of a normal cut at ±2), cut at ±2 stddev
    stddev = np.sqrt(2 / fan_in) / 0.87962566103423978
    assert np.abs(he_w).max() <= 2 * stddev + 1e-6
    assert abs(he_w.std() / np.sqrt(2 / fan_in) - 1) < 0.03
    limit = np.sqrt(6 / (fan_in + units))
    assert np.abs(glorot_w).max() <= limit and glorot_w.max() > 0.95 * limit
    assert abs(glorot_w.std() / (limit / np.sqrt(3)) - 1) < 0.03
    assert abs(normal_w.mean() - 0.5) < 0.01 and abs(normal_w.std() - 0.1) < 0.005
    assert np.all(np.asarray(he.bias) == 0)
    assert not np.array_equal(he_w[:, :units // 2], he_w[:, units // 2:])   # no repeated draws


def test_zeros_and_ones_keep_kerass_values_and_dtypes():
    """Biases, batch normalisation's statistics and an optimizer's slots (its integer step count
    included) are the same arrays, of the same dtypes, inside the block as outside."""
    def built():
        keras.utils.set_random_seed(1)
        model = _small_model(seed=1, others=False)
        optimizer = keras.optimizers.Adam()
        optimizer.build(model.trainable_variables)
        return [(re.sub(r"_[0-9]+", "", v.path), np.asarray(v).dtype, np.asarray(v)) for v in model.weights + optimizer.variables]

    plain = built()
    with initial_weights_without_compiling():
        numpy_drawn = built()
    assert len(plain) == len(numpy_drawn) > 10
    for (path, dtype, value), (path_, dtype_, value_) in zip(plain, numpy_drawn):
        assert (path, dtype) == (path_, dtype_)
        if "kernel" not in path:   # the kernels are random; every other variable is a constant
            np.testing.assert_array_equal(value, value_, err_msg=path)


def test_a_build_that_raises_restores_kerass_random_functions():
    from keras.src import backend

    before = backend.random.truncated_normal
    zeros = keras.initializers.Zeros.__call__
    with pytest.raises(ValueError, match="on purpose"):
        with initial_weights_without_compiling():
            layers.Dense(3).build((None, 4))
            raise ValueError("raised on purpose inside the block")
    assert backend.random.truncated_normal is before and keras.initializers.Zeros.__call__ is zeros
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])   # later builds are unaffected
    assert model(np.ones((1, 4), "float32")).shape == (1, 3)


def test_random_calls_without_an_integer_seed_still_go_to_keras():
    with initial_weights_without_compiling():
        model = _small_model(seed=2)          # a generator-seeded initialiser, a dropout, a function
        noise = keras.random.normal((2, 3), seed=keras.random.SeedGenerator(0))
    assert all(np.isfinite(w).all() for w in _weights(model))
    assert tuple(noise.shape) == (2, 3)


def test_the_course_builders_still_refuse_bad_input_and_build_usable_models():
    with pytest.raises(ValueError):
        build_unet((30, 64, 3), num_classes=2, filters=(8, 16, 32, 64))
    model = build_unet((16, 16, 1), num_classes=2, filters=(4, 8))
    assert model.predict(np.zeros((1, 16, 16, 1), "float32"), verbose=0).shape == (1, 16, 16, 2)


JAX_SCRIPT = r"""
import json, logging, tempfile
import jax, keras
import numpy as np
from tests.test_initial_weights import _small_model
from segen_lib.initial_weights import draw_initial_weights_with_numpy
from segen_lib.initial_weights import initial_weights_without_compiling

compiled = []
class Count(logging.Handler):
    def emit(self, record):
        if "Finished XLA compilation" in record.getMessage():
            compiled.append(record.getMessage().split(" in ")[0].split("of ")[-1])
logging.getLogger("jax").addHandler(Count()); logging.getLogger("jax").setLevel(logging.DEBUG)
jax.config.update("jax_log_compiles", True)

with initial_weights_without_compiling():
    _small_model(seed=5, others=False)
together = list(compiled)
del compiled[:]
_small_model(seed=6, others=False)
plain = list(compiled)
del compiled[:]
assert draw_initial_weights_with_numpy() and draw_initial_weights_with_numpy()   # twice: still on
with initial_weights_without_compiling():
    inside = _small_model(seed=7, others=False).get_weights()
switched = _small_model(seed=7, others=False)                 # written by hand, no block
optimizer = keras.optimizers.Adam()
optimizer.build(switched.trainable_variables)
path = tempfile.mkdtemp() + "/model.keras"
switched.save(path)
reloaded = keras.saving.load_model(path)
same = all(np.array_equal(a, b) for a, b in zip(inside, switched.get_weights()))
same_reloaded = all(np.array_equal(a, b) for a, b in zip(inside, reloaded.get_weights()))
switched_programs = list(compiled)
del compiled[:]
noise = keras.random.normal((2, 2), seed=3)                     # outside a variable: JAX's own
print(json.dumps({"plain": plain, "together": together, "switched": switched_programs, "same": same,
                  "same_reloaded": same_reloaded, "noise_type": type(noise).__module__,
                  "noise": compiled}))
"""


def test_under_jax_no_random_initialiser_is_compiled():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "SEGEN_JAX_CACHE": "off",
           "JAX_COMPILATION_CACHE_DIR": "", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    programs = json.loads(result.stdout.strip().splitlines()[-1])
    random = ("jit(_truncated_normal)", "jit(_normal)", "jit(_uniform)")
    assert any(name in random for name in programs["plain"]), programs     # Keras alone compiles them
    assert "jit(broadcast_in_dim)" in programs["plain"]                    # and each shape of zeros
    for drawn in ("together", "switched"):                                 # the block, the switch
        assert not any(name in random + ("jit(broadcast_in_dim)",) for name in programs[drawn]), programs
    assert programs["same"] and programs["same_reloaded"], programs
    assert programs["noise_type"].startswith("jax") and "jit(_normal)" in programs["noise"], programs


def test_the_switch_does_nothing_under_another_backend():
    if keras.backend.backend() == "jax":
        pytest.skip("under JAX the switch is on (the subprocess test above covers it)")
    assert draw_initial_weights_with_numpy() is False
