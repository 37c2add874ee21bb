"""Batches of in-memory arrays for ``fit``: one pipeline, a new order every epoch.

Used by every chapter that trains on NumPy arrays, from ``notebooks/01_cnn_basics.ipynb``
on; ``notebooks/04_gan_training.ipynb`` explains it with the other matters of speed.

Given NumPy arrays, Keras's TensorFlow trainer builds an autotuned ``tf.data`` pipeline
and a new iterator for every epoch, with two costs (measured in ``benchmarks/RESULTS.md``,
"Chapter 04 · epoch boundaries"):

- under a global seed (``keras.utils.set_random_seed``, which ``runtime.setup`` calls)
  its shuffle draws the same order in every epoch;
- destroying the previous epoch's iterator waits for its autotuning thread, which on a
  busy CPU holds up the first step of some epochs.

:func:`array_batches` cuts the same batches (the last one partial) from one pipeline
with autotuning off, whose iterators close at once, and draws a new order every epoch.
The order of epoch ``e`` is a function of ``(seed, e)`` alone, so a run resumed from a
checkpoint at epoch ``e`` (``initial_epoch=e``) sees the very batches that training
straight through would have seen.
"""

from __future__ import annotations

import random
import warnings

import keras
import numpy as np

from segen_lib import checks

__all__ = ["array_batches", "fit_inputs", "input_batches", "first_batch", "readable_data"]

def hide_fit_shuffle_warning() -> None:
    """Hide Keras's warning that ``fit(dataset)`` ignores ``shuffle=True`` (done on import).

    ``fit``'s ``shuffle`` argument does not apply to a dataset, and Keras warns so whenever
    it is ``True``, its default. The batches of :func:`array_batches` shuffle themselves, so
    the course does not show that warning; the filter matches that message alone.
    """
    warnings.filterwarnings("ignore", category=UserWarning,
                            message=r"`shuffle=True` was passed, but will be ignored since the data "
                                    r"`x` was provided as a tf\.data\.Dataset")


hide_fit_shuffle_warning()


def array_batches(*arrays, batch_size: int = 32, shuffle: bool = True, seed: int | None = None,
                  initial_epoch: int = 0):
    """A ``tf.data.Dataset`` of batches of ``arrays``, rows reshuffled on every pass.

    Args:
        *arrays: one or more arrays with the same number of rows (images, then labels);
            floating-point ones are cast to ``keras.config.floatx()``.
        batch_size: rows per batch; the last batch of a pass holds the remainder.
        shuffle: draw a new order of the rows for every pass (every epoch of ``fit``).
        seed: seed of the orders; None draws one from Python's ``random`` (which
            ``keras.utils.set_random_seed`` seeds, so a seeded run repeats itself).
        initial_epoch: the epoch of the first pass: pass ``fit``'s ``initial_epoch``
            when resuming, and the orders continue where training stopped.

    Returns:
        A dataset of single tensors (one array) or tuples of tensors (several), for
        ``model.fit(dataset, epochs=...)`` and ``validation_data=`` (with
        ``shuffle=False``). ``len(dataset)`` is the number of batches per pass. Pass
        ``e`` (counted from ``initial_epoch``) uses the permutation
        ``stateless_shuffle(range(n), seed=(seed, e))``. Needs TensorFlow (any Keras
        backend).

    Raises:
        ValueError: no arrays, arrays with different numbers of rows or none, a bad
            ``batch_size``, ``seed`` or ``initial_epoch``.

    Example:
        >>> batches = array_batches(np.arange(10), np.arange(10) % 2, batch_size=4, seed=0)
        >>> len(batches)
        3
        >>> first, second = ([int(row) for rows, _ in batches for row in rows] for _ in range(2))
        >>> sorted(first) == sorted(second) == list(range(10)), first != second
        (True, True)
        >>> resumed = array_batches(np.arange(10), np.arange(10) % 2, batch_size=4, seed=0,
        ...                         initial_epoch=1)
        >>> [int(row) for rows, _ in resumed for row in rows] == second
        True
    """
    import tensorflow as tf

    if not arrays:
        raise ValueError("array_batches() needs at least one array, received none.")
    batch_size = checks.positive_int(batch_size, "batch_size")
    initial_epoch = checks.integer(initial_epoch, "initial_epoch", minimum=0)
    seed = random.getrandbits(31) if seed is None else checks.integer(seed, "seed", minimum=0)
    arrays = [np.asarray(a) for a in arrays]
    rows = {len(a) if a.ndim else None for a in arrays}
    if len(rows) != 1 or None in rows or not rows.pop():
        raise ValueError("array_batches() needs non-empty arrays with the same number of rows, "
                         f"received shapes {[a.shape for a in arrays]}.")
    # Floats become Keras's float type (float32 by default), as in Keras's own pipeline.
    floatx = keras.config.floatx()
    tensors = [tf.constant(a.astype(floatx) if np.issubdtype(a.dtype, np.floating) else a)
               for a in arrays]
    num_rows = len(arrays[0])

    def gather(indices):
        batch = tuple(tf.gather(t, indices) for t in tensors)
        return batch[0] if len(batch) == 1 else batch

    if shuffle:
        # Each pass (each new iterator) reads the epoch counter once and advances it;
        # its order is a function of (seed, epoch) alone.
        epoch = tf.Variable(initial_epoch, dtype=tf.int64, trainable=False)

        def order(_):
            this_epoch = epoch.assign_add(1) - 1
            return tf.random.experimental.stateless_shuffle(
                tf.range(num_rows, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64),
                                                                   this_epoch]))

        indices = tf.data.Dataset.from_tensors(0).map(order).unbatch()
    else:
        indices = tf.data.Dataset.range(num_rows)
    dataset = indices.batch(batch_size).map(gather).prefetch(1)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


