"""segen_lib.metrics.count_modes: known counts, the quality fraction, clear errors."""

import numpy as np
import pytest

from segen_lib import metrics, synthetic


def test_real_ring_samples_cover_every_mode():
    samples = synthetic.sample_ring(4000, std=0.05, seed=1)
    result = metrics.count_modes(samples, synthetic.ring_centres(8, 2.0), threshold=3 * 0.05)
    assert result.modes_covered == 8
    assert result.high_quality_fraction > 0.98  # within 3 sigma in 2-D: 1 - exp(-4.5) = 0.989
    assert result.counts.shape == (8,) and result.counts.sum() == round(4000 * result.high_quality_fraction)


def test_collapsed_samples_cover_one_mode():
    centres = synthetic.ring_centres(8, 2.0)
    samples = np.repeat(centres[3:4], 100, axis=0) + 0.01
    result = metrics.count_modes(samples, centres, threshold=0.15)
    assert result.modes_covered == 1
    assert result.high_quality_fraction == 1.0
    assert result.counts.tolist() == [0, 0, 0, 100, 0, 0, 0, 0]


def test_samples_far_from_every_centre_are_low_quality_and_cover_nothing():
    centres = synthetic.ring_centres(8, 2.0)
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


@pytest.mark.parametrize("counts, expected", [
    ([5, 5, 5, 5, 5, 5, 5, 5], 0.0),                      # balanced: q = p
    ([40, 0, 0, 0, 0, 0, 0, 0], np.log(8)),               # one mode: log K
    ([3, 1, 0, 0], 0.75 * np.log(3) + 0.25 * np.log(1)),  # q = (3/4, 1/4, 0, 0), K = 4
    ([1, 1, 0, 0], np.log(2)),                            # half the modes, evenly: log(K / 2)
])
def test_reverse_kl_of_known_histograms(counts, expected):
    assert metrics.reverse_kl(counts) == pytest.approx(expected, abs=1e-12)


def test_reverse_kl_without_high_quality_samples_is_infinite_and_bad_counts_are_refused():
    assert metrics.reverse_kl([0, 0, 0]) == np.inf
    for bad in ([-1, 2], [[1, 2]], []):
        with pytest.raises(ValueError, match="counts must be a 1-D array of counts >= 0"):
            metrics.reverse_kl(bad)


def test_count_modes_reports_the_three_numbers_of_the_papers():
    centres = synthetic.ring_centres(8, 2.0)
    rng = np.random.default_rng(0)
    # 300 samples on modes 0 and 1 (200 and 100), 100 far from every mode
    samples = np.concatenate([centres[[0] * 200 + [1] * 100] + rng.normal(0, 0.01, (300, 2)),
                              np.zeros((100, 2))])
    result = metrics.count_modes(samples, centres, threshold=0.15)
    assert result.modes_covered == 2
    assert result.high_quality_fraction == pytest.approx(0.75)
    assert result.reverse_kl == pytest.approx((2 / 3) * np.log(8 * 2 / 3) + (1 / 3) * np.log(8 / 3))


def test_mode_counts_refuse_nan_samples():
    samples = np.zeros((10, 2))
    samples[4] = np.nan   # a diverged generator: not "a sample far from every mode"
    with pytest.raises(ValueError, match="samples holds 2 NaN"):
        metrics.count_modes(samples, synthetic.ring_centres(8), threshold=0.1)
