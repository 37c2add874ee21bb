"""Batches of in-memory arrays for ``fit`` under the TensorFlow backend.

Given NumPy arrays, Keras's TensorFlow trainer builds an autotuned ``tf.data`` pipeline
and a new iterator for every epoch, with two costs measured here
(``benchmarks/RESULTS.md``, "Chapter 04 · epoch boundaries"):

- destroying the previous epoch's iterator waits for its autotuning thread: on a busy
  2-core CPU that held up the first step of one epoch in two or three by 13-17 s;
- under a global seed (``keras.utils.set_random_seed``, ``runtime.setup``) its shuffle
  draws the same order in every epoch.

:func:`array_batches` cuts the same batches (the last one partial) from a pipeline with
autotuning off, whose iterators close at once, and draws a new order every epoch.
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["array_batches"]


def array_batches(*arrays, batch_size: int = 32, shuffle: bool = True):
    """A ``tf.data.Dataset`` of batches of ``arrays``, rows reshuffled on every pass.

    Args:
        *arrays: one or more arrays with the same number of rows (images, then labels);
            floating-point ones are cast to ``keras.config.floatx()``.
        batch_size: rows per batch; the last batch of a pass holds the remainder.
        shuffle: draw a new order of the rows for every pass (every epoch of ``fit``).

    Returns:
        A dataset of single tensors (one array) or tuples of tensors (several), for
        ``model.fit(dataset, epochs=...)``. Needs TensorFlow (any Keras backend).
    """
    import tensorflow as tf

    if not arrays:
        raise ValueError("array_batches() needs at least one array, received none.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}.")
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

    # Batches of row indices, then one gather per batch. The shuffle keeps its random
    # state from pass to pass: a new order every epoch, even under a global seed.
    indices = tf.data.Dataset.range(num_rows)
    if shuffle:
        indices = indices.shuffle(num_rows, reshuffle_each_iteration=True)
    dataset = indices.batch(batch_size).map(gather).prefetch(1)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
