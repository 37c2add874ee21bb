r"""GAN losses, on the discriminator's logits (introduced in ``notebooks/03_gan_theory.ipynb``).

The discriminator outputs a *logit* :math:`\ell`; :math:`D = \sigma(\ell)`. The minimax
value function of Goodfellow et al. (2014) is

.. math::
    V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)]
            + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].

The discriminator maximises it; the generator minimises it (*saturating* loss
:math:`\log(1 - D(G(z)))`) or, in practice, maximises :math:`\log D(G(z))`
(*non-saturating* loss :math:`-\log D(G(z))`). Working on logits keeps every loss
finite: :math:`-\log \sigma(\ell) = \mathrm{softplus}(-\ell)` and
:math:`-\log(1 - \sigma(\ell)) = \mathrm{softplus}(\ell)`. The hinge loss (chapter 04)
and the Wasserstein losses with their gradient penalty (WGAN-GP, chapter 05) are here
too. Every function takes tensors of any backend and returns a scalar tensor.

Example:
    >>> import numpy as np
    >>> round(float(discriminator_loss(np.zeros(4, "float32"), np.zeros(4, "float32"))), 4)  # 2 log 2
    1.3863
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["value_function", "discriminator_loss", "generator_loss", "hinge_discriminator_loss",
           "hinge_generator_loss", "wasserstein_critic_loss", "wasserstein_generator_loss",
           "gradient_penalty"]


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


def hinge_discriminator_loss(real_logits, fake_logits):
    r"""The hinge loss of the discriminator (Lim and Ye, 2017; Miyato et al., 2018).

    .. math::
        L_D = \mathbb{E}_x[\max(0, 1 - \ell(x))] + \mathbb{E}_z[\max(0, 1 + \ell(G(z)))]

    on the discriminator's raw outputs :math:`\ell`. A real sample scored above 1 (a
    fake below -1) adds nothing: the discriminator stops pushing samples it already
    separates with a margin. For a fixed generator the best discriminator is
    :math:`\ell^*(x) = \operatorname{sign}(p_{data}(x) - p_g(x))` and its loss is
    :math:`2 - 2\,\mathrm{TV}(p_{data}, p_g)`: the total variation distance plays the
    role that the Jensen-Shannon divergence plays for the cross-entropy loss.

    Args:
        real_logits: outputs of D on real samples.
        fake_logits: outputs of D on generated samples.

    Returns:
        Scalar loss to minimise.
    """
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits):
    r"""The generator's loss paired with the hinge discriminator: :math:`-\mathbb{E}_z[\ell(G(z))]`."""
    return -ops.mean(fake_logits)


def wasserstein_critic_loss(real_scores, fake_scores):
    r"""WGAN critic loss :math:`\mathbb{E}[f(G(z))] - \mathbb{E}[f(x)]` (minimised)."""
    return ops.mean(fake_scores) - ops.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    r"""WGAN generator loss :math:`-\mathbb{E}[f(G(z))]` (minimised)."""
    return -ops.mean(fake_scores)


def _input_gradients(critic, images):
    """Gradient of ``sum(critic(images))`` with respect to ``images``, on any backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        images = tf.convert_to_tensor(images)
        with tf.GradientTape() as tape:
            tape.watch(images)
            scores = critic(images)
        return tape.gradient(scores, images)
    if backend == "jax":
        import jax

        return jax.grad(lambda x: ops.sum(critic(x)))(images)
    if backend == "torch":
        import torch

        images = images.detach().requires_grad_(True)
        scores = critic(images)
        return torch.autograd.grad(scores.sum(), images, create_graph=True)[0]
    raise ValueError(f"gradient_penalty needs the tensorflow, jax or torch backend, received {backend!r}.")


def gradient_penalty(critic, real_images, fake_images, epsilon=None, seed=None):
    r"""WGAN-GP gradient penalty (Gulrajani et al., 2017), without its weight :math:`\lambda`.

    .. math::
        \mathrm{GP} = \mathbb{E}_{\hat x}\big[(\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - 1)^2\big],
        \qquad \hat x = \epsilon x + (1 - \epsilon)\tilde x,\ \epsilon \sim U(0, 1)

    with one :math:`\epsilon` per sample. Introduced in ``notebooks/05_gan_variants.ipynb``.

    Args:
        critic: callable mapping ``(batch, height, width, channels)`` images to scores
            ``(batch, 1)`` (e.g. a critic model, or its ``stateless_call`` on values).
        real_images: ``(batch, height, width, channels)``.
        fake_images: same shape as ``real_images``.
        epsilon: interpolation weights ``(batch, 1, 1, 1)`` in [0, 1]; default: drawn
            from U(0, 1) with ``seed``.
        seed: seed (int or ``keras.random.SeedGenerator``) used when ``epsilon`` is None.

    Returns:
        Scalar penalty (differentiable with respect to the critic's weights).

    Example:
        A linear critic :math:`f(x) = \langle w, x \rangle` has gradient :math:`w`
        everywhere, so the penalty is :math:`(\lVert w \rVert_2 - 1)^2`:

        >>> import numpy as np
        >>> w = np.full((4, 1), 1.5, "float32")   # ||w|| = 3
        >>> images = np.ones((2, 2, 2, 1), "float32")
        >>> critic = lambda x: ops.matmul(ops.reshape(x, (-1, 4)), w)
        >>> round(float(gradient_penalty(critic, images, -images, seed=0)), 4)
        4.0
    """
    if tuple(real_images.shape) != tuple(fake_images.shape):
        raise ValueError(f"real_images and fake_images must have the same shape, received "
                         f"{tuple(real_images.shape)} and {tuple(fake_images.shape)}.")
    real_images = ops.convert_to_tensor(real_images, "float32")
    fake_images = ops.convert_to_tensor(fake_images, "float32")
    batch_size = ops.shape(real_images)[0]
    if epsilon is None:
        weight_shape = (batch_size,) + (1,) * (len(real_images.shape) - 1)
        epsilon = keras.random.uniform(weight_shape, seed=seed)
    interpolated = epsilon * real_images + (1.0 - epsilon) * fake_images
    grads = _input_gradients(critic, interpolated)
    grads = ops.reshape(grads, (batch_size, -1))
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))
