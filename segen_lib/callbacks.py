"""Callbacks for GAN training: sample grids and Fréchet distances over epochs, checkpoint and resume.

Introduced in ``notebooks/04_gan_training.ipynb`` (sample grids, Fréchet distances) and
``notebooks/05_gan_variants.ipynb`` (checkpoint and resume); :class:`TimeBudget` (train for a
number of seconds, to compare models at an equal CPU budget) in chapter 08;
:func:`restart_training` (train one compiled model afresh, many times) in chapter 09.

A GAN checkpoint holds everything that the next training step depends on: both
networks (weights and batch-norm statistics), both optimizers' state (Adam's moments
and step counts), the noise generator's state and the epoch, with the GAN's class and
loss. Restoring it and calling ``fit(..., initial_epoch=epoch)`` continues exactly where
training stopped: with fixed seeds and deterministic ops the result equals training
straight through, shuffled data included (``GAN.fit`` draws each epoch's order from
the GAN's seed and the epoch number; on the TensorFlow backend, where it builds the
batches itself).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import keras
import numpy as np

from segen_lib import checks
from segen_lib.metrics.fid import extract_features, frechet_distance

__all__ = ["GANMonitor", "FIDMonitor", "GANCheckpoint", "save_gan_checkpoint", "load_gan_checkpoint",
           "TimeBudget", "restart_training"]


class TimeBudget(keras.callbacks.Callback):
    """Stop training at the end of the first batch that finishes past ``seconds`` of training.

    Two models trained under the same budget have had the same CPU time, whatever their
    cost per step: the fair comparison of a cheap model with an expensive one.

    With ``compile(steps_per_execution=n)`` the callbacks run once per ``n`` steps, so
    ``batches`` counts calls into the backend, not steps: read the steps from
    ``model.optimizer.iterations`` instead.

    Args:
        seconds: the training time allowed, in seconds (> 0), counted from the start of
            ``fit`` (the first call's tracing and compilation included).
        batch_size: the batch size, for :attr:`images`.

    Attributes:
        elapsed: seconds since training began.
        batches: calls into the backend made.

    Raises:
        ValueError: a budget or batch size that is not positive.
    """

    def __init__(self, seconds: float, batch_size: int = 1):
        super().__init__()
        self.seconds = checks.number(seconds, "seconds", minimum=0.0, include_minimum=False)
        self.batch_size = checks.positive_int(batch_size, "batch_size")
        self.start, self.batches = None, 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @property
    def images(self) -> int:
        """Images seen, if one call is one step."""
        return self.batches * self.batch_size


class GANMonitor(keras.callbacks.Callback):
    """Generate images from the same fixed noise at the end of every epoch.

    The grids are kept in ``self.images`` (one ``(num_images, H, W, C)`` array in [-1, 1]
    per epoch), for a figure of samples over epochs or an animation. They come from the
    generator's current weights, so they show training as it happens. The noise is drawn
    when training begins, with the generator's ``latent_dim``.

    Args:
        num_images: images per grid.
        seed: seed of the fixed noise.
        labels: class labels ``(num_images,)`` for a conditional GAN, else ``None``.
        every: generate every ``every`` epochs (and after the first).

    Raises:
        ValueError: bad counts here; when training begins, labels that do not match
            the GAN (labels for an unconditional GAN, or none for a conditional one).

    Example:
        >>> monitor = GANMonitor(num_images=16)
        >>> # gan.fit(images, epochs=5, callbacks=[monitor]); then len(monitor.images) == 5
    """

    def __init__(self, num_images: int = 16, seed: int = 0, labels=None, every: int = 1):
        super().__init__()
        self.num_images = checks.positive_int(num_images, "num_images")
        self.every = checks.positive_int(every, "every")
        self.seed = seed
        self.labels = None if labels is None else np.asarray(labels).reshape(-1)
        if self.labels is not None and len(self.labels) != num_images:
            raise ValueError(f"got {len(self.labels)} labels for num_images={num_images}.")
        self.noise = None
        self.images: list[np.ndarray] = []
        self.epochs: list[int] = []

    def on_train_begin(self, logs=None):
        conditional = len(self.model.generator.inputs) == 2
        if conditional and self.labels is None:
            raise ValueError("GANMonitor on a conditional GAN needs labels=(num_images,) classes.")
        if not conditional and self.labels is not None:
            raise ValueError("GANMonitor was given labels, but this GAN's generator takes noise only.")
        if conditional:
            checks.class_labels(self.labels, "GANMonitor labels", self.model.num_classes)
            self.labels = self.labels.astype("int32")
        self.noise = np.random.default_rng(self.seed).standard_normal(
            (self.num_images, self.model.latent_dim)).astype("float32")

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every and epoch:
            return
        inputs = self.noise if self.labels is None else [self.noise, self.labels]
        images = self.model.generator.predict(inputs, verbose=0)
        self.images.append(np.asarray(images))
        self.epochs.append(epoch + 1)


class FIDMonitor(keras.callbacks.Callback):
    """The Fréchet distance of generated samples to real images after every epoch.

    Measures ``num_images`` samples from fixed noise against ``real_images`` with
    :func:`segen_lib.metrics.frechet_distance` on the shipped classifier's features, from
    the generator's last weights and, when its optimizer keeps a weight average, from
    the averaged generator (``GAN.averaged_generator``).

    Args:
        real_images: ``(n, 28, 28)`` or ``(n, 28, 28, 1)`` Fashion-MNIST images (uint8
            0..255 or float in [-1, 1]); their features are computed once.
        num_images: samples per measurement.
        seed: seed of the fixed noise.
        every: measure every ``every`` epochs (and after the first).

    Attributes:
        distances: ``{"last weights": [...], "averaged": [...]}``, one value per
            measured epoch (``"averaged"`` stays empty without a weight average).
        epochs: the measured epochs, counted from 1.
    """

    def __init__(self, real_images, num_images: int = 500, seed: int = 0, every: int = 1):
        super().__init__()
        self.num_images = checks.positive_int(num_images, "num_images")
        self.every = checks.positive_int(every, "every")
        self.seed = seed
        self.real_features = extract_features(real_images)
        self.distances: dict[str, list[float]] = {"last weights": [], "averaged": []}
        self.epochs: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every and epoch:
            return
        averaging = bool(getattr(self.model.g_optimizer, "use_ema", False))
        for name, averaged in (("last weights", False), ("averaged", True)):
            if averaged and not averaging:
                continue
            samples = self.model.generate(self.num_images, seed=self.seed, averaged=averaged)
            features = extract_features(samples)
            self.distances[name].append(frechet_distance(features, self.real_features))
        self.epochs.append(epoch + 1)


def restart_training(model, weights) -> None:
    """Put a compiled model back to where its training started, keeping its compiled step.

    Sets the model's weights (and batch-norm statistics) to ``weights`` and every
    variable of its optimizer (Adam's moments, the step count that drives a learning-rate
    schedule) to zero, its state before the first step. The next ``fit`` then trains
    exactly as a fresh copy compiled the same way would, but reuses the traced (or
    XLA-compiled) step: chapter 09 trains one U-Net ten times on different data, and
    compiling it once instead of ten times saves about 20 s each on a CPU.

    Args:
        model: a compiled ``keras.Model`` (its optimizer built or not).
        weights: ``model.get_weights()`` taken before the first ``fit``.

    Raises:
        ValueError: a model that is not compiled, or ``weights`` that do not match its
            variables in number or shapes (weights of another model).

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="adam", loss="mse")
        >>> initial = model.get_weights()
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
        >>> restart_training(model, initial)
        >>> int(model.optimizer.iterations), bool(np.allclose(model.get_weights()[0], initial[0]))
        (0, True)
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("restart_training() needs a compiled model: call model.compile(...) first.")
    expected = [tuple(variable.shape) for variable in model.weights]
    received = [tuple(np.shape(value)) for value in weights]
    if expected != received:
        raise ValueError(f"weights must be the model's own get_weights(): {len(expected)} arrays of "
                         f"shapes {expected[:3]}..., received {len(received)} of shapes {received[:3]}...")
    model.set_weights(weights)
    for variable in model.optimizer.variables:
        variable.assign(keras.ops.zeros(variable.shape, variable.dtype))


