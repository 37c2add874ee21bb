"""Callbacks for GAN training: sample grids over epochs, checkpoint and resume.

Introduced in ``notebooks/04_gan_training.ipynb``.

A GAN checkpoint holds everything that the next training step depends on: both
networks (weights and batch-norm statistics), both optimizers' state (Adam's moments
and step counts), the noise generator's state and the epoch. Restoring it and calling
``fit(..., initial_epoch=epoch)`` continues exactly where training stopped: with fixed
seeds, deterministic ops and a reproducible data order, the result equals training
straight through.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np

__all__ = ["GANMonitor", "GANCheckpoint", "save_gan_checkpoint", "load_gan_checkpoint"]


class GANMonitor(keras.callbacks.Callback):
    """Generate images from the same fixed noise at the end of every epoch.

    The grids are kept in ``self.images`` (one ``(num_images, H, W, C)`` array in [-1, 1]
    per epoch), for a figure of samples over epochs or an animation.

    Args:
        num_images: images per grid.
        latent_dim: size of the noise vector.
        seed: seed of the fixed noise.
        labels: class labels ``(num_images,)`` for a conditional generator, else ``None``.
        every: generate every ``every`` epochs (and after the first).

    Example:
        >>> monitor = GANMonitor(num_images=16, latent_dim=64)
        >>> gan.fit(images, epochs=5, callbacks=[monitor])
        >>> len(monitor.images)
        5
    """

    def __init__(self, num_images: int = 16, latent_dim: int = 64, seed: int = 0,
                 labels=None, every: int = 1):
        super().__init__()
        if isinstance(num_images, bool) or not isinstance(num_images, int) or num_images <= 0:
            raise ValueError(f"num_images must be a positive integer, received {num_images!r}.")
        if isinstance(every, bool) or not isinstance(every, int) or every <= 0:
            raise ValueError(f"every must be a positive integer, received {every!r}.")
        self.noise = np.random.default_rng(seed).standard_normal((num_images, latent_dim)).astype("float32")
        self.labels = None if labels is None else np.asarray(labels, dtype="int32").reshape(-1)
        if self.labels is not None and len(self.labels) != num_images:
            raise ValueError(f"got {len(self.labels)} labels for num_images={num_images}.")
        self.every = every
        self.images: list[np.ndarray] = []
        self.epochs: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every and epoch:
            return
        inputs = self.noise if self.labels is None else [self.noise, self.labels]
        images = self.model.generator.predict(inputs, verbose=0)
        self.images.append(np.asarray(images))
        self.epochs.append(epoch + 1)


def _state_variables(gan) -> list:
    """Every variable a GAN's next training step depends on, in a fixed order."""
    return (list(gan.generator.variables) + list(gan.discriminator.variables)
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
    arrays["epoch"] = np.asarray(epoch)
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez(temporary, **arrays)
    os.replace(temporary, path)
    return path


def load_gan_checkpoint(gan, path: str | os.PathLike) -> int:
    """Restore a GAN saved by :func:`save_gan_checkpoint`; return the epoch to resume from.

    The GAN must be built and compiled exactly as when it was saved.

    Example:
        >>> epoch = load_gan_checkpoint(gan, "gan.npz")
        >>> gan.fit(images, epochs=10, initial_epoch=epoch)
    """
    if not hasattr(gan, "d_optimizer"):
        raise ValueError("load_gan_checkpoint needs a compiled GAN: call gan.compile() first.")
    variables = _state_variables(gan)
    with np.load(path) as archive:
        count = len(archive.files) - 1
        if count != len(variables):
            raise ValueError(f"{path} holds {count} variables but this GAN has {len(variables)}: "
                             "build and compile it as it was when saved.")
        for index, variable in enumerate(variables):
            value = archive[f"v{index:04d}"]
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"variable {variable.path}: checkpoint shape {value.shape}, "
                                 f"model shape {tuple(variable.shape)}.")
            variable.assign(value)
        return int(archive["epoch"])


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
        if isinstance(every, bool) or not isinstance(every, int) or every <= 0:
            raise ValueError(f"every must be a positive integer, received {every!r}.")
        self.path, self.every = Path(path), every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            save_gan_checkpoint(self.model, self.path, epoch + 1)
