r"""DCGAN networks and the GAN models of the course (plain GAN, conditional GAN, WGAN-GP).

Introduced in ``notebooks/04_gan_training.ipynb``; the losses come from
:mod:`segen_lib.losses` (derived in ``notebooks/03_gan_theory.ipynb``).

A GAN trains two networks against each other. The discriminator :math:`D` (logits
:math:`\ell = D(x)`) minimises

.. math::
    L_D = -\mathbb{E}_{x}[\log \sigma(D(x))] - \mathbb{E}_{z}[\log(1 - \sigma(D(G(z))))],

and the generator minimises the non-saturating loss
:math:`L_G = -\mathbb{E}_z[\log \sigma(D(G(z)))]`. Every image here is float32 in
[-1, 1] with shape ``(batch, height, width, channels)``, generator outputs included.

The training step is written once, on *values* (``stateless_call``), so that the same
code runs under TensorFlow (gradients from ``tf.GradientTape``) and JAX (gradients from
``jax.value_and_grad`` inside the trainer's jitted, stateless step).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import keras
import numpy as np
from keras import layers, ops

from segen_lib import losses
from segen_lib.data import pipeline

__all__ = ["build_generator", "build_discriminator", "recalibrate_batch_norm", "GAN", "ConditionalGAN",
           "WGANGP"]


def _check_image_shape(image_shape, num_downsamples: int, what: str) -> tuple[int, int, int]:
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
    if (shape is None or len(shape) != 3
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape)):
        raise ValueError(f"image_shape must be (height, width, channels) of positive integers, "
                         f"received {image_shape!r}.")
    factor = 2 ** num_downsamples
    for size in shape[:2]:
        if size % factor:
            below, above = (size // factor) * factor, (size // factor + 1) * factor
            nearest = [s for s in (below, above) if s > 0]
            raise ValueError(
                f"{what} with {num_downsamples} stride-2 stages needs height and width divisible "
                f"by {factor}, received image_shape={shape}. Nearest valid sizes: {nearest}; "
                f"or change the number of filters (stages).")
    return shape


def _check_filters(filters, name: str) -> tuple[int, ...]:
    if (not isinstance(filters, Sequence) or len(filters) == 0
            or not all(isinstance(f, int) and not isinstance(f, bool) and f > 0 for f in filters)):
        raise ValueError(f"{name} must be a non-empty sequence of positive integers, "
                         f"received {filters!r}.")
    return tuple(filters)


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, received {value!r}.")
    return value


def _batch_norm_layers(model) -> list:
    found = []
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found += _batch_norm_layers(layer)
    return found


def _input_batches(inputs, batch_size: int):
    """Slice a model's inputs (an array, or a list of arrays) into batches it takes."""
    several = isinstance(inputs, (list, tuple))
    parts = list(inputs) if several else [inputs]
    for start in range(0, len(parts[0]), batch_size):
        batch = [np.asarray(part[start:start + batch_size]) for part in parts]
        yield batch if several else batch[0]


def recalibrate_batch_norm(model: keras.Model, inputs, batch_size: int = 256) -> keras.Model:
    """Set every batch-norm layer's moving statistics to their average over ``inputs``.

    The moving mean and variance that a batch-norm layer uses at inference were collected
    for the weights the model had during training. For other weights (an average of
    them, say) they no longer fit; this runs ``model`` in training mode on ``inputs``, in
    batches of ``batch_size``, and sets each layer's moving mean and variance to the mean
    of the batches' means and variances (as for averaged weights in Izmailov et al.,
    2018). Trainable weights are not changed.

    Args:
        model: a Keras model; batch-norm layers of nested models are included.
        inputs: what ``model`` takes (an array, or a list of arrays for several inputs).
        batch_size: batch size of the passes.

    Returns:
        ``model``, recalibrated in place.
    """
    _check_positive_int(batch_size, "batch_size")
    parts = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    count = len(parts[0])
    if count == 0 or any(len(part) != count for part in parts):
        raise ValueError("inputs must be non-empty, and every input must have the same length, "
                         f"received lengths {[len(part) for part in parts]}.")
    norms = _batch_norm_layers(model)
    momenta = [layer.momentum for layer in norms]
    try:
        for index, batch in enumerate(_input_batches(inputs, batch_size)):
            # momentum k / (k + 1) after k batches keeps the running mean of the batch statistics.
            for layer in norms:
                layer.momentum = index / (index + 1)
            model(batch, training=True)
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum
    return model


