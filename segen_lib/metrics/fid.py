r"""Fréchet distance (FID) and kernel distance (KID) between two sets of images.

Introduced in ``notebooks/04_gan_training.ipynb``. Both compare the *features* of two
image sets. The features come from the penultimate layer (``features``, 128 values)
of a small Fashion-MNIST classifier shipped as ``data/fashion_classifier.keras``
(trained by ``data/train_feature_extractor.py``), in place of the Inception network
of the original FID (Heusel et al., 2017): numbers are comparable within this course,
not with published FIDs.

Fréchet distance between Gaussians fitted to the two feature sets:

.. math::
    d^2 = \lVert \mu_a - \mu_b \rVert_2^2
          + \operatorname{tr}\big(\Sigma_a + \Sigma_b - 2 (\Sigma_a \Sigma_b)^{1/2}\big).

KID (Bińkowski et al., 2018): the unbiased squared MMD with the polynomial kernel
:math:`k(x, y) = (x^\top y / d + 1)^3`, averaged over random subsets.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from scipy import linalg

from segen_lib import checks
from segen_lib.datasets.shipped import data_dir, verify

CLASSIFIER_FILE = "fashion_classifier.keras"
FEATURE_LAYER = "features"

__all__ = ["frechet_distance", "frechet_distance_from_statistics", "kernel_distance",
           "extract_features", "load_classifier", "fid", "kid"]


def _as_features(features, name: str) -> np.ndarray:
    array = np.asarray(features)
    if array.ndim != 2 or len(array) < 2:
        raise ValueError(f"{name} must be a (num_samples >= 2, num_features) array, "
                         f"received shape {np.shape(features)}.")
    return checks.finite(array, name).astype(np.float64)


def frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b) -> float:
    r"""Fréchet distance between :math:`N(\mu_a, \Sigma_a)` and :math:`N(\mu_b, \Sigma_b)`.

    Args:
        mu_a, mu_b: means ``(d,)``.
        sigma_a, sigma_b: covariances ``(d, d)``.

    Returns:
        :math:`\lVert \mu_a - \mu_b \rVert^2 + \operatorname{tr}(\Sigma_a + \Sigma_b - 2(\Sigma_a\Sigma_b)^{1/2})` (>= 0).

    Raises:
        ValueError: shapes that do not fit together, or NaN/infinite values.

    Example:
        >>> frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
        2.0
    """
    mu_a, mu_b = np.atleast_1d(np.asarray(mu_a, np.float64)), np.atleast_1d(np.asarray(mu_b, np.float64))
    sigma_a, sigma_b = np.atleast_2d(sigma_a).astype(np.float64), np.atleast_2d(sigma_b).astype(np.float64)
    for name, value in (("mu_a", mu_a), ("sigma_a", sigma_a), ("mu_b", mu_b), ("sigma_b", sigma_b)):
        checks.finite(value, name)
    d = len(mu_a)
    if mu_b.shape != (d,) or sigma_a.shape != (d, d) or sigma_b.shape != (d, d):
        raise ValueError(f"expected means (d,) and covariances (d, d) with the same d; received "
                         f"{mu_a.shape}, {sigma_a.shape}, {mu_b.shape}, {sigma_b.shape}.")
    with warnings.catch_warnings():
        # ReLU features with dead units give singular covariances; sqrtm still works.
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma_a @ sigma_b)
    if not np.isfinite(covmean).all():
        # Singular product: nudge both covariances (as in the reference FID code).
        offset = np.eye(d) * 1e-6
        covmean = linalg.sqrtm((sigma_a + offset) @ (sigma_b + offset))
    covmean = np.real(covmean)
    diff = mu_a - mu_b
    value = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``(n, d)`` and ``(m, d)``.

    Raises:
        ValueError: fewer than 2 samples, different feature sizes, or NaN/infinite features.
    """
    a, b = _as_features(features_a, "features_a"), _as_features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"features_a and features_b must have the same number of features, "
                         f"received {a.shape[1]} and {b.shape[1]}.")
    return frechet_distance_from_statistics(a.mean(0), np.cov(a, rowvar=False),
                                            b.mean(0), np.cov(b, rowvar=False))


