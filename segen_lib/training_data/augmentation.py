"""Augmentation: random changes of a training image that keep its mask right.

Two kinds, as the course meets them:

- **Geometric, paired** (:func:`paired_augmentation`, introduced in
  ``notebooks/02_unet_segmentation.ipynb``): flips, shifts and rotations applied to an
  image and its mask alike, the mask resampled with the nearest neighbour so it keeps
  its labels.
- **Photometric** (:func:`photometric_augmentation` and :class:`RandomGaussianNoise`,
  introduced in ``notebooks/06_driving_scenes.ipynb``): changes of light, contrast, blur
  and noise that leave the mask as it is; the training-time counterpart of the corruptions
  of :mod:`segen_lib.training_data.corruptions`.
"""

from __future__ import annotations

import keras
import numpy as np  # noqa: F401  (doctests)

from segen_lib import checks

__all__ = ["paired_augmentation", "PairedAugmentation", "photometric_augmentation", "RandomGaussianNoise"]


def paired_augmentation(flip: bool = True, shift: float = 0.1, rotation: float = 0.05,
                        seed: int | None = None):
    """Keras preprocessing layers that transform an image and its mask identically.

    Call the result on a dict ``{"images": images, "segmentation_masks": masks}``;
    it returns the same dict, transformed. Images are ``(batch, h, w, channels)``; masks
    ``(batch, h, w)`` (as :func:`segen_lib.synthetic.make_digit_scenes` returns them) or ``(batch, h, w, c)``,
    and come back in the shape they came. Images are resampled bilinearly, masks with
    nearest-neighbour interpolation so they keep integer class values.

    Args:
        flip: random horizontal flips.
        shift: largest shift as a fraction of height and width (0 to disable).
        rotation: largest rotation as a fraction of a full turn (0.05 = ±18°).
        seed: seed of the random transformations.

    Returns:
        A ``keras.Sequential`` of preprocessing layers (it raises a ``ValueError`` when
        called on anything but such a dict, or on images without 4 axes).

    Example:
        >>> images, masks = np.zeros((2, 64, 64, 1), "float32"), np.zeros((2, 64, 64), "uint8")
        >>> augment = paired_augmentation(flip=False, seed=0)
        >>> pair = augment({"images": images, "segmentation_masks": masks[..., None]}, training=True)
        >>> tuple(pair["images"].shape), tuple(pair["segmentation_masks"].shape)
        ((2, 64, 64, 1), (2, 64, 64, 1))
    """
    shift = checks.number(shift, "shift", minimum=0, maximum=1, include_maximum=False)
    rotation = checks.number(rotation, "rotation", minimum=0, maximum=0.5)  # a fraction of a turn
    if seed is not None:
        seed = checks.integer(seed, "seed", minimum=0)
    layers = []
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if shift:
        layers.append(keras.layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed))
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, fill_mode="constant", seed=seed))
    return PairedAugmentation(layers, name="paired_augmentation")


class PairedAugmentation(keras.Sequential):
    """The ``keras.Sequential`` of :func:`paired_augmentation`: checks the dict, and lets
    masks come without a channel axis (and return so)."""

    def __call__(self, data, *args, **kwargs):
        if not isinstance(data, dict) or "images" not in data:
            raise ValueError("paired augmentation takes a dict {'images': images, "
                             f"'segmentation_masks': masks}}, received {type(data).__name__}.")
        if len(data["images"].shape) != 4:
            raise ValueError("images must have 4 axes (batch, height, width, channels), "
                             f"received shape {tuple(data['images'].shape)}.")
        masks = data.get("segmentation_masks")
        flat = masks is not None and len(masks.shape) == 3
        if flat:
            data = {**data, "segmentation_masks": keras.ops.expand_dims(masks, -1)}
        out = super().__call__(data, *args, **kwargs)
        if flat:
            out = {**out, "segmentation_masks": keras.ops.squeeze(out["segmentation_masks"], -1)}
        return out


