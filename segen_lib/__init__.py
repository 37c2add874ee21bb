"""segen_lib: the reusable code of the segen course (image segmentation and generation).

One concept per module or package, in layers that only point down:

- ``checks``: the argument checks every public function uses, with one message style.
- ``initial_weights``: under JAX, initial weights drawn by NumPy instead of compiled per layer.
- ``runtime``: seeds, backend/device report, fast mode, ``report_metric`` (chapter 00).
- ``label_spaces``: the Cityscapes label space, the ignore label 255, ``colorize``.
- ``batches``: ``array_batches`` and ``fit_inputs``, the one way the course feeds
  in-memory arrays to ``fit``.
- ``datasets``: the real data shipped in ``data/``, and loaders for the full public sets.
- ``synthetic``: data made from a seed (toy distributions, digit scenes, road scenes).
- ``medical``: Hounsfield units, microscopy tiles, instances from a mask.
- ``training_data``: augmentation, corruptions, scarce-label helpers.
- ``losses``, ``metrics``: what Keras does not already have (``models`` and ``losses``
  import nothing from the four data packages).
- ``models``: U-Net, the DCGAN networks, the ``GAN`` family, pix2pix, diffusion.
- ``callbacks``, ``viz``, ``cost``, ``deploy``, ``distribute``: on top.

The course tooling (the headless runner, the student edition, the site) is the separate
package ``segen_course``, which imports this one and is never imported by it.
CONTRIBUTING.md draws the layers.
"""

import os as _os

# Quieten TensorFlow's C++ start-up logging before anything imports it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
