"""Common image corruptions at graded severities, for measuring robustness.

Introduced in ``notebooks/06_driving_scenes.ipynb``. The protocol is the corruption
benchmark of Hendrycks and Dietterich (2019, "Benchmarking neural network robustness to
common corruptions and perturbations", ImageNet-C): a model trained on clean images is
tested, unchanged, on the same test images under each corruption at each severity.
ImageNet-C has five severities; the course keeps three (its first three, where the
corruption has a counterpart there) so a CPU evaluates the whole table in seconds.

| corruption | severity 1, 2, 3 | after |
|---|---|---|
| ``gaussian_noise`` | σ = 0.08, 0.12, 0.18 | ImageNet-C |
| ``gaussian_blur`` | σ = 0.5, 1.0, 1.5 pixels | ImageNet-C's σ = 1, 2, 3 at 224 pixels, for 64-pixel images |
| ``brightness`` | + 0.1, 0.2, 0.3 | ImageNet-C (added to every channel instead of HSV value) |
| ``contrast`` | × 0.4, 0.3, 0.2 about the image mean | ImageNet-C |
| ``fog`` | haze a = 0.35, 0.5, 0.65 | ``x·(1 - a) + a·L``, L a smooth grey sky light: uniform fog without depth |
| ``night`` | × 0.5, 0.3, 0.15, bluer, noise σ = 0.01, 0.02, 0.03 | not in ImageNet-C: the course's driving chapter needs it |

The training-time counterpart, :func:`segen_lib.training_data.augmentation.photometric_augmentation`,
draws such changes at random.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from segen_lib import checks

CORRUPTIONS = ("gaussian_noise", "gaussian_blur", "brightness", "contrast", "fog", "night")
SEVERITIES = (1, 2, 3)

_NOISE = (0.08, 0.12, 0.18)
_BLUR = (0.5, 1.0, 1.5)
_BRIGHTNESS = (0.1, 0.2, 0.3)
_CONTRAST = (0.4, 0.3, 0.2)
_FOG = (0.35, 0.5, 0.65)
_NIGHT = ((0.5, 0.01), (0.3, 0.02), (0.15, 0.03))


def corrupt(images, corruption: str, severity: int, seed: int = 0) -> np.ndarray:
    """Apply one corruption at one severity to a batch of images.

    Args:
        images: ``(batch, height, width, channels)`` floats in [0, 1] (e.g. RGB scenes of
            :func:`segen_lib.synthetic.make_road_scenes`).
        corruption: one of :data:`CORRUPTIONS` (table in the module docstring).
        severity: 1, 2 or 3.
        seed: seed of the random parts (noise, fog's light); the same seed gives the same
            corrupted images.

    Returns:
        ``(batch, height, width, channels)`` float32 in [0, 1]. Masks are unchanged by
        every corruption: none of them moves a pixel.

    Raises:
        ValueError: images not 4-D floats in [0, 1] (uint8 or 0..255 values get the
            ``x / 255`` advice), not 1 or 3 channels last (channels first gets the
            fix), an unknown corruption, a severity outside 1..3.

    Example:
        >>> images = np.full((2, 8, 8, 3), 0.5, np.float32)
        >>> corrupt(images, "contrast", 3).std() == 0, corrupt(images, "brightness", 1).max()
        (np.True_, np.float32(0.6))
    """
    images = checks.float_images(images, "images", scale="[0, 1]", rank=4)
    if images.shape[-1] not in (1, 3):
        hint = (f": channels first? move them last with np.moveaxis(images, 1, -1)"
                if images.shape[1] in (1, 3) else "")
        raise ValueError(f"images must have 1 (grey) or 3 (RGB) channels on the last axis, received "
                         f"shape {images.shape}{hint}.")
    checks.one_of(corruption, "corruption", CORRUPTIONS)
    level = checks.integer(severity, "severity", minimum=1, maximum=len(SEVERITIES)) - 1
    seed = checks.integer(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    x = np.asarray(images, np.float32)
    if corruption == "gaussian_noise":
        out = x + rng.normal(0, _NOISE[level], x.shape)
    elif corruption == "gaussian_blur":
        out = ndimage.gaussian_filter(x, sigma=(0, _BLUR[level], _BLUR[level], 0), mode="nearest")
    elif corruption == "brightness":
        out = x + _BRIGHTNESS[level]
    elif corruption == "contrast":
        mean = x.mean(axis=(1, 2, 3), keepdims=True)
        out = (x - mean) * _CONTRAST[level] + mean
    elif corruption == "fog":
        light = 0.8 + 0.1 * ndimage.gaussian_filter(rng.normal(0, 1, x.shape[:3]),
                                                    sigma=(0, x.shape[1] / 8, x.shape[2] / 8)) * 8
        out = x * (1 - _FOG[level]) + _FOG[level] * light[..., None]
    else:  # night
        scale, noise = _NIGHT[level]
        tint = np.array([0.8, 0.9, 1.1] if x.shape[-1] == 3 else [1.0] * x.shape[-1], np.float32)
        out = x * scale * tint + rng.normal(0, noise, x.shape)
    return np.clip(out, 0, 1).astype(np.float32)
