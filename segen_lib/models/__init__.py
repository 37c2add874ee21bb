"""Model builders and models of the course, one concept per module.

- :mod:`~segen_lib.models.unet`: the U-Net, and the article's U-Net as printed and repaired (chapter 02).
- :mod:`~segen_lib.models.dcgan`: the DCGAN generator and discriminator (chapter 04).
- :mod:`~segen_lib.models.gan`: ``GAN``, with the training step (chapter 04).
- :mod:`~segen_lib.models.conditional_gan`: ``ConditionalGAN`` (chapter 05).
- :mod:`~segen_lib.models.wgan`: ``WGANGP`` (chapter 05).
- :mod:`~segen_lib.models.pix2pix`: ``Pix2Pix`` and its U-Net generator (chapter 08).
- :mod:`~segen_lib.models.patchgan`: the conditional PatchGAN discriminator of pix2pix, and the receptive field of a model (chapter 01's rule).
- :mod:`~segen_lib.models.weight_average`: sampling from a moving average of the weights (chapter 04).
- :mod:`~segen_lib.models.diffusion`: the noise-prediction U-Net, ``Diffusion`` with DDPM training and DDPM/DDIM sampling (chapter 12); :mod:`~segen_lib.models.diffusion_process`: the noise schedule and the reverse step it uses.
- :mod:`~segen_lib.models.backend_step`: the TensorFlow/JAX plumbing behind the training step.

Under JAX the builders draw initial weights without compiling: :mod:`segen_lib.initial_weights`.
"""

from segen_lib.models.dcgan import build_discriminator, build_generator
from segen_lib.models.conditional_gan import ConditionalGAN
from segen_lib.models.diffusion import Diffusion, NoiseSchedule, build_noise_predictor
from segen_lib.models.gan import DCGAN_PAPER, GAN
from segen_lib.models.patchgan import build_patch_discriminator, receptive_field
from segen_lib.models.pix2pix import PIX2PIX_PAPER, Pix2Pix, build_pix2pix_generator, one_hot_images
from segen_lib.models.unet import UNet, build_article_unet, build_unet, check_input_shape
from segen_lib.models.weight_average import averaged_copy, recalibrate_batch_norm
from segen_lib.models.wgan import WGANGP

__all__ = ["UNet", "build_unet", "build_article_unet", "check_input_shape", "build_generator",
           "build_discriminator", "GAN", "ConditionalGAN", "WGANGP", "DCGAN_PAPER",
           "averaged_copy", "recalibrate_batch_norm", "build_patch_discriminator", "receptive_field",
           "Pix2Pix", "PIX2PIX_PAPER", "build_pix2pix_generator", "one_hot_images", "Diffusion",
           "NoiseSchedule", "build_noise_predictor"]
