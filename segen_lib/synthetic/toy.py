r"""Toy distributions for GAN theory: 1-D Gaussian mixtures and the 2-D ring of Gaussians.

Introduced in ``notebooks/03_gan_theory.ipynb``. The 1-D mixtures come with their
exact density, so that the optimal discriminator
:math:`D^*(x) = p_{data}(x) / (p_{data}(x) + p_g(x))` and the Jensen-Shannon
divergence can be computed exactly and compared with what training finds. The ring
of Gaussians (Metz et al., 2017, *Unrolled GANs*) is the standard picture of mode
collapse: its modes are well separated, so one can count how many a generator covers
(see :func:`segen_lib.metrics.count_modes`).

Every sampler takes an explicit ``seed``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segen_lib import checks


def _mixture_parameters(means, stds, weights):
    means = np.atleast_1d(np.asarray(means, dtype=np.float64))
    stds = np.atleast_1d(np.asarray(stds, dtype=np.float64))
    if means.ndim != 1 or means.size == 0:
        raise ValueError(f"means must be a non-empty 1-D sequence, received {means.tolist()}.")
    if stds.size == 1:
        stds = np.full_like(means, stds[0])
    if stds.shape != means.shape:
        raise ValueError(
            f"stds must be one number or one per mean ({means.size}), received {stds.size} values."
        )
    if np.any(stds <= 0):
        raise ValueError(f"stds must all be > 0, received {stds.tolist()}.")
    if weights is None:
        weights = np.full_like(means, 1.0 / means.size)
    weights = np.atleast_1d(np.asarray(weights, dtype=np.float64))
    if weights.shape != means.shape or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(
            f"weights must be {means.size} non-negative numbers that sum to 1, "
            f"received {weights.tolist()}."
        )
    return means, stds, weights


def mixture_pdf(x, means: Sequence[float], stds: Sequence[float] | float,
                weights: Sequence[float] | None = None) -> np.ndarray:
    r"""Exact density of a 1-D Gaussian mixture.

    .. math::
        p(x) = \sum_k w_k \, \frac{1}{\sigma_k\sqrt{2\pi}}
               \exp\!\left(-\frac{(x - \mu_k)^2}{2\sigma_k^2}\right)

    Args:
        x: points, any shape.
        means: the component means :math:`\mu_k`.
        stds: the component standard deviations :math:`\sigma_k` (one number for all).
        weights: the mixing weights :math:`w_k`, summing to 1; default: equal weights.

    Returns:
        float64 array of the shape of ``x``.

    Example:
        >>> float(mixture_pdf(0.0, means=[0.0], stds=1.0))  # 1 / sqrt(2 pi)
        0.3989422804014327
    """
    means, stds, weights = _mixture_parameters(means, stds, weights)
    x = np.asarray(x, dtype=np.float64)[..., None]
    z = (x - means) / stds
    return np.sum(weights * np.exp(-0.5 * z**2) / (stds * np.sqrt(2.0 * np.pi)), axis=-1)


def sample_mixture(num_samples: int, means: Sequence[float], stds: Sequence[float] | float,
                   weights: Sequence[float] | None = None, seed: int = 0) -> np.ndarray:
    """Draw samples from a 1-D Gaussian mixture (the density of :func:`mixture_pdf`).

    Args:
        num_samples: how many samples.
        means, stds, weights: as in :func:`mixture_pdf`.
        seed: seed of the NumPy generator.

    Returns:
        float32 array of shape ``(num_samples, 1)``.

    Example:
        >>> samples = sample_mixture(np.int64(1000), means=[-2.0, 2.0], stds=0.5, seed=0)
        >>> samples.shape, round(float(np.mean(samples < 0)), 1)
        ((1000, 1), 0.5)
    """
    num_samples = checks.positive_int(num_samples, "num_samples")
    seed = checks.integer(seed, "seed", minimum=0)
    means, stds, weights = _mixture_parameters(means, stds, weights)
    rng = np.random.default_rng(seed)
    component = rng.choice(means.size, size=num_samples, p=weights)
    samples = rng.normal(means[component], stds[component])
    return samples.astype(np.float32)[:, None]


def ring_centres(num_modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """Centres of the modes of the ring of Gaussians, evenly spaced on a circle.

    Args:
        num_modes: number of modes on the ring.
        radius: radius of the circle.

    Returns:
        float32 array of shape ``(num_modes, 2)``; the first centre is ``(radius, 0)``.

    Example:
        >>> centres = ring_centres(8, radius=2.0)
        >>> centres.shape, centres[0].tolist(), bool(np.allclose(np.linalg.norm(centres, axis=1), 2.0))
        ((8, 2), [2.0, 0.0], True)
    """
    num_modes = checks.positive_int(num_modes, "num_modes")
    radius = checks.number(radius, "radius", minimum=0, include_minimum=False)
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def sample_ring(num_samples: int, num_modes: int = 8, radius: float = 2.0, std: float = 0.05,
                seed: int = 0) -> np.ndarray:
    r"""Samples from an equal-weight mixture of isotropic Gaussians on a ring.

    .. math::
        p(x) = \frac{1}{K}\sum_{k=1}^{K} \mathcal{N}(x;\ c_k, \sigma^2 I), \quad
        c_k = r(\cos(2\pi k/K), \sin(2\pi k/K))

    Args:
        num_samples: how many samples.
        num_modes: number of modes :math:`K`.
        radius: radius :math:`r` of the ring.
        std: standard deviation :math:`\sigma` of each mode.
        seed: seed of the NumPy generator.

    Returns:
        float32 array of shape ``(num_samples, 2)``.

    Example:
        >>> sample_ring(5, seed=1).shape
        (5, 2)
    """
    num_samples = checks.positive_int(num_samples, "num_samples")
    std = checks.number(std, "std", minimum=0, include_minimum=False)
    seed = checks.integer(seed, "seed", minimum=0)
    centres = ring_centres(num_modes, radius)
    rng = np.random.default_rng(seed)
    mode = rng.integers(num_modes, size=num_samples)
    return (centres[mode] + rng.normal(0.0, std, size=(num_samples, 2))).astype(np.float32)
