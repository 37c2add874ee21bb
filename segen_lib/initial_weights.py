"""A model's initial weights drawn without compiling anything under JAX (a no-op on TensorFlow).

Under JAX, Keras creates each variable eagerly, and every random initialiser (a ``he_normal``
kernel, a ``glorot_uniform`` one) is a JAX program that XLA compiles for that shape with all
its optimisation passes: a small U-Net's build is about twenty compilations, seconds where
TensorFlow takes a tenth of one (``benchmarks/startup.py``).

:func:`initial_weights_without_compiling` runs Keras's initialisers as they are written (the
fans, scales and limits are Keras's), but serves the standard variates they ask for (normal,
truncated normal cut at two standard deviations, uniform) from NumPy, seeded by the
initialiser's own seed. The weights have Keras's distributions and are the same for the same
seed (``keras.utils.set_random_seed``), but they are not the numbers JAX's generator would
have drawn. Zeros and ones (biases, batch normalisation, an optimizer's moments) are NumPy
arrays too. The course's model builders use it.

:func:`draw_initial_weights_with_numpy` does the same for every variable Keras creates from
then on, in the whole process: a model written by hand, one read back by
``keras.saving.load_model``, an optimizer's slots. :func:`segen_lib.runtime.setup` calls it
under JAX, so a chapter's hand-written models start as quickly as the library's
(``benchmarks/startup.py``; the measurements are in ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from numbers import Integral

import keras
import numpy as np

__all__ = ["initial_weights_without_compiling", "draw_initial_weights_with_numpy"]


def _variates(kind: str, shape, seed: int, dtype: str) -> np.ndarray:
    """Standard variates of one kind from a NumPy generator seeded with ``seed``.

    The truncated normal is Keras's: a standard normal cut at ±2, drawn by rejection (each
    value outside is drawn again, about one in twenty).
    """
    rng = np.random.default_rng(seed)
    size = tuple(int(n) for n in shape)
    if kind == "uniform":
        values = rng.random(size)
    else:
        values = rng.standard_normal(size)
        if kind == "truncated_normal":
            outside = np.abs(values) > 2.0
            while outside.any():
                values[outside] = rng.standard_normal(int(outside.sum()))
                outside = np.abs(values) > 2.0
    return values.astype(keras.backend.standardize_dtype(dtype or keras.config.floatx()))


@contextlib.contextmanager
def initial_weights_without_compiling() -> Iterator[None]:
    """Build models inside this block; under JAX their random initial weights come from NumPy.

    Usable as a ``with`` block or as a decorator of a model builder. Only draws with a fixed
    integer seed, as Keras's initialisers make, are served from NumPy; any other random call
    (a ``keras.random.SeedGenerator``, a traced value) goes to JAX as before. Keras's
    ``Zeros`` and ``Ones`` initialisers return NumPy arrays of the asked dtype. On a backend
    other than JAX the block changes nothing. Blocks may nest.

    Raises:
        Whatever the block raises; Keras's random functions and its ``Zeros`` and ``Ones``
        are restored in every case.

    Example:
        >>> import keras
        >>> with initial_weights_without_compiling():
        ...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> [tuple(w.shape) for w in model.weights]
        [(3, 2), (2,)]
    """
    if keras.backend.backend() != "jax":
        yield
        return
    from keras.src import backend

    originals = {name: getattr(backend.random, name) for name in ("truncated_normal", "normal", "uniform")}

    def gaussian(kind):
        def draw(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
            if not isinstance(seed, Integral) or isinstance(seed, bool):
                return originals[kind](shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)
            return _variates(kind, shape, int(seed), dtype) * stddev + mean
        return draw

    def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        if not isinstance(seed, Integral) or isinstance(seed, bool):
            return originals["uniform"](shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)
        return minval + _variates("uniform", shape, int(seed), dtype) * (maxval - minval)

    replacements = {"truncated_normal": gaussian("truncated_normal"), "normal": gaussian("normal"),
                    "uniform": uniform}
    constants = {cls: cls.__dict__["__call__"] for cls in (keras.initializers.Zeros, keras.initializers.Ones)}

    def constant(fill):
        def call(self, shape, dtype=None):
            return np.full(tuple(int(n) for n in shape), fill,
                           keras.backend.standardize_dtype(dtype or keras.config.floatx()))
        return call

    for name, function in replacements.items():
        setattr(backend.random, name, function)
    keras.initializers.Zeros.__call__ = constant(0)
    keras.initializers.Ones.__call__ = constant(1)
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(backend.random, name, function)
        for cls, call in constants.items():
            cls.__call__ = call


_ORIGINAL_INITIALISE = None   # Keras's own variable initialisation, while the switch below is on


def draw_initial_weights_with_numpy() -> bool:
    """From now on, in this process, every Keras variable under JAX starts from NumPy's draws.

    Each variable's initialiser then runs inside :func:`initial_weights_without_compiling`:
    a model written by hand, a model read back by ``keras.saving.load_model`` (whose weights
    are then overwritten from the file) and an optimizer's slots build without one XLA
    compilation per initialiser and shape. Random calls outside a variable's initialisation
    (``keras.random.normal`` in a training step, dropout) still go to JAX. Calling it again
    changes nothing. Under another backend it does nothing.

    Returns:
        True when the switch is on (JAX), False under another backend.

    Example:
        >>> draw_initial_weights_with_numpy() == (keras.backend.backend() == "jax")
        True
    """
    global _ORIGINAL_INITIALISE
    if keras.backend.backend() != "jax":
        return False
    if _ORIGINAL_INITIALISE is not None:
        return True
    from keras.src.backend.jax.core import JaxVariable

    original = JaxVariable._initialize_with_initializer

    def initialise(self, initializer):
        with initial_weights_without_compiling():
            return original(self, initializer)

    _ORIGINAL_INITIALISE = original
    JaxVariable._initialize_with_initializer = initialise
    return True