def _state_variables(gan) -> list:
    """Every variable a GAN's next training step depends on, in a fixed order."""
    networks = [network for network in (gan.generator, gan.discriminator) if network is not None]
    return ([variable for network in networks for variable in network.variables]
            + [gan.seed_generator.state]
            + list(gan.d_optimizer.variables) + list(gan.g_optimizer.variables))


def save_gan_checkpoint(gan, path: str | os.PathLike, epoch: int) -> Path:
    """Save a compiled GAN's full training state to one ``.npz`` file.

    Args:
        gan: a compiled :class:`segen_lib.models.GAN` (or a subclass).
        path: file to write (``.npz``); written atomically (temporary file, then rename).
        epoch: number of epochs completed.

    Returns:
        The path written.
    """
    if not hasattr(gan, "d_optimizer"):
        raise ValueError("save_gan_checkpoint needs a compiled GAN: call gan.compile() first.")
    path = Path(path)
    arrays = {f"v{index:04d}": np.asarray(keras.ops.convert_to_numpy(variable))
              for index, variable in enumerate(_state_variables(gan))}
    arrays["epoch"] = np.asarray(checks.integer(epoch, "epoch", minimum=0))
    # What the state means: the same numbers under another loss would train another game.
    arrays["model"], arrays["loss"] = np.asarray(type(gan).__name__), np.asarray(gan.loss_name)
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez(temporary, **arrays)
    os.replace(temporary, path)
    return path


