"""segen_lib.metrics.count_modes: known counts, the quality fraction, clear errors."""

import numpy as np
import pytest

from segen_lib import data, metrics


def test_real_ring_samples_cover_every_mode():
    samples = data.sample_ring(4000, std=0.05, seed=1)
    result = metrics.count_modes(samples, data.ring_centres(8, 2.0), threshold=3 * 0.05)
    assert result.modes_covered == 8
    assert result.high_quality_fraction > 0.98  # within 3 sigma in 2-D: 1 - exp(-4.5) = 0.989
    assert result.counts.shape == (8,) and result.counts.sum() == round(4000 * result.high_quality_fraction)


def test_collapsed_samples_cover_one_mode():
    centres = data.ring_centres(8, 2.0)
    samples = np.repeat(centres[3:4], 100, axis=0) + 0.01
    result = metrics.count_modes(samples, centres, threshold=0.15)
    assert result.modes_covered == 1
    assert result.high_quality_fraction == 1.0
    assert result.counts.tolist() == [0, 0, 0, 100, 0, 0, 0, 0]


def test_samples_far_from_every_centre_are_low_quality_and_cover_nothing():
    centres = data.ring_centres(8, 2.0)
    result = metrics.count_modes(np.zeros((50, 2)), centres, threshold=0.15)  # the ring's centre
    assert result.modes_covered == 0 and result.high_quality_fraction == 0.0


def test_min_fraction_decides_when_a_mode_counts():
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.0, 0.0]] * 95 + [[10.0, 0.0]] * 5)
    assert metrics.count_modes(samples, centres, threshold=1.0, min_fraction=0.05).modes_covered == 2
    assert metrics.count_modes(samples, centres, threshold=1.0, min_fraction=0.06).modes_covered == 1


@pytest.mark.parametrize("samples, centres, threshold, min_fraction, message", [
    (np.zeros((0, 2)), np.zeros((8, 2)), 0.1, 0.01, r"samples must have shape \(num_samples, dim\)"),
    (np.zeros(5), np.zeros((8, 2)), 0.1, 0.01, r"received shape \(5,\)"),
    (np.zeros((5, 2)), np.zeros((8, 3)), 0.1, 0.01, r"centres must have shape \(num_modes, 2\)"),
    (np.zeros((5, 2)), np.zeros((8, 2)), 0.0, 0.01, r"threshold must be a number in \(0, inf\], received 0.0"),
    (np.zeros((5, 2)), np.zeros((8, 2)), "1", 0.01, r"threshold must be a number in \(0, inf\], received '1'"),
    (np.zeros((5, 2)), np.zeros((8, 2)), 0.1, 1.5, r"min_fraction must be a number in \(0, 1\], received 1.5"),
    (np.zeros((5, 2)), np.zeros((8, 2)), 0.1, 0, r"min_fraction must be a number in \(0, 1\], received 0"),
])
def test_bad_arguments_are_clear_errors(samples, centres, threshold, min_fraction, message):
    with pytest.raises(ValueError, match=message):
        metrics.count_modes(samples, centres, threshold, min_fraction)
