"""segen_lib: the reusable code of the segen course (image segmentation and generation).

Each submodule holds one concept of the course:

- ``runtime``: seeds, backend/device report, fast mode (chapter 00).
- ``checks``: the argument checks every public function uses, with one message style.
- ``data``: the shipped real data sets, generated segmentation scenes, toy distributions,
  and ``array_batches``, the one way the course feeds in-memory arrays to ``fit``.
- ``models``: U-Net (``unet``), the DCGAN networks (``dcgan``), the ``GAN`` family with
  its training step (``gan``, ``wgan``), the weight average (``weight_average``) and the
  TensorFlow/JAX plumbing behind the step (``backend_step``).
- ``losses``: GAN losses (``losses.gan``) and segmentation losses (``losses.segmentation``)
  that Keras does not already have.
- ``metrics``: per-class IoU/Dice, mode counting, Fréchet distance / KID.
- ``callbacks``: sample grids and Fréchet distances during GAN training, checkpoint and resume.
- ``viz``: figures (image grids, mask overlays, training curves).
- ``course``: run every notebook headless and write the executed course to build/.
"""

import os as _os

# Quieten TensorFlow's C++ start-up logging before anything imports it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
