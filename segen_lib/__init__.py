"""segen_lib: the reusable code of the segen course (image segmentation and generation).

Each submodule holds one concept of the course:

- ``runtime``: seeds, backend/device report, fast mode (chapter 00).
- ``data``: the shipped real data sets, generated segmentation scenes, toy distributions.
- ``models``: U-Net, DCGAN generator/discriminator and the ``GAN`` model family.
- ``losses``: GAN losses and segmentation losses Keras does not already have.
- ``metrics``: per-class IoU/Dice, mode counting, Fréchet distance / KID.
- ``callbacks``: sample grids during GAN training, checkpoint and resume.
- ``viz``: figures (image grids, mask overlays, training curves).
- ``course``: run every notebook headless and write the executed course to build/.
"""

import os as _os

# Quieten TensorFlow's C++ start-up logging before anything imports it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
