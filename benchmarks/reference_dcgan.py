"""The TensorFlow DCGAN tutorial's architecture and settings, re-typed as a reference.

Source: the "Deep Convolutional Generative Adversarial Network" tutorial of the
TensorFlow documentation (tensorflow.org/tutorials/generative/dcgan), which trains on
MNIST. Re-typed layer by layer; only the Keras 3 spellings differ. Settings of the
tutorial: noise of 100 values, Adam(1e-4) for both networks (Keras defaults
otherwise), batch 256, binary cross-entropy on logits.

The benchmark trains it with the course's own ``GAN`` training step, which is the
tutorial's ``train_step`` (one discriminator and one generator update per batch, BCE
from logits, non-saturating generator loss), so only architecture and settings differ.
"""

from __future__ import annotations

import keras
from keras import layers

LATENT_DIM = 100
LEARNING_RATE = 1e-4
BATCH_SIZE = 256


def make_generator_model() -> keras.Model:
    """Dense 7·7·256 (no bias) → BN → LReLU → ConvT 128/64/1, 5×5 kernels, tanh."""
    return keras.Sequential([
        keras.Input((LATENT_DIM,)),
        layers.Dense(7 * 7 * 256, use_bias=False),
        layers.BatchNormalization(),
        layers.LeakyReLU(),
        layers.Reshape((7, 7, 256)),
        layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.LeakyReLU(),
        layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.LeakyReLU(),
        layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False,
                               activation="tanh"),
    ], name="reference_generator")


def make_discriminator_model() -> keras.Model:
    """Conv 64 → LReLU → Dropout 0.3 → Conv 128 → LReLU → Dropout 0.3 → Flatten → Dense 1."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same"),
        layers.LeakyReLU(),
        layers.Dropout(0.3),
        layers.Conv2D(128, (5, 5), strides=(2, 2), padding="same"),
        layers.LeakyReLU(),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(1),
    ], name="reference_discriminator")


def make_optimizers():
    """``(d_optimizer, g_optimizer)``: Adam(1e-4) each, as in the tutorial."""
    return keras.optimizers.Adam(LEARNING_RATE), keras.optimizers.Adam(LEARNING_RATE)
