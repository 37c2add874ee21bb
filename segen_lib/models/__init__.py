"""Model builders and models of the course (plain Keras objects)."""

from segen_lib.models.gan import (GAN, WGANGP, ConditionalGAN, build_discriminator, build_generator,
                                  recalibrate_batch_norm)
from segen_lib.models.unet import build_seed_unet, build_unet, check_input_shape
