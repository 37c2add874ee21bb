r"""Sampling from a moving average of a generator's weights, with batch-norm statistics to match.

Introduced in ``notebooks/04_gan_training.ipynb`` (section 4). In a game the two players'
weights circle the equilibrium rather than settle on it; the average of the circling
iterates sits closer to it (Yazıcı et al., 2019). A Keras optimizer built with
``use_ema=True`` keeps that average during training,

.. math::
    \bar\theta \leftarrow m\,\bar\theta + (1 - m)\,\theta \quad\text{after every step},

and :func:`averaged_copy` hands out a copy of the network with the averaged weights. Every
model of the course that samples from an average keeps it this way: ``GAN`` for its
generator (``GAN.averaged_generator``), ``Diffusion`` for its noise predictor
(``Diffusion.averaged_network``, chapter 12). Their ``model.optimizer`` is an
:class:`~segen_lib.models.backend_step.OptimizerGroup`, so the networks keep their last
weights after ``fit`` (Keras would otherwise overwrite them with the average).
The batch-norm statistics collected during training belong to the last weights, not to
their average, so :func:`recalibrate_batch_norm` recomputes them for the copy (as for
averaged weights in Izmailov et al., 2018).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from segen_lib.batches import input_batches
from segen_lib.initial_weights import initial_weights_without_compiling

__all__ = ["averaged_copy", "recalibrate_batch_norm"]


def _batch_norm_layers(model) -> list:
    found = []
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found += _batch_norm_layers(layer)
    return found


def recalibrate_batch_norm(model: keras.Model, inputs, batch_size: int = 256) -> keras.Model:
    """Set every batch-norm layer's moving statistics to their average over ``inputs``.

    The moving mean and variance that a batch-norm layer uses at inference were collected
    for the weights the model had during training. For other weights (an average of
    them, say) they no longer fit; this runs ``model`` in training mode on ``inputs``, in
    batches of ``batch_size``, and sets each layer's moving mean and variance to the mean
    of the batches' means and variances. Trainable weights are not changed.

    Args:
        model: a Keras model; batch-norm layers of nested models are included.
        inputs: what ``model`` takes: an array ``(n, ...)``, or a list of such arrays
            with the same ``n`` for several inputs.
        batch_size: batch size of the passes.

    Returns:
        ``model``, recalibrated in place.

    Raises:
        ValueError: empty inputs, inputs of different lengths, or a bad ``batch_size``.
    """
    batches = input_batches(inputs, batch_size)   # checks inputs and batch_size at the first batch
    norms = _batch_norm_layers(model)
    momenta = [layer.momentum for layer in norms]
    try:
        for index, batch in enumerate(batches):
            # momentum k / (k + 1) after k batches keeps the running mean of the batch statistics.
            for layer in norms:
                layer.momentum = index / (index + 1)
            model(batch, training=True)
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum
    return model


def averaged_copy(model: keras.Model, optimizer: keras.optimizers.Optimizer,
                  calibration_inputs=None) -> keras.Model:
    """A copy of ``model`` whose trainable weights are ``optimizer``'s moving average of them.

    Args:
        model: the network that ``optimizer`` trains; it is left unchanged, so training
            can go on.
        optimizer: a built optimizer with ``use_ema=True`` that trains ``model``.
        calibration_inputs: inputs for :func:`recalibrate_batch_norm` (an array or a
            list of arrays); ``None`` keeps the training statistics.

    Returns:
        A new ``keras.Model`` that owns its weights: using it (``predict``, ``fit``, a
        JAX step that donates its buffers) cannot touch ``model`` or ``optimizer``.

    Raises:
        ValueError: ``optimizer`` keeps no average or is not built.
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer) or not optimizer.use_ema:
        raise ValueError("an averaged copy needs an optimizer built with use_ema=True, e.g. "
                         "keras.optimizers.Adam(1e-3, beta_1=0.0, use_ema=True, ema_momentum=0.998); "
                         f"received {optimizer!r}.")
    if not optimizer.built:
        raise ValueError("an averaged copy needs a built optimizer: compile the model first.")
    with initial_weights_without_compiling():   # overwritten next: no compilation to draw them
        copy = keras.models.clone_model(model)
    copy.set_weights([np.array(weight) for weight in model.get_weights()])
    optimizer.finalize_variable_values(copy.trainable_variables)
    # The average was assigned from the optimizer's own arrays: give the copy arrays of its own.
    copy.set_weights([np.array(weight) for weight in copy.get_weights()])
    if calibration_inputs is not None:
        recalibrate_batch_norm(copy, calibration_inputs)
    return copy