def load_gan_checkpoint(gan, path: str | os.PathLike) -> int:
    """Restore a GAN saved by :func:`save_gan_checkpoint`; return the epoch to resume from.

    The GAN must be built and compiled exactly as when it was saved. Every value is read
    and checked before any is assigned: on an error the GAN is left as it was.

    Raises:
        ValueError: the file cannot be read (named in the message), or it does not fit
            this GAN (its class, its loss, the count or shapes of the variables).

    Example:
        >>> import pathlib, tempfile
        >>> from segen_lib.models import GAN, build_discriminator, build_generator
        >>> gan = GAN(build_generator(8, filters=(16, 8)), build_discriminator(filters=(8, 16)))
        >>> gan.compile()
        >>> path = save_gan_checkpoint(gan, pathlib.Path(tempfile.mkdtemp()) / "gan.npz", epoch=3)
        >>> load_gan_checkpoint(gan, path)   # then gan.fit(..., initial_epoch=3)
        3
    """
    if not hasattr(gan, "d_optimizer"):
        raise ValueError("load_gan_checkpoint needs a compiled GAN: call gan.compile() first.")
    variables = _state_variables(gan)
    path = Path(path)
    try:
        with np.load(path) as archive:
            stored = {name: archive[name] for name in archive.files}
    except Exception as error:  # a missing, truncated or corrupt file: name it
        raise ValueError(f"cannot read the GAN checkpoint {path}: {type(error).__name__}: {error}. "
                         "Save it again with save_gan_checkpoint (or GANCheckpoint).") from error
    meta = {key: stored.pop(key, None) for key in ("epoch", "model", "loss")}
    if any(value is None for value in meta.values()):
        raise ValueError(f"{path} is not a GAN checkpoint of save_gan_checkpoint (it lacks "
                         f"{', '.join(k for k, v in meta.items() if v is None)}).")
    saved_as = (str(meta["model"]), str(meta["loss"]))
    if saved_as != (type(gan).__name__, gan.loss_name):
        raise ValueError(f"{path} was saved from a {saved_as[0]} compiled with loss={saved_as[1]!r}; "
                         f"this is a {type(gan).__name__} compiled with loss={gan.loss_name!r}: "
                         "build and compile it as it was when saved.")
    count = len(stored)
    if count != len(variables):
        raise ValueError(f"{path} holds {count} variables but this GAN has {len(variables)}: "
                         "build and compile it as it was when saved.")
    # Check every value before assigning any: the GAN is restored whole or not at all.
    values = [stored[f"v{index:04d}"] for index in range(count)]
    for variable, value in zip(variables, values):
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(f"{path}: variable {variable.path} has shape {value.shape} in the "
                             f"checkpoint and {tuple(variable.shape)} in this GAN: build and compile "
                             "it as it was when saved.")
    for variable, value in zip(variables, values):
        variable.assign(value)
    return int(meta["epoch"])


class GANCheckpoint(keras.callbacks.Callback):
    """Save the GAN's full training state at the end of every ``every`` epochs.

    Args:
        path: the ``.npz`` file (overwritten each time; the last save wins).
        every: save every ``every`` epochs.

    Resume with ``epoch = load_gan_checkpoint(gan, path)`` and
    ``gan.fit(..., initial_epoch=epoch)``.
    """

    def __init__(self, path: str | os.PathLike, every: int = 1):
        super().__init__()
        self.path, self.every = Path(path), checks.positive_int(every, "every")

    def on_train_begin(self, logs=None):
        # Fail now rather than after the first epoch's training is spent.
        if not self.path.parent.is_dir():
            raise ValueError(f"GANCheckpoint cannot write {self.path}: the folder {self.path.parent} "
                             "does not exist; create it first.")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            save_gan_checkpoint(self.model, self.path, epoch + 1)
