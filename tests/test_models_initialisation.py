"""initial_weights_in_one_program: the weights of a plain build, drawn in one JAX program."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers
from keras.src.backend.common import global_state

from segen_lib.models import build_unet, initial_weights_in_one_program

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


def test_the_weights_are_those_of_a_plain_build():
    plain = _weights(_small_model(seed=3))
    with initial_weights_in_one_program():
        model = _small_model(seed=3)
    together = _weights(model)
    assert [w.shape for w in together] == [w.shape for w in plain]
    for a, b in zip(plain, together):
        if keras.backend.backend() == "jax":   # one fused program: the last bit may differ
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
        else:                                  # elsewhere the block changes nothing
            np.testing.assert_array_equal(a, b)
    assert not np.allclose(plain[0], 0)        # the kernels were drawn, not left empty


def test_a_build_that_raises_leaves_no_variable_pending():
    before = list(global_state.get_global_attribute("uninitialized_variables", []) or [])
    with pytest.raises(ValueError, match="on purpose"):
        with initial_weights_in_one_program():
            layers.Dense(3).build((None, 4))
            raise ValueError("raised on purpose inside the block")
    assert list(global_state.get_global_attribute("uninitialized_variables", []) or []) == before
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])   # later builds are unaffected
    assert model(np.ones((1, 4), "float32")).shape == (1, 3)


def test_the_course_builders_still_refuse_bad_input_and_build_usable_models():
    with pytest.raises(ValueError):
        build_unet((30, 64, 3), num_classes=2, filters=(8, 16, 32, 64))
    model = build_unet((16, 16, 1), num_classes=2, filters=(4, 8))
    assert model.predict(np.zeros((1, 16, 16, 1), "float32"), verbose=0).shape == (1, 16, 16, 2)


def test_nested_blocks_draw_once_at_the_outer_one():
    with initial_weights_in_one_program():
        with initial_weights_in_one_program():
            inner = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
        outer = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    assert all(np.isfinite(w).all() for w in _weights(inner) + _weights(outer))
    assert inner(np.ones((1, 4), "float32")).shape == (1, 3)


JAX_SCRIPT = r"""
import json, logging
import jax, keras, numpy as np
from tests.test_models_initialisation import _small_model, _weights
from segen_lib.models import initial_weights_in_one_program

compiled = []
class Count(logging.Handler):
    def emit(self, record):
        if "Finished XLA compilation" in record.getMessage():
            compiled.append(record.getMessage())
logging.getLogger("jax").addHandler(Count()); logging.getLogger("jax").setLevel(logging.DEBUG)
jax.config.update("jax_log_compiles", True)

def build(together):
    start = len(compiled)
    if together:
        with initial_weights_in_one_program():
            model = _small_model(seed=5, others=False)
    else:
        model = _small_model(seed=5, others=False)
    count = len(compiled) - start
    return _weights(model), count

together, n_together = build(True)
plain, n_plain = build(False)
print(json.dumps({"plain": n_plain, "together": n_together,
                  "largest_difference": max(float(np.abs(a - b).max()) for a, b in zip(plain, together))}))
"""


def test_under_jax_the_initial_weights_are_one_compilation_and_equal_to_the_last_bits():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "SEGEN_JAX_CACHE": "off",
           "JAX_COMPILATION_CACHE_DIR": ""}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["together"] == 1, counts   # the whole model's initial weights
    assert counts["plain"] >= 4, counts      # one per initialiser and shape
    assert counts["largest_difference"] <= 1e-6, counts
