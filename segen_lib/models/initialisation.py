"""A model's initial weights drawn in one compiled program under JAX (a no-op on TensorFlow).

Under JAX, Keras creates each variable eagerly: every initialiser (a ``he_normal`` kernel, a
bias of zeros, a batch-norm scale of ones) runs as its own program, which XLA compiles for
that shape with all its optimisation passes. A small U-Net's build is then about twenty
compilations, seconds where TensorFlow takes a tenth of one (``benchmarks/startup.py``).

:func:`initial_weights_in_one_program` builds the model inside a ``keras.StatelessScope``
that defers every initialiser, then draws all of them in one ``jax.jit`` program compiled
without XLA's backend optimisations (a program that runs once gains nothing from them). Each
initialiser keeps its own seed, so the weights are those of a plain build, to the last bit
or two (XLA may fuse the arithmetic differently). JAX's compilation cache
(:func:`segen_lib.runtime.enable_compilation_cache`) then stores one program per model
instead of one per shape. The course's model builders use it; a model written by hand builds
as Keras builds it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras

__all__ = ["initial_weights_in_one_program"]

# XLA's options for the program that draws the weights: no backend optimisation passes.
DRAW_COMPILER_OPTIONS = {"xla_backend_optimization_level": 0}


@contextlib.contextmanager
def initial_weights_in_one_program() -> Iterator[None]:
    """Build models inside this block; under JAX their initial weights are drawn in one program.

    Usable as a ``with`` block or as a decorator of a model builder. On a backend other
    than JAX, or inside a stateless scope already (a JAX training step, an outer block of
    this kind), it changes nothing: variables are created as Keras creates them. A variable
    whose initialiser is not a Keras initialiser with a fixed seed (one that advances a
    ``keras.random.SeedGenerator``, a custom callable, a generator's own state) is
    initialised eagerly, as Keras would have: slower, never different.

    Raises:
        Whatever the block raises; the variables it deferred are then dropped with the
        half-built model.

    Example:
        >>> import keras
        >>> with initial_weights_in_one_program():
        ...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> [tuple(w.shape) for w in model.weights]
        [(3, 2), (2,)]
    """
    from keras.src.backend.common import global_state
    from keras.src.backend.common.stateless_scope import in_stateless_scope

    if keras.backend.backend() != "jax" or in_stateless_scope():
        yield
        return
    key = "uninitialized_variables"
    before = list(global_state.get_global_attribute(key, [], set_to_default=True))
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:
        pending = global_state.get_global_attribute(key, [])[len(before):]
        global_state.set_global_attribute(key, before)
    if pending:
        _draw(pending)


def _traceable(initialiser) -> bool:
    """A Keras initialiser that draws from a fixed seed (no generator state to advance)."""
    return (isinstance(initialiser, keras.initializers.Initializer)
            and not isinstance(getattr(initialiser, "seed", None), keras.random.SeedGenerator))


def _draw(variables: list) -> None:
    """Initialise deferred Keras variables: those with a fixed seed in one compiled program."""
    import jax

    together = [v for v in variables if _traceable(v._initializer)]
    initialisers = [(v._initializer, v._shape, v._dtype) for v in together]

    def draw():
        return [initialiser(shape, dtype=dtype) for initialiser, shape, dtype in initialisers]

    try:
        values = jax.jit(draw).lower().compile(compiler_options=DRAW_COMPILER_OPTIONS)() if together else []
    except Exception:  # not traceable after all: Keras's own eager path for every variable
        together, values = [], []
    for variable, value in zip(together, values):
        variable._initialize(value)
        variable._initializer = None
    drawn = {id(v) for v in together}
    for variable in variables:   # the rest (generator states, custom callables), as Keras does
        if id(variable) not in drawn:
            variable._deferred_initialize()
