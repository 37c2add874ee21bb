r"""The conditional GAN (Mirza and Osindero, 2014): both networks see the class label.

Introduced in ``notebooks/05_gan_variants.ipynb``; a :class:`~segen_lib.models.gan.GAN`
whose networks take ``[noise, labels]`` and ``[images, labels]``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from segen_lib import checks
from segen_lib.models.gan import GAN

__all__ = ["ConditionalGAN"]


class ConditionalGAN(GAN):
    r"""A conditional GAN (Mirza and Osindero, 2014): both networks see the class label.

    ``fit`` takes ``(images, labels)``; the generated batch uses the real batch's labels,
    so the generator learns :math:`p(x \mid y)`.

    Args:
        generator: a generator with inputs ``[noise, labels]`` (``build_generator(num_classes=...)``).
        discriminator: a discriminator with inputs ``[images, labels]``.
        num_classes: number of classes; labels are integers in ``0 .. num_classes - 1``.
        d_steps, seed: as for :class:`GAN`.

    Raises:
        ValueError: as :class:`GAN`; networks whose label embeddings are built for
            another number of classes. ``fit`` and ``generate`` refuse labels outside
            ``0 .. num_classes - 1`` or with fractions (inside a compiled step a label
            of 10 of 0..9 would train silently).
    """

    num_inputs = 2

    def __init__(self, generator, discriminator, num_classes: int, *extra, d_steps: int = 1,
                 seed: int | None = None, **kwargs):
        checks.keyword_options(extra, "ConditionalGAN(generator, discriminator, num_classes, ...)",
                               "d_steps=..., seed=...")
        super().__init__(generator, discriminator, d_steps=d_steps, seed=seed, **kwargs)
        self.num_classes = checks.positive_int(num_classes, "num_classes")
        for what, model in (("generator", generator), ("discriminator", discriminator)):
            for layer in model.layers:
                if isinstance(layer, keras.layers.Embedding) and layer.input_dim != self.num_classes:
                    raise ValueError(
                        f"the {what}'s label embedding {layer.name!r} is built for "
                        f"{layer.input_dim} classes, but num_classes={self.num_classes}: build "
                        f"both networks with num_classes={self.num_classes}.")

    def _inputs_message(self, what: str, count: int) -> str:
        first = "noise" if what == "generator" else "images"
        return (f"a ConditionalGAN needs a {what} with two inputs [{first}, labels], received one "
                f"with {count} input(s); build it with num_classes=...")

    def unpack(self, data):
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if labels is None:
            raise ValueError("a ConditionalGAN trains on (images, labels): call fit(images, labels).")
        return images, ops.cast(ops.reshape(labels, (-1,)), "int32")

    def check_data(self, images, labels=None):
        """Check real images (as :meth:`GAN.check_data`) and their class labels."""
        super().check_data(images)
        if labels is None:
            raise ValueError("a ConditionalGAN trains on (images, labels): call fit(images, labels).")
        labels = checks.class_labels(labels, "labels", self.num_classes)
        if len(labels) != len(images):
            raise ValueError(f"got {len(labels)} labels for {len(images)} images.")

    def generator_inputs(self, noise, labels):
        return [noise, labels]

    def discriminator_inputs(self, images, labels):
        return [images, labels]

    def generate(self, num_images: int, seed: int | None = None, labels=None,
                 averaged: bool | None = None):
        """Generate images of the given classes.

        Args:
            num_images, seed, averaged: as for :meth:`GAN.generate`.
            labels: ``(num_images,)`` class indices in ``0 .. num_classes - 1``.

        Returns:
            ``(num_images, H, W, C)`` float32 NumPy array in [-1, 1].

        Raises:
            ValueError: no labels, a count other than ``num_images``, or labels that
                :func:`segen_lib.checks.class_labels` refuses.
        """
        num_images = checks.positive_int(num_images, "num_images")
        if labels is None:
            raise ValueError("a ConditionalGAN needs labels=(num_images,) class indices to generate.")
        labels = checks.class_labels(labels, "labels", self.num_classes).astype("int32")
        if len(labels) != num_images:
            raise ValueError(f"got {len(labels)} labels for num_images={num_images}.")
        noise = keras.random.normal((num_images, self.latent_dim), seed=seed)
        return self._predict([noise, labels], averaged)

    def calibration_labels(self, count: int):
        """Every class in turn, for the batch-norm recalibration of the averaged generator."""
        return (np.arange(count) % self.num_classes).astype("int32")