@keras.saving.register_keras_serializable(package="segen")
class RandomGaussianNoise(keras.layers.Layer):
    """Gaussian noise of a random strength for each image, in training only.

    ``keras.layers.GaussianNoise`` adds noise of one fixed standard deviation to every
    image; a model trained behind it sees no clean image at all, and its batch-norm
    statistics learn the noise (chapter 06's U-Net lost about a quarter of its clean mean
    IoU that way: ``benchmarks/RESULTS.md``, chapter 06). Here each image draws its own standard deviation,
    uniform in ``[0, max_stddev]``, so clean and noisy images are both seen.

    Args:
        max_stddev: largest standard deviation, in the images' units (e.g. 0.15 for
            images in [0, 1]).
        seed: seed of the layer's random draws.

    Input and output: ``(batch, height, width, channels)`` floats; unchanged when
    ``training`` is false.

    Example:
        >>> layer = RandomGaussianNoise(0.1, seed=0)
        >>> x = np.zeros((2, 4, 4, 3), "float32")
        >>> bool((np.asarray(layer(x)) == 0).all()), bool(np.asarray(layer(x, training=True)).std() > 0)
        (True, True)
    """

    def __init__(self, max_stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_stddev = checks.number(max_stddev, "max_stddev", minimum=0)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        dtype = keras.backend.standardize_dtype(images.dtype)
        if "float" not in dtype:
            raise ValueError(f"images must be floats in [0, 1], received dtype {dtype}: for uint8 "
                             "images in 0..255 use x / 255 first.")
        if not training or self.max_stddev == 0:
            return images
        shape = keras.ops.shape(images)
        stddev = keras.random.uniform((shape[0], 1, 1, 1), 0.0, self.max_stddev,
                                      dtype=images.dtype, seed=self.seed_generator)
        return images + stddev * keras.random.normal(shape, dtype=images.dtype, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_stddev": self.max_stddev, "seed": self.seed}


def photometric_augmentation(brightness: float = 0.4, contrast: float = 0.7, blur: float = 0.5,
                             noise: float = 0.15, seed: int | None = None) -> keras.Sequential:
    """Keras preprocessing layers that change the light of an image, never its geometry.

    Introduced in ``notebooks/06_driving_scenes.ipynb``: placed in front of a segmenter
    in a training model, they act on the image only (the mask is the same whatever the
    light) and only in training: ``fit`` passes ``training=True``, ``predict`` and
    ``evaluate`` pass ``False``. Called directly, pass ``training=False`` for inference:
    Keras's image layers default to ``training=True``. Each image gets its own draw.

    Args:
        brightness: ``keras.layers.RandomBrightness`` factor: a shift of up to
            ``± brightness`` for images in [0, 1].
        contrast: ``keras.layers.RandomContrast`` factor: contrast scaled by a factor
            in ``[1 - contrast, 1 + contrast]``.
        blur: probability bound of ``keras.layers.RandomGaussianBlur`` (5×5 kernel, σ
            drawn in [0, 1]: the largest that layer allows).
        noise: largest standard deviation of :class:`RandomGaussianNoise`.
        seed: seed of every layer.

    Returns:
        A ``keras.Sequential`` named ``"photometric"``, for ``(batch, height, width,
        channels)`` images in [0, 1] (values are clipped back to [0, 1] after brightness,
        contrast and blur).

    Raises:
        ValueError: a factor outside the range its layer accepts.

    Example:
        >>> augment = photometric_augmentation(seed=0)
        >>> images = np.full((2, 8, 8, 3), 0.5, "float32")
        >>> bool(np.allclose(augment(images, training=False), images))
        True
        >>> tuple(augment(images, training=True).shape)
        (2, 8, 8, 3)
    """
    brightness = checks.number(brightness, "brightness", minimum=0, maximum=1)
    contrast = checks.number(contrast, "contrast", minimum=0, maximum=1)
    blur = checks.number(blur, "blur", minimum=0, maximum=1)
    noise = checks.number(noise, "noise", minimum=0)
    return keras.Sequential([
        keras.layers.RandomBrightness(brightness, value_range=(0, 1), seed=seed),
        keras.layers.RandomContrast(contrast, value_range=(0, 1), seed=seed),
        keras.layers.RandomGaussianBlur(factor=blur, kernel_size=5, sigma=1.0, value_range=(0, 1),
                                        seed=seed),
        RandomGaussianNoise(noise, seed=seed),
    ], name="photometric")