def build_generator(latent_dim: int = 64, image_shape: tuple[int, int, int] = (28, 28, 1),
                    filters: Sequence[int] = (128, 64), kernel_size: int = 4,
                    num_classes: int | None = None, name: str = "generator") -> keras.Model:
    r"""A DCGAN generator: noise :math:`z \in \mathbb{R}^{d}` to an image in [-1, 1].

    ``Dense`` to a ``(height / 2^k, width / 2^k, filters[0])`` map, then ``k =
    len(filters)`` stride-2 ``Conv2DTranspose`` stages (batch normalisation and ReLU
    after all but the last, ``tanh`` on the last), as in Radford et al. (2016).

    Args:
        latent_dim: size :math:`d` of the noise vector.
        image_shape: ``(height, width, channels)``; height and width divisible by
            ``2 ** len(filters)`` (28 with 2 stages, 32 or 64 with 2-4 stages).
        filters: channels of the first map and of each following stage. The default
            (128, 64), with the discriminator's default (32, 64), reaches a lower
            Fréchet distance on Fashion-MNIST per CPU second than a leaner (64, 32) or
            (64, 64) generator (``benchmarks/RESULTS.md``); (64, 32) costs about half
            as much per step.
        kernel_size: kernel of the transposed convolutions (4 avoids the checkerboard
            of a 3 or 5 kernel with stride 2).
        num_classes: if given, a conditional generator: inputs ``[noise, labels]``
            with integer labels ``(batch,)``; a learned class embedding is
            concatenated to the noise.
        name: model name.

    Returns:
        A functional ``keras.Model`` mapping ``(batch, latent_dim)`` (and labels) to
        ``(batch, height, width, channels)``.

    Example:
        >>> build_generator(16, (28, 28, 1)).output_shape
        (None, 28, 28, 1)
    """
    latent_dim = _check_positive_int(latent_dim, "latent_dim")
    filters = _check_filters(filters, "filters")
    height, width, channels = _check_image_shape(image_shape, len(filters), "build_generator")
    factor = 2 ** len(filters)
    noise = keras.Input((latent_dim,), name="noise")
    inputs, x = [noise], noise
    if num_classes is not None:
        _check_positive_int(num_classes, "num_classes")
        labels = keras.Input((), dtype="int32", name="labels")
        embedding = layers.Embedding(num_classes, latent_dim, name="label_embedding")(labels)
        inputs.append(labels)
        x = layers.Concatenate()([noise, embedding])
    # Project and reshape: the smallest feature map.
    x = layers.Dense((height // factor) * (width // factor) * filters[0], use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((height // factor, width // factor, filters[0]))(x)
    # Each stage doubles height and width.
    for count in filters[1:]:
        x = layers.Conv2DTranspose(count, kernel_size, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    outputs = layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                                     activation="tanh", name="image")(x)
    return keras.Model(inputs if num_classes is not None else noise, outputs, name=name)


def build_discriminator(image_shape: tuple[int, int, int] = (28, 28, 1),
                        filters: Sequence[int] = (32, 64), kernel_size: int = 4,
                        normalization: str | None = None, dropout: float = 0.0,
                        num_classes: int | None = None,
                        name: str = "discriminator") -> keras.Model:
    r"""A DCGAN discriminator (or WGAN critic): an image to one logit (score).

    ``len(filters)`` stride-2 ``Conv2D`` stages with LeakyReLU(0.2), then ``Flatten``
    and ``Dense(1)`` with no activation: the output is a logit :math:`\ell`,
    :math:`D(x) = \sigma(\ell)`.

    Args:
        image_shape: ``(height, width, channels)`` (any size: "same" padding rounds up).
        filters: channels of each stage (default (32, 64), sized for a CPU: a wider
            (64, 128) discriminator slowed training more than it helped,
            ``benchmarks/RESULTS.md``).
        kernel_size: kernel of the convolutions.
        normalization: ``None``, ``"batch"`` or ``"layer"``, after every stage but the
            first. A WGAN-GP critic must not use ``"batch"`` (the penalty is per sample).
        dropout: dropout rate after each stage (0 for none).
        num_classes: if given, a conditional discriminator: inputs ``[images, labels]``;
            a learned class embedding is added as an extra image channel.
        name: model name.

    Returns:
        A functional ``keras.Model`` mapping ``(batch, height, width, channels)`` (and
        labels) to logits ``(batch, 1)``.

    Example:
        >>> build_discriminator((28, 28, 1)).output_shape
        (None, 1)
    """
    filters = _check_filters(filters, "filters")
    height, width, channels = _check_image_shape(image_shape, 0, "build_discriminator")
    if normalization not in (None, "batch", "layer"):
        raise ValueError(f"normalization must be None, 'batch' or 'layer', received {normalization!r}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), received {dropout!r}.")
    images = keras.Input((height, width, channels), name="images")
    inputs, x = [images], images
    if num_classes is not None:
        _check_positive_int(num_classes, "num_classes")
        labels = keras.Input((), dtype="int32", name="labels")
        plane = layers.Embedding(num_classes, height * width, name="label_embedding")(labels)
        inputs.append(labels)
        x = layers.Concatenate()([images, layers.Reshape((height, width, 1))(plane)])
    for index, count in enumerate(filters):
        x = layers.Conv2D(count, kernel_size, strides=2, padding="same")(x)
        if index > 0 and normalization == "batch":
            x = layers.BatchNormalization()(x)
        elif index > 0 and normalization == "layer":
            x = layers.LayerNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(1, name="logit")(x)
    return keras.Model(inputs if num_classes is not None else images, outputs, name=name)


class _OptimizerPair:
    """The two optimizers seen as one by the Keras trainer.

    The JAX trainer carries ``model.optimizer.variables`` through its stateless step
    and writes them back after ``fit``; this object lists both optimizers' variables
    (discriminator's first) so that both are carried.
    """

    def __init__(self, d_optimizer, g_optimizer, discriminator, generator):
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self._networks = (discriminator, generator)

    @property
    def built(self) -> bool:
        return self.d_optimizer.built and self.g_optimizer.built

    def build(self, variables=None) -> None:
        discriminator, generator = self._networks
        if not self.d_optimizer.built:
            self.d_optimizer.build(discriminator.trainable_variables)
        if not self.g_optimizer.built:
            self.g_optimizer.build(generator.trainable_variables)

    @property
    def variables(self) -> list:
        return list(self.d_optimizer.variables) + list(self.g_optimizer.variables)

    def scale_loss(self, loss):
        return loss


class GAN(keras.Model):
    r"""A GAN as a ``keras.Model``: ``fit`` alternates one discriminator and one generator step.

    Each step: the discriminator minimises :math:`L_D` on a real batch and a generated
    batch; then the generator minimises its loss on a fresh generated batch (the
    non-saturating :math:`-\log \sigma(D(G(z)))` unless ``compile(loss=...)`` chose the
    saturating or the hinge loss).

    Args:
        generator: maps ``(batch, latent_dim)`` noise to ``(batch, H, W, C)`` images in [-1, 1].
        discriminator: maps ``(batch, H, W, C)`` images to logits ``(batch, 1)``.
        latent_dim: size of the noise vector; must match the generator's input.
        seed: seed of the noise drawn during training.

    Example:
        >>> gan = GAN(generator=build_generator(16), discriminator=build_discriminator(),
        ...           latent_dim=16)
        >>> gan.compile()
        >>> history = gan.fit(images, epochs=1, batch_size=64)   # images in [-1, 1]
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")
    # (discriminator loss, generator loss) for each name that compile(loss=...) accepts.
    loss_pairs = {
        "non-saturating": (losses.discriminator_loss, losses.generator_loss),
        "saturating": (losses.discriminator_loss, partial(losses.generator_loss, saturating=True)),
        "hinge": (losses.hinge_discriminator_loss, losses.hinge_generator_loss),
    }

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
            raise ValueError("generator and discriminator must be keras.Model instances, received "
                             f"{type(generator).__name__} and {type(discriminator).__name__}.")
        _check_positive_int(latent_dim, "latent_dim")
        noise_shape = tuple(generator.inputs[0].shape)
        if noise_shape[-1] != latent_dim:
            raise ValueError(f"latent_dim={latent_dim} does not match the generator's noise input "
                             f"shape {noise_shape}; expected latent_dim={noise_shape[-1]}.")
        made = tuple(generator.outputs[0].shape[1:])
        taken = tuple(discriminator.inputs[0].shape[1:])
        if made != taken:
            raise ValueError(f"the generator makes images of shape {made} but the discriminator "
                             f"takes {taken}: they must be equal.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.image_shape = made
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        self.built = True

    # ----------------------------------------------------------------- compile
    def compile(self, d_optimizer=None, g_optimizer=None, loss: str = "non-saturating", **kwargs):
        """Choose the optimizers and the generator loss.

        Args:
            d_optimizer: the discriminator's optimizer; default ``Adam(2e-4, beta_1=0.5)``
                (Radford et al., 2016).
            g_optimizer: the generator's optimizer; same default.
            loss: ``"non-saturating"`` (default), ``"saturating"`` (the minimax loss) or
                ``"hinge"`` (:func:`segen_lib.losses.hinge_discriminator_loss` for D,
                :math:`-\mathbb{E}[\ell(G(z))]` for G). With the hinge loss the
                logged ``d_real`` and ``d_fake`` are still means of
                :math:`\sigma(\ell)`: above 0.5 means "scored as real".
        """
        if loss not in self.loss_pairs:
            raise ValueError(f"loss must be one of {', '.join(map(repr, self.loss_pairs))}, "
                             f"received {loss!r}.")
        self.loss_name = loss
        d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self._set_optimizers(d_optimizer, g_optimizer, **kwargs)

    def _set_optimizers(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        for name, opt in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(opt, keras.optimizers.Optimizer):
                raise ValueError(f"{name} must be a keras.optimizers.Optimizer instance, "
                                 f"received {opt!r}.")
        if d_optimizer is g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be two different optimizer "
                             "instances (each keeps the state of one network).")
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.optimizer = _OptimizerPair(d_optimizer, g_optimizer, self.discriminator, self.generator)
        self.optimizer.build()

    @property
    def metrics(self):
        return list(self.trackers.values())

    # --------------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, **kwargs):
        """``keras.Model.fit``; under TensorFlow, NumPy arrays go through :func:`array_batches`.

        The batches are cut as Keras cuts them (the last one partial), but they come from
        :func:`segen_lib.data.pipeline.array_batches`: Keras's own pipeline for arrays
        held up the start of one epoch in two or three by 13-17 s on 2 CPU cores (where an
        epoch takes 23-29 s), and under a global seed it repeated one order in every epoch.
        Other inputs, the other backends and the arguments that only Keras's array
        handling knows (``validation_split``, ``sample_weight``, ``class_weight``,
        ``steps_per_epoch``, ``shuffle="batch"``) go to Keras unchanged.
        """
        arrays = [a for a in (x, y) if a is not None]
        shuffle = kwargs.get("shuffle", True)
        if (keras.backend.backend() == "tensorflow" and arrays
                and all(isinstance(a, np.ndarray) for a in arrays) and shuffle in (True, False)
                and not any(kwargs.get(k) for k in ("validation_split", "sample_weight",
                                                     "class_weight", "steps_per_epoch"))):
            x = pipeline.array_batches(*arrays, batch_size=batch_size or 32, shuffle=shuffle)
            y, batch_size, kwargs["shuffle"] = None, None, False
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, **kwargs)

    # ------------------------------------------------------- sampling helpers
    def generate(self, num_images: int, seed: int | None = None, labels=None,
                 averaged: bool = False):
        """Generate ``num_images`` images ``(n, H, W, C)`` in [-1, 1] (inference mode).

        With ``averaged=True`` the images come from :meth:`averaged_generator`.
        """
        noise = keras.random.normal((num_images, self.latent_dim), seed=seed)
        return self._predict(noise, averaged)

    def _predict(self, inputs, averaged: bool, batch_size: int = 256):
        # Called directly, batch by batch, rather than through predict(): the averaged
        # generator is a fresh copy each time, and each copy's predict function would be
        # traced anew (with TensorFlow's retracing warning after a few).
        generator = self.averaged_generator() if averaged else self.generator
        return np.concatenate([keras.ops.convert_to_numpy(generator(batch, training=False))
                               for batch in _input_batches(inputs, batch_size)])

    def _calibration_labels(self, count: int):
        """Labels for the batch-norm recalibration of :meth:`averaged_generator` (none here)."""
        return None

    def averaged_generator(self, calibration_size: int = 2048, seed: int = 0) -> keras.Model:
        r"""A copy of the generator whose weights are their moving average over training.

        Needs a generator optimizer built with ``use_ema=True``, e.g.
        ``keras.optimizers.Adam(1e-3, beta_1=0.0, use_ema=True, ema_momentum=0.998)``:
        after every generator step it updates :math:`\bar\theta \leftarrow m\,\bar\theta +
        (1 - m)\,\theta` for each trainable weight (the average is part of the optimizer's
        state, so checkpoints keep it). The two players' updates make the weights circle
        the equilibrium rather than settle on it; the average sits closer to it
        (Yazıcı et al., 2019). The generator itself is left unchanged, so training can go
        on.

        The batch-norm statistics collected during training belong to the current
        weights, not to their average, so they are recomputed for the average
        (:func:`recalibrate_batch_norm`) on ``calibration_size`` noise vectors drawn with
        ``seed`` (and classes in turn, for a conditional generator).
        """
        optimizer = getattr(self, "g_optimizer", None)
        if optimizer is None or not optimizer.use_ema:
            raise ValueError("averaged_generator() needs a generator optimizer with use_ema=True, "
                             "e.g. compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, "
                             f"use_ema=True)); received g_optimizer={optimizer!r}.")
        if not optimizer.built:
            raise ValueError("averaged_generator() needs a built optimizer: call compile() first.")
        _check_positive_int(calibration_size, "calibration_size")
        copy = keras.models.clone_model(self.generator)
        copy.set_weights(self.generator.get_weights())
        optimizer.finalize_variable_values(copy.trainable_variables)
        noise = np.random.default_rng(seed).standard_normal((calibration_size, self.latent_dim))
        inputs = self._generator_inputs(noise.astype("float32"), self._calibration_labels(calibration_size))
        return recalibrate_batch_norm(copy, inputs)

    def call(self, noise, training=False):
        return self.generator(noise, training=training)

    # ------------------------------------------------------------ the losses
    # Each loss is a function of variable *values*, so one code path serves every backend.
    def _split_data(self, data):
        """Return ``(images, labels or None)`` from what ``fit`` passes."""
        if isinstance(data, (tuple, list)):
            return data[0], None
        return data, None

    def _generator_inputs(self, noise, labels):
        return noise

    def _discriminator_inputs(self, images, labels):
        return images

    def d_loss_fn(self, d_trainable, d_non_trainable, g_trainable, g_non_trainable,
                  real_images, labels, noise, epsilon):
        """Discriminator loss on values; returns ``(loss, (new states, logs))``."""
        fake_images, g_non_trainable = self.generator.stateless_call(
            g_trainable, g_non_trainable, self._generator_inputs(noise, labels), training=True)
        both = ops.concatenate([real_images, fake_images], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        logits, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, self._discriminator_inputs(both, both_labels),
            training=True)
        real_logits, fake_logits = ops.split(logits, 2, axis=0)
        discriminator_loss, _ = self.loss_pairs[self.loss_name]
        d_loss = discriminator_loss(real_logits, fake_logits)
        logs = {"d_loss": d_loss, "d_real": ops.mean(ops.sigmoid(real_logits)),
                "d_fake": ops.mean(ops.sigmoid(fake_logits))}
        return d_loss, (d_non_trainable, g_non_trainable, logs)

    def g_loss_fn(self, g_trainable, g_non_trainable, d_trainable, d_non_trainable,
                  labels, noise):
        """Generator loss on values; returns ``(loss, (new states, logs))``."""
        fake_images, g_non_trainable = self.generator.stateless_call(
            g_trainable, g_non_trainable, self._generator_inputs(noise, labels), training=True)
        fake_logits, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, self._discriminator_inputs(fake_images, labels),
            training=True)
        _, generator_loss = self.loss_pairs[self.loss_name]
        g_loss = generator_loss(fake_logits)
        return g_loss, (d_non_trainable, g_non_trainable, {"g_loss": g_loss})

    # ------------------------------------------------------------ train_step
    d_steps = 1  # discriminator (critic) steps per generator step

    def train_step(self, *args):
        if not hasattr(self, "loss_name"):
            raise ValueError("call compile() before fit().")
        backend = keras.backend.backend()
        if backend == "jax":
            return self._jax_train_step(*args)
        if backend == "tensorflow":
            return self._tf_train_step(*args)
        raise ValueError(f"GAN training supports the tensorflow and jax backends, "
                         f"received backend {backend!r}.")

    needs_epsilon = False  # WGAN-GP draws interpolation weights too

    def _draw(self, batch_size, seed):
        """Draw the noise of one step (and, for WGAN-GP, the interpolation weights)."""
        noise = keras.random.normal((batch_size, self.latent_dim), seed=seed)
        epsilon = None
        if self.needs_epsilon:
            epsilon = keras.random.uniform((batch_size, 1, 1, 1), seed=seed)
        return noise, epsilon

    def _tf_train_step(self, data):
        import tensorflow as tf

        real_images, labels = self._split_data(data)
        batch_size = ops.shape(real_images)[0]
        d, g = self.discriminator, self.generator
        logs = {}
        for _ in range(self.d_steps):
            # Train the discriminator on a real and a generated batch.
            noise, epsilon = self._draw(batch_size, self.seed_generator)
            with tf.GradientTape() as tape:
                d_loss, (d_nt, g_nt, step_logs) = self.d_loss_fn(
                    d.trainable_variables, d.non_trainable_variables, g.trainable_variables,
                    g.non_trainable_variables, real_images, labels, noise, epsilon)
            grads = tape.gradient(d_loss, d.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, d.trainable_variables))
            self._assign(d.non_trainable_variables, d_nt)
            self._assign(g.non_trainable_variables, g_nt)
            logs.update(step_logs)
        # Train the generator to fool the discriminator, on fresh noise.
        noise, _ = self._draw(batch_size, self.seed_generator)
        with tf.GradientTape() as tape:
            g_loss, (d_nt, g_nt, step_logs) = self.g_loss_fn(
                g.trainable_variables, g.non_trainable_variables, d.trainable_variables,
                d.non_trainable_variables, labels, noise)
        grads = tape.gradient(g_loss, g.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, g.trainable_variables))
        self._assign(g.non_trainable_variables, g_nt)
        logs.update(step_logs)
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @staticmethod
    def _assign(variables, values):
        for variable, value in zip(variables, values):
            variable.assign(value)

    def _jax_train_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer_values, metric_values = state
        real_images, labels = self._split_data(data)
        batch_size = ops.shape(real_images)[0]
        d, g = self.discriminator, self.generator
        # Map the model's flat state lists to the two networks (by variable identity).
        values = {id(v): x for v, x in zip(self.trainable_variables, trainable)}
        values.update({id(v): x for v, x in zip(self.non_trainable_variables, non_trainable)})

        def get(variables):
            return [values[id(v)] for v in variables]

        def put(variables, new_values):
            values.update({id(v): x for v, x in zip(variables, new_values)})

        n_d_opt = len(self.d_optimizer.variables)
        d_opt, g_opt = optimizer_values[:n_d_opt], optimizer_values[n_d_opt:]
        seed_state = self.seed_generator.state
        logs = {}

        def draw():
            # Noise from the seed generator, its state carried as a value.
            with keras.StatelessScope(state_mapping=[(seed_state, values[id(seed_state)])]) as scope:
                drawn = self._draw(batch_size, self.seed_generator)
            values[id(seed_state)] = scope.get_current_value(seed_state)
            return drawn

        for _ in range(self.d_steps):
            # Train the discriminator on a real and a generated batch.
            noise, epsilon = draw()
            grad_fn = jax.value_and_grad(self.d_loss_fn, has_aux=True)
            (_, (d_nt, g_nt, step_logs)), grads = grad_fn(
                get(d.trainable_variables), get(d.non_trainable_variables),
                get(g.trainable_variables), get(g.non_trainable_variables),
                real_images, labels, noise, epsilon)
            new_d, d_opt = self.d_optimizer.stateless_apply(d_opt, grads, get(d.trainable_variables))
            put(d.trainable_variables, new_d)
            put(d.non_trainable_variables, d_nt)
            put(g.non_trainable_variables, g_nt)
            logs.update(step_logs)
        # Train the generator to fool the discriminator, on fresh noise.
        noise, _ = draw()
        grad_fn = jax.value_and_grad(self.g_loss_fn, has_aux=True)
        (_, (d_nt, g_nt, step_logs)), grads = grad_fn(
            get(g.trainable_variables), get(g.non_trainable_variables),
            get(d.trainable_variables), get(d.non_trainable_variables), labels, noise)
        new_g, g_opt = self.g_optimizer.stateless_apply(g_opt, grads, get(g.trainable_variables))
        put(g.trainable_variables, new_g)
        put(g.non_trainable_variables, g_nt)
        logs.update(step_logs)
        # Update the metrics, statelessly.
        new_metric_values, start = [], 0
        results = {}
        for tracker in self.metrics:
            count = len(tracker.variables)
            tracker_values = tracker.stateless_update_state(
                metric_values[start:start + count], logs[tracker.name])
            results[tracker.name] = tracker.stateless_result(tracker_values)
            new_metric_values += list(tracker_values)
            start += count
        state = (get(self.trainable_variables), get(self.non_trainable_variables),
                 list(d_opt) + list(g_opt), new_metric_values)
        return results, state

    def test_step(self, *args):
        raise NotImplementedError("GAN has no evaluate(); measure samples with segen_lib.metrics.fid.")


class ConditionalGAN(GAN):
    r"""A conditional GAN (Mirza and Osindero, 2014): both networks see the class label.

    ``fit`` takes ``(images, labels)``; the generated batch uses the real batch's labels,
    so the generator learns :math:`p(x \mid y)`.

    Args:
        generator: a generator with inputs ``[noise, labels]`` (``build_generator(num_classes=...)``).
        discriminator: a discriminator with inputs ``[images, labels]``.
        latent_dim: size of the noise vector.
        num_classes: number of classes.
        seed: seed of the noise drawn during training.
    """

    def __init__(self, generator, discriminator, latent_dim: int, num_classes: int,
                 seed: int | None = None, **kwargs):
        for model, what in ((generator, "generator"), (discriminator, "discriminator")):
            if isinstance(model, keras.Model) and len(model.inputs) != 2:
                raise ValueError(f"a ConditionalGAN needs a {what} with two inputs "
                                 f"[{'noise' if what == 'generator' else 'images'}, labels], received "
                                 f"one with {len(model.inputs)} input(s); build it with num_classes=...")
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        self.num_classes = _check_positive_int(num_classes, "num_classes")

    def _split_data(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("a ConditionalGAN trains on (images, labels): call fit(images, labels).")
        images, labels = data[0], data[1]
        return images, ops.cast(ops.reshape(labels, (-1,)), "int32")

    def _generator_inputs(self, noise, labels):
        return [noise, labels]

    def _discriminator_inputs(self, images, labels):
        return [images, labels]

    def generate(self, num_images: int, seed: int | None = None, labels=None,
                 averaged: bool = False):
        """Generate images of the given classes (``labels``: ``(num_images,)`` integers).

        With ``averaged=True`` the images come from :meth:`averaged_generator`.
        """
        if labels is None:
            raise ValueError("a ConditionalGAN needs labels=(num_images,) class indices to generate.")
        noise = keras.random.normal((num_images, self.latent_dim), seed=seed)
        labels = ops.cast(ops.reshape(ops.convert_to_tensor(labels), (-1,)), "int32")
        if ops.shape(labels)[0] != num_images:
            raise ValueError(f"got {ops.shape(labels)[0]} labels for num_images={num_images}.")
        return self._predict([noise, labels], averaged)

    def _calibration_labels(self, count: int):
        """Every class in turn, for the batch-norm recalibration of the averaged generator."""
        return (np.arange(count) % self.num_classes).astype("int32")


class WGANGP(GAN):
    r"""WGAN with gradient penalty (Gulrajani et al., 2017).

    The critic :math:`f` (no sigmoid, no batch normalisation) minimises

    .. math::
        L_f = \mathbb{E}[f(\tilde x)] - \mathbb{E}[f(x)]
              + \lambda\, \mathbb{E}_{\hat x}\big[(\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - 1)^2\big],
        \quad \hat x = \epsilon x + (1 - \epsilon) \tilde x,\ \epsilon \sim U(0, 1),

    ``critic_steps`` times per generator step; the generator minimises
    :math:`-\mathbb{E}[f(G(z))]`. Logged ``d_real``/``d_fake`` are mean critic scores.

    Args:
        generator, discriminator, latent_dim, seed: as for :class:`GAN` (the
            discriminator is the critic).
        critic_steps: critic updates per generator update (5 in the paper).
        gp_weight: :math:`\lambda` (10 in the paper).
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake", "gp")
    needs_epsilon = True

    def __init__(self, generator, discriminator, latent_dim: int, critic_steps: int = 5,
                 gp_weight: float = 10.0, seed: int | None = None, **kwargs):
        if any(isinstance(layer, layers.BatchNormalization) for layer in discriminator.layers):
            raise ValueError("a WGAN-GP critic must not use batch normalisation (the gradient "
                             "penalty is per sample): build it with normalization=None or 'layer'.")
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        self.critic_steps = self.d_steps = _check_positive_int(critic_steps, "critic_steps")
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight must be >= 0, received {gp_weight!r}.")
        self.gp_weight = float(gp_weight)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Choose the optimizers; default ``Adam(1e-4, beta_1=0, beta_2=0.9)`` for both, as in the paper."""
        self.loss_name = "wasserstein"
        d_optimizer = d_optimizer or keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)
        g_optimizer = g_optimizer or keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)
        self._set_optimizers(d_optimizer, g_optimizer, **kwargs)

    def d_loss_fn(self, d_trainable, d_non_trainable, g_trainable, g_non_trainable,
                  real_images, labels, noise, epsilon):
        fake_images, g_non_trainable = self.generator.stateless_call(
            g_trainable, g_non_trainable, noise, training=True)
        real_scores, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, real_images, training=True)
        fake_scores, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, fake_images, training=True)

        def critic(images):
            return self.discriminator.stateless_call(d_trainable, d_non_trainable, images,
                                                     training=True)[0]

        penalty = losses.gradient_penalty(critic, real_images, fake_images, epsilon)
        d_loss = losses.wasserstein_critic_loss(real_scores, fake_scores) + self.gp_weight * penalty
        logs = {"d_loss": d_loss, "d_real": ops.mean(real_scores), "d_fake": ops.mean(fake_scores),
                "gp": penalty}
        return d_loss, (d_non_trainable, g_non_trainable, logs)

    def g_loss_fn(self, g_trainable, g_non_trainable, d_trainable, d_non_trainable,
                  labels, noise):
        fake_images, g_non_trainable = self.generator.stateless_call(
            g_trainable, g_non_trainable, noise, training=True)
        fake_scores, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, fake_images, training=True)
        g_loss = losses.wasserstein_generator_loss(fake_scores)
        return g_loss, (d_non_trainable, g_non_trainable, {"g_loss": g_loss})