KERAS_ONLY_FIT_ARGUMENTS = ("validation_split", "sample_weight", "class_weight", "steps_per_epoch")
"""``fit`` arguments that only Keras's own handling of arrays knows: with any of them, arrays go to Keras."""


def fit_inputs(x, y=None, batch_size: int | None = None, seed: int | None = None, **fit_kwargs):
    """What a model's ``fit`` hands to ``keras.Model.fit``: arrays as :func:`array_batches` under TensorFlow.

    Every model class of the course (``UNet``, ``GAN`` and its kin, ``Diffusion``) calls
    this in its ``fit``, so in-memory arrays are fed one way whatever the model. Under
    TensorFlow, NumPy arrays become :func:`array_batches` (the same batches Keras would cut,
    a new order every epoch, epoch ``e``'s order a function of ``(seed, e)``, so that
    ``initial_epoch`` resumes the very sequence). Anything else goes to Keras unchanged:
    datasets and ``PyDataset`` objects, the JAX backend (whose array handling draws a new
    order every epoch already), ``shuffle="batch"``, and the arguments of
    :data:`KERAS_ONLY_FIT_ARGUMENTS`.

    Args:
        x, y: what ``fit`` received.
        batch_size: ``fit``'s ``batch_size`` (Keras's default, 32, when None).
        seed: seed of the orders (None: drawn from Python's ``random``).
        **fit_kwargs: the rest of ``fit``'s keyword arguments.

    Returns:
        ``(x, y, batch_size, fit_kwargs)`` to pass on to ``keras.Model.fit``.

    Example:
        >>> x, y, batch_size, kwargs = fit_inputs(np.zeros((10, 2)), np.zeros(10), batch_size=4, seed=0)
        >>> (len(x), y, batch_size, kwargs["shuffle"]) if keras.backend.backend() == "tensorflow" else (3, None, None, False)
        (3, None, None, False)
    """
    arrays = [a for a in (x, y) if a is not None]
    shuffle = fit_kwargs.get("shuffle", True)
    if (keras.backend.backend() == "tensorflow" and arrays
            and all(isinstance(a, np.ndarray) for a in arrays) and shuffle in (True, False)
            and not any(fit_kwargs.get(k) for k in KERAS_ONLY_FIT_ARGUMENTS)):
        x = array_batches(*arrays, batch_size=batch_size or 32, shuffle=shuffle, seed=seed,
                          initial_epoch=fit_kwargs.get("initial_epoch", 0))
        y, batch_size, fit_kwargs = None, None, {**fit_kwargs, "shuffle": False}
    return x, y, batch_size, fit_kwargs


def first_batch(data):
    """The first batch of a ``tf.data.Dataset`` or ``keras.utils.PyDataset``, as NumPy arrays.

    Used to check what ``fit`` will train on before the first (compiled) step, where a
    wrong value could no longer raise a clear error. The batch keeps its structure (one
    array, or a tuple ``(x, y)``). A Python generator cannot be read without using it
    up: for one, and for anything else that is not a dataset, returns ``None``.

    Example:
        >>> images, labels = first_batch(array_batches(np.ones((5, 2)), np.arange(5), batch_size=2))
        >>> images.shape, labels.shape
        ((2, 2), (2,))
    """
    if isinstance(data, keras.utils.PyDataset):
        batch = data[0]
    else:
        try:
            import tensorflow as tf
        except ImportError:  # another backend without TensorFlow: no tf.data to read
            return None
        if not isinstance(data, tf.data.Dataset):
            return None
        batch = next(iter(data.take(1)), None)
        if batch is None:
            return None
    return keras.tree.map_structure(checks.concrete, batch)


def readable_data(x, y=None):
    """``(x, y)`` as ``fit`` will first see them, as NumPy: the arrays, or a dataset's first batch.

    The common front of the models' input checks (``GAN.fit``, ``UNet.fit``/``predict``):
    ``y`` comes from the batch for a dataset, as given otherwise (``None`` stays ``None``).

    Returns:
        ``(x, y)``, or ``None`` when nothing can be read now (a Python generator, which
        reading would use up, or a symbolic tensor).

    Example:
        >>> readable_data(array_batches(np.ones((5, 2)), np.arange(5), batch_size=2, shuffle=False))[1]
        array([0, 1])
    """
    batch = first_batch(x)
    if batch is not None:
        x, y, _ = keras.utils.unpack_x_y_sample_weight(batch)
    x = checks.concrete(x)
    if x is None:
        return None
    return x, None if y is None else checks.concrete(y)


def _input_parts(inputs) -> list[np.ndarray]:
    """A model's inputs (an array, or a list of arrays) as a list of arrays of equal, non-zero length."""
    parts = [np.asarray(part) for part in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
    lengths = [len(part) if part.ndim else 0 for part in parts]
    if not parts or 0 in lengths or len(set(lengths)) != 1:
        raise ValueError("inputs must be non-empty arrays, every one with the same number of rows, "
                         f"received shapes {[part.shape for part in parts]}.")
    return parts


def input_batches(inputs, batch_size: int):
    """Cut a model's inputs (an array, or a list of arrays) into consecutive batches.

    Yields arrays (or lists of arrays, for several inputs) of ``batch_size`` rows, the
    last one holding the remainder.

    Example:
        >>> [batch.shape for batch in input_batches(np.zeros((5, 2)), 2)]
        [(2, 2), (2, 2), (1, 2)]
    """
    batch_size = checks.positive_int(batch_size, "batch_size")
    parts = _input_parts(inputs)
    several = isinstance(inputs, (list, tuple))
    for start in range(0, len(parts[0]), batch_size):
        batch = [part[start:start + batch_size] for part in parts]
        yield batch if several else batch[0]
