r"""The GAN as a ``keras.Model`` with its own training step.

Introduced in ``notebooks/04_gan_training.ipynb``; the losses are derived in
``notebooks/03_gan_theory.ipynb`` (:mod:`segen_lib.losses.gan`). A GAN trains two
networks against each other: each step the discriminator :math:`D` (logits
:math:`\ell = D(x)`) takes a gradient step on a real and a generated batch, then the
generator :math:`G` takes one on fresh noise. :meth:`GAN.train_batch` is that step, one
function that reads top to bottom; :mod:`segen_lib.models.backend_step` runs it on the
TensorFlow and JAX backends. Images are float32 in [-1, 1], ``(batch, height, width,
channels)``.

The defaults of :meth:`GAN.compile` are the recipe chapter 04 measured best per CPU
minute (hinge loss, Adam :math:`10^{-3}` without momentum, a moving average of the
generator's weights to sample from, 8 steps per call, XLA); ``compile(**DCGAN_PAPER)``
gives the settings of Radford et al. (2016).
"""

from __future__ import annotations

from functools import partial

import keras
import numpy as np
from keras import ops

from segen_lib import batches, checks
from segen_lib.losses import gan as gan_losses
from segen_lib.models.backend_step import OptimizerGroup, check_backend, minimize, run_train_step
from segen_lib.models.weight_average import averaged_copy

__all__ = ["GAN", "DCGAN_PAPER"]

# The DCGAN paper's settings (Radford et al., 2016), for gan.compile(**DCGAN_PAPER).
DCGAN_PAPER = {"loss": "non-saturating", "learning_rate": 2e-4, "beta_1": 0.5, "ema_momentum": None}


