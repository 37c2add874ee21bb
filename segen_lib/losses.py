r"""Losses of the course that Keras does not already provide.

GAN losses (introduced in ``notebooks/03_gan_theory.ipynb``). The discriminator
outputs a *logit* :math:`\ell`; :math:`D = \sigma(\ell)`. The minimax value function
of Goodfellow et al. (2014) is

.. math::
    V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)]
            + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].

The discriminator maximises it; the generator minimises it (*saturating* loss
:math:`\log(1 - D(G(z)))`) or, in practice, maximises :math:`\log D(G(z))`
(*non-saturating* loss :math:`-\log D(G(z))`). Working on logits keeps every loss
finite: :math:`-\log \sigma(\ell) = \mathrm{softplus}(-\ell)` and
:math:`-\log(1 - \sigma(\ell)) = \mathrm{softplus}(\ell)`.

Segmentation losses: Keras 3 already has ``keras.losses.Dice``,
``keras.losses.BinaryFocalCrossentropy`` and ``CategoricalFocalCrossentropy``;
use those. This module adds only what the course needs beyond them.
"""

from __future__ import annotations

from keras import ops


def value_function(real_logits, fake_logits):
    r"""Monte-Carlo estimate of :math:`V(D, G)` from discriminator logits.

    Args:
        real_logits: logits of D on real samples, any shape.
        fake_logits: logits of D on generated samples, any shape.

    Returns:
        Scalar :math:`\frac{1}{n}\sum \log D(x) + \frac{1}{m}\sum \log(1 - D(G(z)))`.
    """
    return (-ops.mean(ops.softplus(-real_logits))) + (-ops.mean(ops.softplus(fake_logits)))


def discriminator_loss(real_logits, fake_logits):
    r"""The discriminator's loss, :math:`-V(D, G)` (binary cross-entropy, real = 1, fake = 0).

    Args:
        real_logits: logits of D on real samples.
        fake_logits: logits of D on generated samples.

    Returns:
        Scalar :math:`-\mathbb{E}\log D(x) - \mathbb{E}\log(1 - D(G(z)))`.
    """
    return -value_function(real_logits, fake_logits)


def generator_loss(fake_logits, saturating: bool = False):
    r"""The generator's loss on the discriminator's logits for generated samples.

    Args:
        fake_logits: logits of D on generated samples.
        saturating: ``False`` (default): the non-saturating loss
            :math:`-\mathbb{E}\log D(G(z))` used in practice. ``True``: the minimax
            loss :math:`\mathbb{E}\log(1 - D(G(z)))`, whose gradient vanishes when D
            confidently rejects the samples (early in training).

    Returns:
        Scalar loss to minimise.
    """
    if saturating:
        return -ops.mean(ops.softplus(fake_logits))
    return ops.mean(ops.softplus(-fake_logits))


def wasserstein_critic_loss(real_scores, fake_scores):
    r"""WGAN critic loss :math:`\mathbb{E}[f(G(z))] - \mathbb{E}[f(x)]` (minimised)."""
    return ops.mean(fake_scores) - ops.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    r"""WGAN generator loss :math:`-\mathbb{E}[f(G(z))]` (minimised)."""
    return -ops.mean(fake_scores)
