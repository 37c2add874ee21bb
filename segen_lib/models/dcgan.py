r"""The DCGAN generator and discriminator (Radford et al., 2016), as plain functional models.

Introduced in ``notebooks/04_gan_training.ipynb``; trained by the models of
:mod:`segen_lib.models.gan`. Images are float32 in [-1, 1] with shape
``(batch, height, width, channels)``; the generator ends in ``tanh``, the discriminator in
one logit per image (no sigmoid).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from segen_lib import checks
from segen_lib.initial_weights import initial_weights_without_compiling

__all__ = ["build_generator", "build_discriminator"]


def _stage_image_shape(image_shape, stages: int) -> tuple[int, int, int]:
    """``image_shape``, checked: height and width divisible by ``2 ** stages``."""
    shape = checks.image_shape(image_shape)
    for name, size in zip(("height", "width"), shape[:2]):
        checks.divisible_size(size, 2 ** stages, f"image_shape={shape}: {name}",
                              f"a generator with {stages} stride-2 stages (one per filter) starts "
                              f"from a map {2 ** stages} times smaller; or change the number of filters")
    return shape


@initial_weights_without_compiling()
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
            (128, 64), with the discriminator's default (32, 64), reached a lower
            Fréchet distance on Fashion-MNIST per CPU second than a leaner (64, 32) or
            (64, 64) generator, which cost less per step (measured in
            ``benchmarks/RESULTS.md``).
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
    latent_dim = checks.positive_int(latent_dim, "latent_dim")
    filters = checks.integers(filters, "filters")
    kernel_size = checks.positive_int(kernel_size, "kernel_size")
    height, width, channels = _stage_image_shape(image_shape, len(filters))
    factor = 2 ** len(filters)
    noise = keras.Input((latent_dim,), name="noise")
    inputs, x = [noise], noise
    if num_classes is not None:
        num_classes = checks.positive_int(num_classes, "num_classes")
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


@initial_weights_without_compiling()
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
            (64, 128) discriminator slowed training more than it helped, as measured in
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
    filters = checks.integers(filters, "filters")
    kernel_size = checks.positive_int(kernel_size, "kernel_size")
    height, width, channels = checks.image_shape(image_shape)
    checks.one_of(normalization, "normalization", (None, "batch", "layer"))
    dropout = checks.number(dropout, "dropout", 0.0, 1.0, include_maximum=False)
    images = keras.Input((height, width, channels), name="images")
    inputs, x = [images], images
    if num_classes is not None:
        num_classes = checks.positive_int(num_classes, "num_classes")
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