def kernel_distance(features_a, features_b, num_subsets: int = 10, subset_size: int = 1000,
                    seed: int = 0) -> tuple[float, float]:
    r"""KID: unbiased MMD² with kernel :math:`(x^\top y / d + 1)^3`, mean and std over subsets.

    Args:
        features_a, features_b: ``(n, d)`` and ``(m, d)`` feature arrays.
        num_subsets: random subsets to average over.
        subset_size: samples per subset (capped at the smaller set's size).
        seed: seed of the subset draws.

    Returns:
        ``(mean, std)``; the mean is near 0 (and may be slightly negative) for two
        samples of one distribution.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> a, b = rng.normal(size=(500, 4)), rng.normal(size=(500, 4))
        >>> same, _ = kernel_distance(a, b, num_subsets=3, subset_size=200)
        >>> shifted, _ = kernel_distance(a, b + 1.0, num_subsets=3, subset_size=200)
        >>> abs(same) < 0.05 < shifted
        True
    """
    num_subsets = checks.positive_int(num_subsets, "num_subsets")
    subset_size = checks.integer(subset_size, "subset_size", minimum=2)
    seed = checks.integer(seed, "seed", minimum=0)
    a, b = _as_features(features_a, "features_a"), _as_features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape[1]} and {b.shape[1]}.")
    d = a.shape[1]
    size = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        x = a[rng.choice(len(a), size, replace=False)]
        y = b[rng.choice(len(b), size, replace=False)]
        k_xx = (x @ x.T / d + 1) ** 3
        k_yy = (y @ y.T / d + 1) ** 3
        k_xy = (x @ y.T / d + 1) ** 3
        off = size * (size - 1)
        values.append((k_xx.sum() - np.trace(k_xx)) / off + (k_yy.sum() - np.trace(k_yy)) / off
                      - 2 * k_xy.mean())
    return float(np.mean(values)), float(np.std(values))


@lru_cache(maxsize=1)
def load_classifier():
    """The shipped Fashion-MNIST classifier (checked against data/SHA256SUMS; no network)."""
    import keras

    verify([CLASSIFIER_FILE])
    return keras.saving.load_model(data_dir() / CLASSIFIER_FILE, compile=False)


@lru_cache(maxsize=1)
def _feature_model():
    import keras

    classifier = load_classifier()
    return keras.Model(classifier.inputs, classifier.get_layer(FEATURE_LAYER).output)


def _prepare(images, name: str) -> np.ndarray:
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[1:] != (28, 28, 1):
        raise ValueError(f"{name} must be 28×28 grey images (n, 28, 28) or (n, 28, 28, 1), "
                         f"received shape {np.shape(images)}.")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 127.5 - 1.0
    # Floats must be in [-1, 1]: a batch in [0, 1] would give a plausible, wrong distance.
    return checks.float_images(array, name, "[-1, 1]").astype(np.float32)


def extract_features(images, batch_size: int = 500) -> np.ndarray:
    """Features ``(n, 128)`` of images ``(n, 28, 28[, 1])`` (uint8, or float in [-1, 1]).

    Raises:
        ValueError: another shape; floats outside [-1, 1], NaN, or floats without a
            negative value (images in [0, 1]: use ``x * 2 - 1``); see
            :func:`segen_lib.checks.float_images`.
    """
    batch_size = checks.positive_int(batch_size, "batch_size")
    return np.asarray(_feature_model().predict(_prepare(images, "images"), batch_size=batch_size,
                                               verbose=0), dtype=np.float64)


def fid(images_a, images_b) -> float:
    """Fréchet distance between two image sets in the shipped classifier's feature space.

    Args:
        images_a, images_b: ``(n, 28, 28)`` or ``(n, 28, 28, 1)``, uint8 or float in [-1, 1].

    Returns:
        The distance (0 for identical feature statistics; lower is better).

    Raises:
        ValueError: images of another shape or scale (see :func:`extract_features`):
            the same images in [0, 1] and in [-1, 1] would otherwise be 131 apart.

    Example:
        >>> from segen_lib.datasets import load_fashion_mnist
        >>> train, _ = load_fashion_mnist("train", limit=500)
        >>> test, _ = load_fashion_mnist("test", limit=500)
        >>> noise = np.random.default_rng(0).integers(0, 256, (500, 28, 28)).astype(np.uint8)
        >>> fid(train, test) < 5.0, fid(noise, test) > 50.0   # real vs real: near the floor
        (True, True)
    """
    return frechet_distance(extract_features(images_a), extract_features(images_b))


def kid(images_a, images_b, num_subsets: int = 10, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """KID ``(mean, std)`` between two image sets in the shipped classifier's feature space."""
    return kernel_distance(extract_features(images_a), extract_features(images_b),
                           num_subsets=num_subsets, subset_size=subset_size, seed=seed)
