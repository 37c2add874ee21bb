r"""Denoising diffusion: the noise schedule, a noise-prediction U-Net, DDPM training, DDPM and DDIM sampling.

Introduced in ``notebooks/12_diffusion.ipynb``. The process this model learns to reverse
(the schedule, the closed form of ``x_t``, the DDPM/DDIM reverse step, with their sources)
is :mod:`segen_lib.models.diffusion_process`, re-exported here so that a chapter imports the
whole method from one place. Here: a network ``eps_theta(x_t, t)`` (:func:`build_noise_predictor`)
learns to predict the noise ``eps`` in ``x_t`` with the mean squared error (DDPM's "simple"
objective, Ho et al., 2020), trained and sampled by :class:`Diffusion`.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import keras
import numpy as np
from keras import layers, ops

from segen_lib import batches, checks
from segen_lib.models.backend_step import OptimizerGroup, check_backend, minimize, run_train_step
from segen_lib.models.diffusion_process import NoiseSchedule, ddim_step, ddim_timesteps
from segen_lib.initial_weights import initial_weights_without_compiling
from segen_lib.models.unet import conv_block
from segen_lib.models.weight_average import averaged_copy

__all__ = ["NoiseSchedule", "TimeEmbedding", "build_noise_predictor", "ddim_timesteps", "ddim_step",
           "Diffusion", "PREDICTIONS"]

PREDICTIONS = ("epsilon", "v")   # what the network can be trained to predict (Diffusion's ``prediction``)


@keras.saving.register_keras_serializable(package="segen")
class TimeEmbedding(layers.Layer):
    """Sinusoidal features of the step ``t`` (Vaswani et al. 2017, as DDPM uses them).

    Input ``(batch,)`` integer or float steps; output ``(batch, dim)``: ``sin(t w_k)`` then
    ``cos(t w_k)`` for ``dim/2`` frequencies ``w_k = 10000^(-k/(dim/2 - 1))``.

    Raises:
        ValueError: an odd or non-positive ``dim``.
    """

    def __init__(self, dim: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.dim = checks.positive_int(dim, "dim")
        if self.dim % 2:
            raise ValueError(f"dim must be even (sines and cosines), received {dim}.")

    def call(self, t):
        half = self.dim // 2
        frequencies = ops.exp(-math.log(10000.0) * ops.arange(half, dtype="float32") / max(half - 1, 1))
        angles = ops.cast(ops.reshape(t, (-1, 1)), "float32") * frequencies[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def _timed_block(x, time_features, filters: int, name: str):
    """Chapter 02's ``conv_block`` told the step, with swish and a residual connection around it.

    A learned projection of the step's features is added to every pixel of the block's
    input; the block's output is added to its input (a 1×1 convolution matches the
    channels), which lets a small network train in few steps. The activation is swish,
    ``x · sigmoid(x)``, as in DDPM's network (Ho et al. 2020): smooth, and not zero for
    negative inputs.
    """
    channels = x.shape[-1]
    shift = layers.Dense(channels, name=f"{name}_time")(time_features)
    timed = layers.Add(name=f"{name}_add_time")([x, layers.Reshape((1, 1, channels))(shift)])
    features = conv_block(timed, filters, batch_norm=False, name=name, activation="swish")
    skip = x if channels == filters else layers.Conv2D(filters, 1, name=f"{name}_match")(x)
    return layers.Add(name=f"{name}_residual")([features, skip])


@initial_weights_without_compiling()
def build_noise_predictor(image_shape=(28, 28, 1), filters=(32, 64, 128), time_dim: int = 64,
                          patch_size: int = 2, name: str = "noise_predictor") -> keras.Model:
    """A U-Net that predicts the noise in ``x_t``, told the step ``t``.

    Chapter 02's U-Net (:func:`segen_lib.models.unet.conv_block` at every level, with swish
    in place of ReLU, max pooling down, transposed convolutions up, skip connections),
    without batch norm (a batch holds every noise level at once), with the step's
    sinusoidal features (:class:`TimeEmbedding`, two dense layers) added to the input of
    every block, a residual connection around every block, and a linear output initialised
    at zero (the first prediction is "no noise").

    With ``patch_size = 2`` the U-Net works on 2×2 patches: a stride-2 convolution
    embeds each patch (as a vision transformer's patch embedding does) and a stride-2
    transposed convolution returns to pixels. Every level then has a quarter of the
    pixels, and a step about a quarter of the multiply–accumulates (chapter 10); the skip
    connections and the time embedding are unchanged. Images whose sides the patches and
    poolings cannot halve evenly are padded with zeros on every side up to the next multiple
    of ``patch_size * 2**(len(filters) - 1)`` (28 → 32 for three levels on patches), and
    the output is cropped back: the deepest level then sees the whole image (4×4 patches of
    8×8 pixels for 28×28 images), which decides the shape of a garment.

    Args:
        image_shape: ``(H, W, C)``, positive integers.
        filters: features per level, highest resolution first (at least 2 levels).
        time_dim: size of the step's features (even).
        patch_size: 1 (pixels) or 2 (2×2 patches).

    Returns:
        A functional model with inputs ``[x_t (batch, H, W, C) float32, t (batch,) int32]``
        and output ``(batch, H, W, C)``: the predicted noise (or velocity, see
        :class:`Diffusion`).

    Raises:
        ValueError: a shape that is not ``(H, W, C)``, fewer than two levels, a bad filter
            count, ``patch_size`` or ``time_dim``.

    Example:
        >>> model = build_noise_predictor((28, 28, 1), filters=(8, 16, 32), time_dim=16, patch_size=2)
        >>> [tuple(i.shape) for i in model.inputs], tuple(model.output.shape)
        ([(None, 28, 28, 1), (None,)], (None, 28, 28, 1))
    """
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (H, W, C), received {image_shape!r}.")
    height, width, channels = (checks.positive_int(v, "image_shape") for v in image_shape)
    filters = [checks.positive_int(f, "filters") for f in filters]
    if len(filters) < 2:
        raise ValueError(f"filters needs at least two levels, received {filters}.")
    if patch_size not in (1, 2):
        raise ValueError(f"patch_size must be 1 or 2, received {patch_size!r}.")
    factor = patch_size * 2 ** (len(filters) - 1)
    pad_h, pad_w = -height % factor, -width % factor   # rows and columns of zeros to add in all
    padding = ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2))
    images = keras.Input((height, width, channels), name="noisy_images")
    steps = keras.Input((), dtype="int32", name="steps")
    time_features = TimeEmbedding(time_dim, name="time_embedding")(steps)
    time_features = layers.Dense(time_dim, activation="swish", name="time_dense1")(time_features)
    time_features = layers.Dense(time_dim, activation="swish", name="time_dense2")(time_features)

    x, skips = images, []
    if pad_h or pad_w:
        x = layers.ZeroPadding2D(padding, name="pad")(x)
    if patch_size == 2:
        x = layers.Conv2D(filters[0], 2, strides=2, name="patch_embedding")(x)
    for level, count in enumerate(filters):
        x = _timed_block(x, time_features, count, name=f"down{level}")
        if level < len(filters) - 1:
            skips.append(x)
            x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    for level in reversed(range(len(filters) - 1)):
        x = layers.Conv2DTranspose(filters[level], 2, strides=2, name=f"up{level}_transpose")(x)
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level]])
        x = _timed_block(x, time_features, filters[level], name=f"up{level}")
    if patch_size == 2:
        noise = layers.Conv2DTranspose(channels, 2, strides=2, kernel_initializer="zeros",
                                       name="predicted_noise")(x)
    else:
        noise = layers.Conv2D(channels, 1, kernel_initializer="zeros", name="predicted_noise")(x)
    if pad_h or pad_w:
        noise = layers.Cropping2D(padding, name="crop")(noise)
    return keras.Model([images, steps], noise, name=name)


class Diffusion(keras.Model):
    """A denoising diffusion model: DDPM's training step and DDPM/DDIM sampling.

    ``fit(images, ...)`` trains ``network`` (see :func:`build_noise_predictor`) on the
    DDPM objective: for each image a random step ``t``, noise ``eps``, and the mean
    squared error between ``eps`` and ``network([x_t, t])`` (Ho et al. 2020, Algorithm 1,
    the "simple" loss), or, with ``prediction="v"``, between the velocity
    ``v = sqrt(alpha_bar_t) eps - sqrt(1 - alpha_bar_t) x_0`` and the network's output
    (Salimans and Ho, *Progressive Distillation for Fast Sampling of Diffusion Models*,
    ICLR 2022). The optimizer keeps a moving average of the network's weights
    (``use_ema=True``, as chapter 04's ``GAN`` keeps its generator's), and samples come
    from it by default (:meth:`averaged_network`). Runs on the TensorFlow and JAX backends
    (the step is written once, as chapter 04's GAN's is).

    Args:
        network: the noise predictor, inputs ``[x_t, t]``, output shaped like ``x_t``.
        schedule: a :class:`NoiseSchedule` (default: cosine, 1000 steps).
        ema_momentum: momentum of the default optimizer's weight average, in [0, 1); None
            for no average.
        min_snr_gamma: each step's error is weighted by ``min(SNR_t, gamma) / SNR_t`` with
            ``SNR_t = alpha_bar_t / (1 - alpha_bar_t)`` (``min(SNR_t, gamma) / (SNR_t + 1)``
            for ``prediction="v"``; Hang et al., *Efficient Diffusion Training via Min-SNR
            Weighting Strategy*, ICCV 2023: the nearly noise-free steps stop dominating the
            gradient, and training converges faster); None for unweighted errors (DDPM's
            "simple" loss).
        prediction: what the network predicts: ``"epsilon"`` (the noise, DDPM) or ``"v"``
            (the velocity); the sampler turns either into the noise it implies
            (:meth:`predicted_noise`).
        seed: seed of the steps and noise drawn in training.

    Raises:
        ValueError: a network without two inputs, or whose output shape is not its image
            input's; ``fit`` on images that are not floats in [-1, 1] of that shape.
    """

    def __init__(self, network: keras.Model, schedule: NoiseSchedule | None = None, *extra,
                 ema_momentum: float | None = 0.999, min_snr_gamma: float | None = 5.0,
                 prediction: str = "epsilon", seed: int | None = 0, **kwargs):
        checks.keyword_options(extra, "Diffusion(network, schedule, ...)",
                               "ema_momentum=..., min_snr_gamma=..., prediction=..., seed=...")
        super().__init__(**kwargs)
        if not isinstance(network, keras.Model):
            raise ValueError(f"network must be a keras.Model that takes [x_t, t] (see "
                             f"build_noise_predictor), received {type(network).__name__}.")
        try:
            inputs = [tuple(i.shape) for i in network.inputs]
            output = tuple(network.output.shape)
        except (AttributeError, TypeError, ValueError):
            inputs, output = None, None
        if inputs is None or len(inputs) != 2 or inputs[0][1:] != output[1:]:
            raise ValueError("network must be a functional model that takes [x_t, t] and returns a tensor "
                             f"shaped like x_t (see build_noise_predictor), received inputs {inputs} and "
                             f"output {output}.")
        self.network = network
        self.image_shape = tuple(network.inputs[0].shape[1:])
        if schedule is not None and not isinstance(schedule, NoiseSchedule):
            raise ValueError(f"schedule must be a NoiseSchedule (e.g. NoiseSchedule(1000, {schedule!r}) for a "
                             f"kind) or None for the default, received {schedule!r}.")
        self.schedule = schedule if schedule is not None else NoiseSchedule()
        if ema_momentum is not None:
            ema_momentum = checks.number(ema_momentum, "ema_momentum", minimum=0, maximum=1,
                                         include_maximum=False)
        self.ema_momentum = ema_momentum
        # The averaged copy and the step count it was made at, in a plain object: a model held in
        # an attribute of a built Keras model would be tracked as a part of it.
        self._average_cache = SimpleNamespace(steps=None, network=None)
        if min_snr_gamma is not None:
            min_snr_gamma = checks.number(min_snr_gamma, "min_snr_gamma", minimum=0, include_minimum=False)
        self.min_snr_gamma = min_snr_gamma
        snr = self.schedule.alpha_bars / (1 - self.schedule.alpha_bars)
        self.prediction = checks.one_of(prediction, "prediction", PREDICTIONS)
        weights = (np.ones_like(snr) if min_snr_gamma is None else
                   np.minimum(snr, min_snr_gamma) / (snr + 1 if prediction == "v" else snr))
        self._loss_weights = ops.convert_to_tensor(weights, "float32")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def compile(self, optimizer=None, learning_rate: float = 1e-3, **kwargs):
        """Adam at ``learning_rate`` keeping the weight average, unless an optimizer is given.

        Other arguments go to Keras (``jit_compile``, ``steps_per_execution``, ...).

        Raises:
            ValueError: a backend other than TensorFlow and JAX, a bad ``learning_rate``, or
                an ``optimizer`` that is not a Keras optimizer.
        """
        check_backend()
        if optimizer is None:
            average = {} if self.ema_momentum is None else {"use_ema": True, "ema_momentum": self.ema_momentum}
            optimizer = keras.optimizers.Adam(checks.number(learning_rate, "learning_rate", minimum=0,
                                                            include_minimum=False), **average)
        elif not isinstance(optimizer, keras.optimizers.Optimizer):
            raise ValueError(f"optimizer must be a keras.optimizers.Optimizer instance, received {optimizer!r}.")
        super().compile(**kwargs)
        self.network_optimizer = optimizer
        self.optimizer = OptimizerGroup((optimizer, self.network))
        self.optimizer.build()
        self._average_cache.steps = self._average_cache.network = None
        # Sampling calls the network step by step (predict_on_batch), each call traced once per
        # batch shape, with XLA if the training step has it.
        self._jit_compile = kwargs.get("jit_compile", "auto")
        self.network.compile(jit_compile=self._jit_compile)

    def averaged_network(self) -> keras.Model:
        """A copy of the network with the optimizer's moving average of its weights.

        The copy is made once per training step count and reused by :meth:`sample` (see
        :func:`segen_lib.models.weight_average.averaged_copy`; the network itself keeps its
        last weights).

        Raises:
            ValueError: not compiled, or the optimizer keeps no average (``ema_momentum=None``
                or an optimizer without ``use_ema=True``).
        """
        optimizer = getattr(self, "network_optimizer", None)
        if optimizer is None or not optimizer.use_ema:
            raise ValueError("averaged_network() needs an optimizer that keeps a weight average: compile() "
                             "with the default optimizer and an ema_momentum, or optimizer="
                             f"keras.optimizers.Adam(..., use_ema=True); received optimizer={optimizer!r}.")
        steps = int(ops.convert_to_numpy(optimizer.iterations))
        cache = self._average_cache
        if cache.steps != steps:
            cache.network = averaged_copy(self.network, optimizer)
            cache.network.compile(jit_compile=self._jit_compile)
            cache.steps = steps
        return cache.network

    @property
    def metrics(self):
        return [self.loss_tracker]

    def save(self, *args, **kwargs):
        """Not available, see :meth:`get_config`: raises before Keras opens any file."""
        self.get_config()

    def get_config(self):
        """Not available: save the noise predictor, and wrap it in a new ``Diffusion`` to sample.

        Raises:
            NotImplementedError: always, naming the course's way to save.
        """
        raise NotImplementedError(
            "a Diffusion model is saved through its network: diffusion.averaged_network().save("
            "'noise_predictor.keras') (or diffusion.network.save(...) for the last weights); load it with "
            "keras.models.load_model and build Diffusion(network, schedule) around it to sample.")

    def call(self, inputs, training=False):
        """The predicted noise: of ``[x_t, t]``, or of images alone taken at step 0 (how Keras builds the model)."""
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs, ops.zeros((ops.shape(inputs)[0],), "int32")]
        return self.network(inputs, training=training)

    def train_batch(self, data):
        """One DDPM step on a batch of images: draw a step and noise per image, then :meth:`denoising_step`."""
        images = data[0] if isinstance(data, (tuple, list)) else data
        batch_size = ops.shape(images)[0]
        steps = keras.random.randint((batch_size,), 0, self.schedule.num_steps, seed=self.seed_generator,
                                     dtype="int32")
        noise = keras.random.normal(ops.shape(images), seed=self.seed_generator)
        loss = self.denoising_step(images, steps, noise)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def denoising_step(self, images, steps, noise):
        r"""One update of the network on given steps and noise; returns the loss before it.

        .. math::
            L = \frac{1}{n}\sum_i w_{t_i}\,\frac{1}{HWC}\big\lVert \varepsilon_i -
            \varepsilon_\theta(\sqrt{\bar\alpha_{t_i}}\,x_i + \sqrt{1-\bar\alpha_{t_i}}\,\varepsilon_i,\ t_i)
            \big\rVert^2,\qquad w_t = \min(\mathrm{SNR}_t, \gamma)/\mathrm{SNR}_t \ (\text{or } 1)

        then one step of the optimizer (which updates the weight average). :meth:`train_batch`
        draws ``steps`` and ``noise``; a chapter can pass its own to compare a hand-written
        step with this one (chapter 12, section 4). Under JAX it runs only inside ``fit``.

        Args:
            images: ``x_0``, ``(n, H, W, C)`` float32 in [-1, 1].
            steps: ``(n,)`` int32 steps in ``0 .. T-1``.
            noise: ``eps``, shaped like ``images``.

        Returns:
            The scalar loss (a tensor) at the weights before the update.
        """
        # Arrays from a chapter become tensors (inside fit they already are): a network is called on one kind.
        images, noise = ops.convert_to_tensor(images, "float32"), ops.convert_to_tensor(noise, "float32")
        steps = ops.convert_to_tensor(steps, "int32")
        noisy = self.schedule.add_noise(images, steps, noise)
        if self.prediction == "v":   # v = sqrt(alpha_bar_t) eps - sqrt(1 - alpha_bar_t) x_0
            target = self.schedule.velocity(images, steps, noise)
        else:
            target = noise

        def loss_fn():
            predicted = self.network([noisy, steps], training=True)
            per_image = ops.mean(ops.square(target - predicted), axis=(1, 2, 3))
            loss = ops.mean(ops.take(self._loss_weights, steps) * per_image)
            return loss, {"loss": loss}

        logs = minimize(loss_fn, self.network, self.network_optimizer)   # the average follows in the optimizer
        return logs["loss"]

    def train_step(self, *args):
        if getattr(self, "network_optimizer", None) is None:
            raise ValueError("call compile() before fit() on a Diffusion model.")
        return run_train_step(self, self.train_batch, *args)

    def test_step(self, *args):
        raise NotImplementedError("Diffusion has no evaluate(): measure samples with segen_lib.metrics.fid.")

    def fit(self, x=None, y=None, **kwargs):
        """Keras's ``fit``, after checking the images (the arrays, or a dataset's first batch).

        Raises:
            ValueError: images that are not floats in [-1, 1] of the network's shape: inside
                the compiled step a wrong scale could not raise, and uint8 images in 0..255
                would train without complaint (see :func:`segen_lib.checks.float_images`).
        """
        data = batches.readable_data(x, y)   # None: a Python generator, which reading would use up
        if data is not None:
            checks.float_images(data[0], "images", "[-1, 1]", shape=self.image_shape)
        # Arrays are fed as every model of the course feeds them (segen_lib.batches.fit_inputs).
        x, y, batch_size, kwargs = batches.fit_inputs(x, y, kwargs.pop("batch_size", None), seed=self.seed,
                                                      **kwargs)
        return super().fit(x, y, batch_size=batch_size, **kwargs)

    def predicted_noise(self, noisy, t, averaged: bool = True, batch_size: int = 500) -> np.ndarray:
        """The noise the network sees in ``x_t``: its output, or the noise implied by a predicted ``v``.

        With ``prediction="v"``, ``eps = sqrt(alpha_bar_t) v + sqrt(1 - alpha_bar_t) x_t``.

        Args:
            noisy: ``x_t``, ``(n, H, W, C)`` float32.
            t: the step of every image, an integer in ``0 .. T-1``.
            averaged: use the moving average of the weights (:meth:`averaged_network`).
            batch_size: images per network call.

        Returns:
            ``(n, H, W, C)`` float64: the predicted noise.

        Raises:
            ValueError: a step out of range, or images not of the network's shape.
        """
        t = int(self.schedule.check_steps(checks.integer(t, "t")))
        noisy = np.asarray(keras.ops.convert_to_numpy(noisy), np.float32)
        if noisy.shape[1:] != self.image_shape:
            raise ValueError(f"noisy must hold images of shape {self.image_shape}, received {noisy.shape}.")
        network = self.averaged_network() if averaged else self.network
        return self._noise_of(network, noisy, t, checks.positive_int(batch_size, "batch_size"))

    def _noise_of(self, network, x, t: int, batch_size: int) -> np.ndarray:
        out = np.concatenate([np.asarray(network.predict_on_batch([x[start:start + batch_size],
                                                                   np.full(len(x[start:start + batch_size]), t,
                                                                           np.int32)]))
                              for start in range(0, len(x), batch_size)]).astype(np.float64)
        if self.prediction == "v":
            a_t = self.schedule.alpha_bars[t]
            return math.sqrt(a_t) * out + math.sqrt(1 - a_t) * x.astype(np.float64)
        return out

    def sample(self, num_images: int, steps: int = 50, eta: float = 0.0, seed: int | None = 0,
               averaged: bool = True, batch_size: int = 500, return_path: bool = False):
        """Draw images by running the reverse process from pure noise.

        Args:
            num_images: how many (>= 1).
            steps: reverse steps, evenly spaced over the schedule (:func:`ddim_timesteps`);
                ``steps = T`` with ``eta = 1`` is DDPM's ancestral sampler.
            eta: 0 (DDIM, deterministic given the first noise) to 1 (DDPM-like).
            seed: seed of the noise (NumPy).
            averaged: use the moving average of the weights (:meth:`averaged_network`);
                False: the network's last weights.
            batch_size: images per network call.
            return_path: also return the estimates of ``x_0`` after each step.

        Returns:
            ``(num_images, H, W, C)`` float32 in [-1, 1]; with ``return_path``, also an
            array ``(steps, num_images, H, W, C)`` of the ``x_0`` estimates.

        Raises:
            ValueError: bad counts, ``steps`` outside ``1 .. T``, ``eta`` outside [0, 1].
        """
        num_images = checks.positive_int(num_images, "num_images")
        batch_size = checks.positive_int(batch_size, "batch_size")
        eta = checks.number(eta, "eta", minimum=0, maximum=1)
        visits = ddim_timesteps(self.schedule.num_steps, steps)
        network = self.averaged_network() if averaged else self.network
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((num_images, *self.image_shape)).astype(np.float32)
        path = []
        for i, t in enumerate(visits):
            t_prev = int(visits[i + 1]) if i + 1 < len(visits) else -1
            eps = self._noise_of(network, x, int(t), batch_size)
            noise = rng.standard_normal(x.shape).astype(np.float32) if eta > 0 else None
            x, x0 = ddim_step(x, eps, int(t), t_prev, self.schedule, eta=eta, noise=noise)
            if return_path:
                path.append(x0)
        images = np.clip(x, -1.0, 1.0)
        return (images, np.stack(path)) if return_path else images