class GAN(keras.Model):
    r"""A GAN as a ``keras.Model``: ``fit`` alternates discriminator and generator steps.

    Each step (:meth:`train_batch`): ``d_steps`` times, the discriminator minimises its
    loss on a real batch and a generated one; then the generator minimises its loss on
    fresh noise. ``compile(loss=...)`` chooses the pair of losses.

    Args:
        generator: maps noise ``(batch, latent_dim)`` to images ``(batch, H, W, C)`` in
            [-1, 1]; ``latent_dim`` is read from its input.
        discriminator: maps images ``(batch, H, W, C)`` to logits ``(batch, 1)``.
        d_steps: discriminator updates per generator update.
        seed: seed of the noise drawn during training.

    Raises:
        ValueError: networks that are not Keras models, or whose shapes do not fit together.

    Example:
        >>> from segen_lib.models import build_discriminator, build_generator
        >>> gan = GAN(build_generator(latent_dim=16), build_discriminator(), seed=0)
        >>> gan.compile(jit_compile=False)     # chapter 04's recipe, without XLA for 2 steps
        >>> images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1))
        >>> history = gan.fit(images, epochs=1, batch_size=32, verbose=0)
        >>> gan.generate(4, seed=0).shape
        (4, 28, 28, 1)
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")
    # (discriminator loss, generator loss) for each name that compile(loss=...) accepts.
    loss_pairs = {
        "non-saturating": (gan_losses.discriminator_loss, gan_losses.generator_loss),
        "saturating": (gan_losses.discriminator_loss, partial(gan_losses.generator_loss, saturating=True)),
        "hinge": (gan_losses.hinge_discriminator_loss, gan_losses.hinge_generator_loss),
    }
    num_inputs = 1  # inputs of each network: 1, or 2 with labels (ConditionalGAN)

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *extra, d_steps: int = 1,
                 seed: int | None = None, **kwargs):
        checks.keyword_options(extra, f"{type(self).__name__}(generator, discriminator, ...)",
                               "d_steps=..., seed=...",
                               "The latent size is read from the generator: build_generator(latent_dim).")
        super().__init__(**kwargs)
        self.image_shape = self.check_networks(generator, discriminator)
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.d_steps = checks.positive_int(d_steps, "d_steps")
        self.seed = None if seed is None else checks.integer(seed, "seed", minimum=0)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.logged_metrics()}
        self.built = True

    def check_networks(self, generator, discriminator) -> tuple:
        """Check that the two networks fit together; return the shape of one image."""
        for model, what in ((generator, "generator"), (discriminator, "discriminator")):
            if not isinstance(model, keras.Model):
                raise ValueError(f"{what} must be a keras.Model, received {type(model).__name__}.")
            if len(model.inputs) != self.num_inputs:
                raise ValueError(self._inputs_message(what, len(model.inputs)))
        made = tuple(generator.outputs[0].shape[1:])
        taken = tuple(discriminator.inputs[0].shape[1:])
        if made != taken:
            raise ValueError(f"the generator makes images of shape {made} but the discriminator "
                             f"takes {taken}: they must be equal.")
        return made

    def logged_metrics(self) -> tuple[str, ...]:
        """The names of the values each training step logs."""
        return self.metric_names

    def _inputs_message(self, what: str, count: int) -> str:
        return (f"a {type(self).__name__} needs a {what} with one input, received one with "
                f"{count} inputs; for class labels use ConditionalGAN.")

    # The training step ------------------------------------------------------------------
    def train_batch(self, data):
        """One training step on one batch of real images; returns the logged metrics."""
        real_images, labels = self.unpack(data)
        batch_size = ops.shape(real_images)[0]
        d_logs = {}
        for _ in range(self.d_steps if self.discriminator is not None else 0):
            # Sample random points in the latent space and decode them to fake images.
            noise = self.sample_noise(batch_size)
            fake_images = self.generator(self.generator_inputs(noise, labels), training=True)

            # Train the discriminator to score real images high and fake images low.
            def d_loss_fn():
                return self.discriminator_loss(real_images, fake_images, labels)

            d_logs = minimize(d_loss_fn, self.discriminator, self.d_optimizer)

        # Sample fresh points in the latent space.
        noise = self.sample_noise(batch_size)

        # Train the generator to make the discriminator score its images as real
        # (only the generator's weights move).
        def g_loss_fn():
            fake_images = self.generator(self.generator_inputs(noise, labels), training=True)
            return self.generator_objective(real_images, fake_images, labels)

        g_logs = minimize(g_loss_fn, self.generator, self.g_optimizer)

        # Update the metrics.
        for name, value in {**d_logs, **g_logs}.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, *args):
        # Keras calls this; train_batch is the step, run on the TensorFlow or the JAX backend.
        if not hasattr(self, "d_optimizer"):
            raise ValueError(f"call compile() before fit() on a {type(self).__name__}.")
        return run_train_step(self, self.train_batch, *args)

    def test_step(self, *args):
        raise NotImplementedError("GAN has no evaluate(); measure samples with segen_lib.metrics.fid.")

    # The losses -------------------------------------------------------------------------
    def discriminator_loss(self, real_images, fake_images, labels):
        r"""The discriminator's loss on a real and a fake batch; returns ``(d_loss, logs)``.

        Both batches go through the discriminator together, so a batch-normalising
        discriminator normalises them as one batch. Logged ``d_real`` and ``d_fake``
        are the means of :math:`\sigma(\ell)` on each: above 0.5 means "scored as real".
        """
        images = ops.concatenate([real_images, fake_images], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        logits = self.discriminator(self.discriminator_inputs(images, both_labels), training=True)
        real_logits, fake_logits = ops.split(logits, 2, axis=0)
        discriminator_loss, _ = self.loss_pairs[self.loss_name]
        d_loss = discriminator_loss(real_logits, fake_logits)
        return d_loss, {"d_loss": d_loss, "d_real": ops.mean(ops.sigmoid(real_logits)),
                        "d_fake": ops.mean(ops.sigmoid(fake_logits))}

    def generator_loss(self, fake_logits):
        """The generator's loss on the discriminator's logits for its images."""
        _, generator_loss = self.loss_pairs[self.loss_name]
        return generator_loss(fake_logits)

    def generator_objective(self, real_images, fake_images, labels):
        """What the generator minimises for a generated batch; returns ``(g_loss, logs)``.

        Here the adversarial loss alone (``real_images`` is unused); pix2pix adds an L1
        term (:class:`segen_lib.models.Pix2Pix`).
        """
        fake_logits = self.discriminator(self.discriminator_inputs(fake_images, labels), training=True)
        g_loss = self.generator_loss(fake_logits)
        return g_loss, {"g_loss": g_loss}

    # What each network takes ------------------------------------------------------------
    def unpack(self, data):
        """``(images, labels or None)`` from a batch as ``fit`` passes it."""
        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return images, None

    def sample_noise(self, batch_size):
        """Points of the latent space for one batch, ``(batch_size, latent_dim)``."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def generator_inputs(self, noise, labels):
        return noise

    def discriminator_inputs(self, images, labels):
        return images

    # What fit accepts ---------------------------------------------------------------------
    def check_data(self, images, labels=None):
        """Check real samples before training: images as floats in [-1, 1] of the generator's shape.

        Called by :meth:`fit` on the arrays, or on the first batch of a dataset, before
        any step: inside a compiled step a wrong scale or a NaN could not raise, and the
        GAN would train on it (uint8 images in 0..255 train without complaint). A
        generator of images (``(H, W, C)`` outputs) gets the image checks; one of points
        (``(dim,)`` outputs, chapter 03's toy distributions) gets finite floats of its shape.

        Raises:
            ValueError: see :func:`segen_lib.checks.float_images` (the message says
                ``x / 127.5 - 1`` for 0..255 images, ``x * 2 - 1`` for [0, 1] ones).
        """
        if len(self.image_shape) == 3:
            checks.float_images(images, "images", "[-1, 1]", shape=self.image_shape)
            return
        samples = checks.finite(images, "samples")
        if samples.ndim != 1 + len(self.image_shape) or tuple(samples.shape[1:]) != self.image_shape:
            raise ValueError(f"samples must have shape (n, {', '.join(map(str, self.image_shape))}) "
                             f"like the generator's outputs, received {samples.shape}.")
        if not len(samples):
            raise ValueError("samples is empty.")

    def _check_fit_data(self, x, y):
        data = batches.readable_data(x, y)   # the arrays, or a dataset's first batch
        if data is not None:   # None: a Python generator, which reading would use up
            self.check_data(*data)

    # Compile and fit ----------------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, loss: str = "hinge",
                learning_rate: float = 1e-3, beta_1: float = 0.0, ema_momentum: float | None = 0.998,
                steps_per_execution: int = 8, jit_compile=True, **kwargs):
        r"""Choose the losses and the optimizers; the defaults are chapter 04's recipe.

        Args:
            d_optimizer: the discriminator's optimizer; default
                ``Adam(learning_rate, beta_1=beta_1)``.
            g_optimizer: the generator's optimizer; default the same, keeping a moving
                average of the generator's weights (``use_ema=True``) unless
                ``ema_momentum`` is None.
            loss: ``"hinge"`` (default; :math:`\max(0, 1 - \ell)` terms for D,
                :math:`-\ell(G(z))` for G), ``"non-saturating"`` (cross-entropy for D,
                :math:`-\log\sigma(\ell(G(z)))` for G) or ``"saturating"`` (the minimax loss).
            learning_rate: Adam's step for the default optimizers.
            beta_1: Adam's momentum for the default optimizers (0: none, as suits a game).
            ema_momentum: momentum :math:`m` of the generator's weight average, which
                :meth:`generate` samples from; None for no average.
            steps_per_execution: training steps per call into the backend.
            jit_compile: compile the steps with XLA.
            **kwargs: passed on to ``keras.Model.compile``.

        The DCGAN paper's settings are ``compile(**DCGAN_PAPER)``: the non-saturating loss,
        Adam(2e-4, beta_1=0.5), no average. Chapter 04 measures both
        (``benchmarks/gan.py``, ``benchmarks/RESULTS.md``). ``learning_rate``, ``beta_1``
        and ``ema_momentum`` shape only the default optimizers: an optimizer passed in is
        used as it is.

        Raises:
            ValueError: a backend other than TensorFlow and JAX, an unknown loss, an
                optimizer that is not a Keras optimizer, or one optimizer instance for both
                networks.
        """
        checks.one_of(loss, "loss", tuple(self.loss_pairs))
        self.loss_name = loss
        self._set_optimizers(d_optimizer, g_optimizer, learning_rate=learning_rate, beta_1=beta_1,
                             ema_momentum=ema_momentum, steps_per_execution=steps_per_execution,
                             jit_compile=jit_compile, **kwargs)

    def _set_optimizers(self, d_optimizer, g_optimizer, learning_rate, beta_1, ema_momentum,
                        beta_2=0.999, **kwargs):
        check_backend()   # before Keras's own complaints about a backend the step is not for
        learning_rate = checks.number(learning_rate, "learning_rate", minimum=0.0)
        beta_1 = checks.number(beta_1, "beta_1", 0.0, 1.0, include_maximum=False)
        if ema_momentum is not None:
            ema_momentum = checks.number(ema_momentum, "ema_momentum", 0.0, 1.0, include_maximum=False)
        d_optimizer = d_optimizer or keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)
        average = {} if ema_momentum is None else {"use_ema": True, "ema_momentum": ema_momentum}
        g_optimizer = g_optimizer or keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2,
                                                           **average)
        for name, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise ValueError(f"{name} must be a keras.optimizers.Optimizer instance, "
                                 f"received {optimizer!r}.")
        if d_optimizer is g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be two different optimizer "
                             "instances (each keeps the state of one network).")
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.optimizer = OptimizerGroup((d_optimizer, self.discriminator), (g_optimizer, self.generator))
        self.optimizer.build()

    @property
    def metrics(self):
        return list(self.trackers.values())

    def save(self, *args, **kwargs):
        """Not available, see :meth:`get_config`: raises before Keras opens any file."""
        self.get_config()

    def get_config(self):
        """Not available: a GAN is two networks and two optimizers, saved as a checkpoint.

        ``gan.save("gan.keras")`` (and anything else that serialises the model) ends here.

        Raises:
            NotImplementedError: always, naming the course's ways to save.
        """
        raise NotImplementedError(
            f"a {type(self).__name__} is saved as a checkpoint of both networks and their optimizers: "
            "segen_lib.callbacks.save_gan_checkpoint(gan, path, epoch), read back with load_gan_checkpoint "
            "(or the GANCheckpoint callback during fit); to keep one network, save it alone, e.g. "
            "gan.generator.save('generator.keras').")

    def fit(self, x=None, y=None, batch_size=None, epochs=1, **kwargs):
        """``keras.Model.fit``, with arrays fed as every model of the course feeds them.

        In-memory arrays go through :func:`segen_lib.batches.fit_inputs` (under TensorFlow,
        :func:`~segen_lib.batches.array_batches`: a new order every epoch, seeded by the
        GAN's ``seed`` and the epoch number, so ``fit(..., initial_epoch=e)`` after
        :func:`segen_lib.callbacks.load_gan_checkpoint` continues exactly as training
        straight through would have).

        The images (and labels) are checked first by :meth:`check_data`: all of them for
        arrays, the first batch for a ``tf.data.Dataset`` or ``keras.utils.PyDataset``.

        Raises:
            ValueError: data that :meth:`check_data` refuses; ``steps_per_epoch`` that is
                not a multiple of the compiled ``steps_per_execution`` (Keras would run
                whole calls, so more steps).
        """
        self._check_fit_data(x, y)
        steps = kwargs.get("steps_per_epoch")
        if steps is not None and self.steps_per_execution > 1 and steps % self.steps_per_execution:
            # Keras would run whole calls of steps_per_execution steps, more than asked for.
            raise ValueError(f"steps_per_epoch={steps} is not a multiple of the steps_per_execution="
                             f"{self.steps_per_execution} this GAN was compiled with: pass a multiple, "
                             "or compile(steps_per_execution=1).")
        # Orders seeded by the GAN's seed and the epoch: a resumed run sees the same batches.
        x, y, batch_size, kwargs = batches.fit_inputs(x, y, batch_size, seed=self.seed, **kwargs)
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, **kwargs)

    # Sampling ---------------------------------------------------------------------------
    def call(self, noise, training=False):
        return self.generator(noise, training=training)

    def generate(self, num_images: int, seed: int | None = None, averaged: bool | None = None):
        """Generate images in inference mode.

        Args:
            num_images: how many.
            seed: seed of the noise (None: a fresh draw).
            averaged: sample from :meth:`averaged_generator`; default (None): when the
                generator's optimizer keeps a weight average.

        Returns:
            ``(num_images, H, W, C)`` float32 NumPy array in [-1, 1].
        """
        num_images = checks.positive_int(num_images, "num_images")
        noise = keras.random.normal((num_images, self.latent_dim), seed=seed)
        return self._predict(noise, averaged)

    def _predict(self, inputs, averaged: bool | None, batch_size: int = 256) -> np.ndarray:
        # Called batch by batch rather than through predict(): the averaged generator is a
        # fresh copy each time, and each copy's predict function would be traced anew.
        if averaged is None:
            averaged = bool(getattr(getattr(self, "g_optimizer", None), "use_ema", False))
        generator = self.averaged_generator() if averaged else self.generator
        inputs = [ops.convert_to_numpy(part) for part in inputs] if isinstance(inputs, list) \
            else ops.convert_to_numpy(inputs)
        return np.concatenate([ops.convert_to_numpy(generator(batch, training=False))
                               for batch in batches.input_batches(inputs, batch_size)])

    def calibration_labels(self, count: int):
        """Labels for the batch-norm recalibration of :meth:`averaged_generator` (none here)."""
        return None

    def averaged_generator(self, calibration_size: int = 2048, seed: int = 0) -> keras.Model:
        """A copy of the generator with the moving average of its weights over training.

        Needs a generator optimizer that keeps the average (the default of
        :meth:`compile`; :mod:`segen_lib.models.weight_average` explains it). The copy's
        batch-norm statistics are recomputed on ``calibration_size`` noise vectors drawn
        with ``seed`` (and the classes in turn, for a conditional generator). The
        generator itself is unchanged, so training can go on.

        Raises:
            ValueError: not compiled, or the generator's optimizer keeps no average.
        """
        calibration_size = checks.positive_int(calibration_size, "calibration_size")
        optimizer = getattr(self, "g_optimizer", None)
        if optimizer is None or not optimizer.use_ema:
            raise ValueError("averaged_generator() needs a generator optimizer that keeps a weight "
                             "average: compile() with its default ema_momentum, or "
                             "g_optimizer=keras.optimizers.Adam(..., use_ema=True); "
                             f"received g_optimizer={optimizer!r}.")
        noise = np.random.default_rng(seed).standard_normal((calibration_size, self.latent_dim))
        inputs = self.generator_inputs(noise.astype("float32"), self.calibration_labels(calibration_size))
        return averaged_copy(self.generator, optimizer, inputs)
