"""The backend plumbing behind a readable training step with several optimizers.

Introduced in ``notebooks/04_gan_training.ipynb`` (section 4). A GAN's training step
updates two networks with two optimizers, so it cannot use Keras's own step. It is
written once, *statefully*, as the keras-io examples write it: call the networks,
take gradients, let the optimizers apply them. Two functions make that one function
run on both backends:

- :func:`minimize` takes the gradient of a loss with respect to one network's weights
  and applies it with that network's optimizer: through ``tf.GradientTape`` under
  TensorFlow, through ``jax.value_and_grad`` under JAX.
- :func:`run_train_step` calls the step. Under TensorFlow the step updates the variables
  in place. Under JAX, Keras's trainer hands ``train_step`` the *values* of every
  variable and expects their new values back (the step is a pure, compiled function):
  the step runs inside a ``keras.StatelessScope`` that maps each variable to its value
  and records every assignment, and the recorded values are handed back.

:class:`OptimizerGroup` shows Keras's trainer a model's optimizers as one, so that every
optimizer's state is carried through a JAX step and written back after ``fit``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

import keras

__all__ = ["minimize", "run_train_step", "OptimizerGroup"]

# The JAX step in progress: its StatelessScope and every variable it maps.
_JAX_STEP: contextvars.ContextVar = contextvars.ContextVar("segen_jax_step", default=None)


def check_backend() -> str:
    """The Keras backend, if the course's training steps run on it (TensorFlow, JAX)."""
    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        raise ValueError(f"the course's training steps run on the tensorflow and jax backends, "
                         f"received backend {backend!r}: set KERAS_BACKEND=tensorflow or jax.")
    return backend


def minimize(loss_fn: Callable, model: keras.Model, optimizer: keras.optimizers.Optimizer) -> dict:
    """One gradient step of ``optimizer`` on ``model``'s trainable weights, minimising ``loss_fn()``.

    Args:
        loss_fn: a function of no arguments returning ``(loss, logs)``: a scalar loss
            and a dict of values to log. It may call any network in training mode:
            batch-norm statistics it updates are kept, but only ``model``'s trainable
            weights move.
        model: the network to train.
        optimizer: its optimizer.

    Returns:
        ``logs``, as ``loss_fn`` returned them.
    """
    variables = model.trainable_variables
    if check_backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
        gradients = tape.gradient(loss, variables)
    else:
        gradients, logs = _jax_gradients(loss_fn, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return logs


def _jax_gradients(loss_fn: Callable, variables: list) -> tuple[list, dict]:
    """Gradients of ``loss_fn()`` with respect to ``variables``, inside a step of :func:`run_train_step`."""
    import jax

    step = _JAX_STEP.get()
    if step is None:
        raise ValueError("under JAX, minimize() runs inside a training step: call it from a "
                         "train_step that run_train_step() calls.")
    scope, all_variables = step
    moving = {id(variable) for variable in variables}
    others = [variable for variable in all_variables if id(variable) not in moving]

    def loss_of(values):
        mapping = [(v, scope.get_current_value(v)) for v in others] + list(zip(variables, values))
        with keras.StatelessScope(state_mapping=mapping) as inner:
            loss, logs = loss_fn()
        # What the loss function assigned (batch-norm statistics, seeds) goes back to the step.
        return loss, (logs, [inner.get_current_value(v) for v in others])

    values = [scope.get_current_value(variable) for variable in variables]
    (_, (logs, updated)), gradients = jax.value_and_grad(loss_of, has_aux=True)(values)
    for variable, value in zip(others, updated):
        variable.assign(value)  # recorded by the step's StatelessScope
    return gradients, logs


def run_train_step(model: keras.Model, step: Callable, *args):
    """Call ``step(data)`` as ``model.train_step``, on the TensorFlow or the JAX backend.

    Args:
        model: a compiled ``keras.Model`` whose ``optimizer`` lists every optimizer's
            variables (an :class:`OptimizerGroup`) and whose ``metrics`` are its trackers.
        step: the readable, stateful step: takes one batch, returns the logs.
        *args: what Keras's trainer passed to ``train_step``: ``(data,)`` under
            TensorFlow, ``(state, data)`` under JAX.

    Returns:
        The logs under TensorFlow; ``(logs, new_state)`` under JAX.
    """
    if check_backend() == "tensorflow":
        (data,) = args
        return step(data)
    state, data = args
    groups = (model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
              model.metrics_variables)
    mapping = [pair for variables, values in zip(groups, state) for pair in zip(variables, values)]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        token = _JAX_STEP.set((scope, [variable for variable, _ in mapping]))
        try:
            logs = step(data)
        finally:
            _JAX_STEP.reset(token)
    new_state = tuple([scope.get_current_value(variable) for variable in variables]
                      for variables in groups)
    return logs, new_state


class OptimizerGroup:
    """The optimizers of a model's networks, one per network, seen as one by Keras's trainer.

    A model whose step trains its networks with :func:`minimize` sets ``model.optimizer``
    to a group of its optimizers, for two reasons:

    - the JAX trainer carries ``model.optimizer.variables`` through its stateless step and
      writes them back after ``fit``; a group lists every optimizer's variables, in the
      order of its pairs, so that all are carried;
    - Keras's ``fit`` ends by overwriting a model's weights with their moving average when
      ``model.optimizer`` is a Keras optimizer built with ``use_ema=True``; a group is not
      one, so the networks keep their last weights, and the average is sampled through
      :func:`segen_lib.models.weight_average.averaged_copy`, the same way for every model.

    Args:
        *pairs: ``(optimizer, network)`` for each network, in the order the step updates
            them; ``network`` may be None (pix2pix's L1 alone has no discriminator).

    ``iterations`` is the step count of the last pair's optimizer (the generator's for a GAN).
    """

    def __init__(self, *pairs):
        self.pairs = tuple(pairs)

    @property
    def built(self) -> bool:
        return all(optimizer.built for optimizer, _ in self.pairs)

    def build(self, variables=None) -> None:
        for optimizer, network in self.pairs:
            if not optimizer.built:
                optimizer.build([] if network is None else network.trainable_variables)

    @property
    def variables(self) -> list:
        return [variable for optimizer, _ in self.pairs for variable in optimizer.variables]

    @property
    def iterations(self):
        return self.pairs[-1][0].iterations

    def scale_loss(self, loss):
        return loss
