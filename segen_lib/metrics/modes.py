r"""Mode coverage of a generator on a mixture with known centres.

Introduced in ``notebooks/03_gan_theory.ipynb`` (the ring of 8 Gaussians). The
protocol is that of the GAN literature on toy mixtures (Srivastava et al., VEEGAN, 2017;
Lin et al., PacGAN, 2018), with its three numbers:

- a generated sample is **high quality** when it lies within ``threshold`` (three
  standard deviations of a mode) of its nearest mode centre; the *share* of such samples
  measures quality;
- a mode is **captured** (covered) when it receives at least ``min_fraction`` of the
  samples as high-quality samples; the *number* of captured modes measures diversity;
- the **reverse KL** :math:`\mathrm{KL}(q \,\Vert\, p) = \sum_k q_k \log(q_k / p_k)`
  between the histogram :math:`q` of the high-quality samples over the modes and the
  data's own, uniform :math:`p_k = 1/K`, measures balance: 0 when every mode receives
  the same share, :math:`\log K` when one mode receives everything (2.08 for 8 modes).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from segen_lib import checks


class ModeCoverage(NamedTuple):
    """What :func:`count_modes` found."""

    modes_covered: int
    """Number of modes that received at least ``min_fraction`` of the samples."""
    high_quality_fraction: float
    """Fraction of samples within ``threshold`` of their nearest centre."""
    counts: np.ndarray
    """High-quality samples per mode, shape ``(num_modes,)``."""
    reverse_kl: float
    """KL(q || uniform) of the histogram ``q = counts / counts.sum()``, in nats: 0 to
    ``log(num_modes)``; ``inf`` when no sample is high quality."""


def count_modes(samples, centres, threshold: float, min_fraction: float = 0.01) -> ModeCoverage:
    r"""Count the modes a set of samples covers.

    Each sample is assigned to its nearest centre :math:`c_k`; it is high quality when
    :math:`\lVert x - c_k \rVert \le` ``threshold``. Mode :math:`k` is covered when at
    least ``min_fraction * len(samples)`` high-quality samples are assigned to it.

    Args:
        samples: generated points, shape ``(num_samples, dim)``.
        centres: mode centres, shape ``(num_modes, dim)``.
        threshold: distance under which a sample counts for its mode, e.g. ``3 * std``.
        min_fraction: share of all samples a mode needs to count as covered; with
            8 equal modes the data itself gives each mode 0.125.

    Returns:
        A :class:`ModeCoverage` ``(modes_covered, high_quality_fraction, counts,
        reverse_kl)``.

    Raises:
        ValueError: wrong shapes, NaN or infinite samples or centres, a threshold <= 0 or
            a ``min_fraction`` outside (0, 1].

    Example:
        >>> centres = np.array([[0.0, 0.0], [5.0, 0.0]])
        >>> result = count_modes(np.zeros((10, 2)), centres, threshold=0.1)
        >>> result.modes_covered, result.high_quality_fraction, round(result.reverse_kl, 4)  # log 2
        (1, 1.0, 0.6931)
    """
    samples = np.asarray(samples, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[0] == 0:
        raise ValueError(
            f"samples must have shape (num_samples, dim) with num_samples >= 1, "
            f"received shape {samples.shape}."
        )
    if centres.ndim != 2 or centres.shape[0] == 0 or centres.shape[1] != samples.shape[1]:
        raise ValueError(
            f"centres must have shape (num_modes, {samples.shape[1]}) to match samples, "
            f"received shape {centres.shape}."
        )
    checks.finite(samples, "samples")   # a NaN sample would silently count as no mode's
    checks.finite(centres, "centres")
    threshold = checks.number(threshold, "threshold", minimum=0, include_minimum=False)
    min_fraction = checks.number(min_fraction, "min_fraction", minimum=0, maximum=1,
                                 include_minimum=False)
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest = np.argmin(distances, axis=1)
    good = distances[np.arange(len(samples)), nearest] <= threshold
    counts = np.bincount(nearest[good], minlength=len(centres))
    covered = int(np.sum(counts >= min_fraction * len(samples)))
    return ModeCoverage(covered, float(np.mean(good)), counts, reverse_kl(counts))


def reverse_kl(counts) -> float:
    r"""KL(q || uniform) in nats of the histogram ``counts`` over ``K`` modes.

    :math:`\sum_k q_k \log(K q_k)` with :math:`q = \text{counts} / \sum \text{counts}`
    (terms with :math:`q_k = 0` are 0), as VEEGAN and PacGAN report it on toy mixtures.

    Raises:
        ValueError: not a 1-D array of counts >= 0.

    Example:
        >>> reverse_kl([5, 5, 5, 5]), round(reverse_kl([20, 0, 0, 0]), 4)   # 0 and log 4
        (0.0, 1.3863)
    """
    counts = checks.finite(np.asarray(counts, dtype=np.float64), "counts")
    if counts.ndim != 1 or not len(counts) or (counts < 0).any():
        raise ValueError(f"counts must be a 1-D array of counts >= 0, received {counts!r}.")
    total = counts.sum()
    if total == 0:
        return float("inf")
    q = counts[counts > 0] / total
    return float(max(np.sum(q * np.log(q * len(counts))), 0.0))
