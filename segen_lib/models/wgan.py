r"""WGAN with gradient penalty (Gulrajani et al., 2017): a critic instead of a discriminator.

Introduced in ``notebooks/05_gan_variants.ipynb``. The critic :math:`f` (no
sigmoid, no batch normalisation) minimises

.. math::
    L_f = \mathbb{E}[f(\tilde x)] - \mathbb{E}[f(x)]
          + \lambda\, \mathbb{E}_{\hat x}\big[(\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - 1)^2\big],
    \quad \hat x = \epsilon x + (1 - \epsilon) \tilde x,\ \epsilon \sim U(0, 1),

``d_steps`` times per generator step; the generator minimises :math:`-\mathbb{E}[f(G(z))]`.
The training step is :meth:`GAN.train_batch`; only the two losses differ.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from segen_lib import checks
from segen_lib.losses import gan as gan_losses
from segen_lib.models.gan import GAN

__all__ = ["WGANGP"]


class WGANGP(GAN):
    r"""WGAN-GP: the discriminator is a critic whose gradients are kept near norm 1.

    Logged ``d_real`` and ``d_fake`` are mean critic scores, ``gp`` the penalty.

    Args:
        generator: as for :class:`GAN`.
        discriminator: the critic; no batch normalisation (the penalty is per sample).
        d_steps: critic updates per generator update (5 in the paper).
        gp_weight: :math:`\lambda` (10 in the paper).
        seed: seed of the noise and of the interpolation weights :math:`\epsilon`.

    Raises:
        ValueError: a critic with batch normalisation, or a negative ``gp_weight``.
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake", "gp")
    loss_pairs = {"wasserstein": (gan_losses.wasserstein_critic_loss, gan_losses.wasserstein_generator_loss)}

    def __init__(self, generator, discriminator, *extra, d_steps: int = 5, gp_weight: float = 10.0,
                 seed: int | None = None, **kwargs):
        checks.keyword_options(extra, "WGANGP(generator, discriminator, ...)", "d_steps=..., gp_weight=..., seed=...")
        if isinstance(discriminator, keras.Model) and any(
                isinstance(layer, layers.BatchNormalization) for layer in discriminator.layers):
            raise ValueError("a WGAN-GP critic must not use batch normalisation (the gradient "
                             "penalty is per sample): build it with normalization=None or 'layer'.")
        super().__init__(generator, discriminator, d_steps=d_steps, seed=seed, **kwargs)
        self.gp_weight = checks.number(gp_weight, "gp_weight", minimum=0.0)

    def compile(self, d_optimizer=None, g_optimizer=None, learning_rate: float = 1e-4,
                beta_1: float = 0.0, beta_2: float = 0.9, **kwargs):
        """Choose the optimizers; default ``Adam(1e-4, beta_1=0, beta_2=0.9)`` for both, as in the paper.

        Args:
            d_optimizer, g_optimizer: the critic's and the generator's optimizers.
            learning_rate, beta_1, beta_2: Adam's settings for the default optimizers.
            **kwargs: passed on to ``keras.Model.compile``.
        """
        self.loss_name = "wasserstein"
        self._set_optimizers(d_optimizer, g_optimizer, learning_rate=learning_rate, beta_1=beta_1,
                             beta_2=beta_2, ema_momentum=None, **kwargs)

    def discriminator_loss(self, real_images, fake_images, labels):
        """The critic's loss with its gradient penalty; returns ``(d_loss, logs)``."""
        real_scores = self.discriminator(real_images, training=True)
        fake_scores = self.discriminator(fake_images, training=True)
        # Random points between real and fake images, where the slope should be 1.
        epsilon = keras.random.uniform((ops.shape(real_images)[0], 1, 1, 1), seed=self.seed_generator)

        def critic(images):
            return self.discriminator(images, training=True)

        penalty = gan_losses.gradient_penalty(critic, real_images, fake_images, epsilon)
        d_loss = gan_losses.wasserstein_critic_loss(real_scores, fake_scores) + self.gp_weight * penalty
        return d_loss, {"d_loss": d_loss, "d_real": ops.mean(real_scores),
                        "d_fake": ops.mean(fake_scores), "gp": penalty}
