"""Losses of the course that Keras does not already provide, one module per family.

- :mod:`segen_lib.losses.gan`: the minimax, non-saturating, hinge and Wasserstein losses
  and the gradient penalty (chapters 03 and 04).
- :mod:`segen_lib.losses.segmentation`: cross-entropy plus soft Dice (chapter 02).
- :mod:`segen_lib.losses.distillation`: the soft-target loss of knowledge distillation (chapter 10).
"""

from segen_lib.losses.gan import (discriminator_loss, generator_loss, gradient_penalty,
                                  hinge_discriminator_loss, hinge_generator_loss, value_function,
                                  wasserstein_critic_loss, wasserstein_generator_loss)
from segen_lib.losses.distillation import distillation_loss
from segen_lib.losses.segmentation import DiceCrossentropy

__all__ = ["value_function", "discriminator_loss", "generator_loss", "hinge_discriminator_loss",
           "hinge_generator_loss", "wasserstein_critic_loss", "wasserstein_generator_loss",
           "gradient_penalty", "DiceCrossentropy", "distillation_loss"]
