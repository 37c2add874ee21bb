"""segen_lib.synthetic.toy: exact densities, seeded samplers, ring geometry, clear errors."""

import keras
import numpy as np
import pytest
from keras import ops
from scipy import integrate, stats

from segen_lib import synthetic


def test_mixture_pdf_matches_scipy_and_integrates_to_one():
    x = np.linspace(-10, 10, 2001)
    pdf = synthetic.mixture_pdf(x, means=[-2.0, 1.0], stds=[0.5, 1.5], weights=[0.3, 0.7])
    expected = 0.3 * stats.norm.pdf(x, -2.0, 0.5) + 0.7 * stats.norm.pdf(x, 1.0, 1.5)
    np.testing.assert_allclose(pdf, expected, rtol=1e-12)
    assert integrate.trapezoid(pdf, x) == pytest.approx(1.0, abs=1e-6)


def test_mixture_pdf_keeps_the_shape_of_x_and_defaults_to_equal_weights():
    x = np.zeros((3, 4))
    assert synthetic.mixture_pdf(x, means=[-1.0, 1.0], stds=1.0).shape == (3, 4)
    assert synthetic.mixture_pdf(0.0, means=[-1.0, 1.0], stds=1.0) == pytest.approx(stats.norm.pdf(1.0))


def test_sample_mixture_is_seeded_and_follows_the_density():
    a = synthetic.sample_mixture(20000, means=[-2.0, 2.0], stds=0.5, weights=[0.25, 0.75], seed=3)
    b = synthetic.sample_mixture(20000, means=[-2.0, 2.0], stds=0.5, weights=[0.25, 0.75], seed=3)
    assert a.shape == (20000, 1) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, synthetic.sample_mixture(20000, [-2.0, 2.0], 0.5, [0.25, 0.75], seed=4))
    assert np.mean(a < 0) == pytest.approx(0.25, abs=0.01)
    assert np.mean(a) == pytest.approx(0.25 * -2 + 0.75 * 2, abs=0.03)


def test_numpy_integers_are_accepted_as_counts():
    assert synthetic.sample_mixture(np.int64(4), means=[0.0], stds=1.0, seed=np.int64(1)).shape == (4, 1)
    assert synthetic.ring_centres(np.int32(6)).shape == (6, 2)
    assert synthetic.sample_ring(np.int64(5), num_modes=np.int64(3), seed=np.uint16(2)).shape == (5, 2)


def test_ring_centres_lie_on_the_circle_evenly_spaced():
    centres = synthetic.ring_centres(8, radius=2.0)
    assert centres.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0, rtol=1e-6)
    np.testing.assert_allclose(centres[0], [2.0, 0.0], atol=1e-6)
    gaps = np.linalg.norm(centres - np.roll(centres, 1, axis=0), axis=1)
    np.testing.assert_allclose(gaps, 2 * 2.0 * np.sin(np.pi / 8), rtol=1e-5)


def test_sample_ring_covers_every_mode_equally_and_is_seeded():
    samples = synthetic.sample_ring(8000, num_modes=8, radius=2.0, std=0.05, seed=0)
    assert samples.shape == (8000, 2) and samples.dtype == np.float32
    np.testing.assert_array_equal(samples, synthetic.sample_ring(8000, std=0.05, seed=0))
    centres = synthetic.ring_centres(8, 2.0)
    distances = np.linalg.norm(samples[:, None] - centres[None], axis=-1)
    counts = np.bincount(distances.argmin(axis=1), minlength=8)
    assert counts.min() > 0.1 * 8000 and counts.max() < 0.15 * 8000
    assert np.std(samples - centres[distances.argmin(axis=1)]) == pytest.approx(0.05, rel=0.05)


@pytest.mark.parametrize("call, message", [
    (lambda: synthetic.mixture_pdf(0.0, means=[0.0, 1.0], stds=[1.0, 1.0, 1.0]), "one per mean"),
    (lambda: synthetic.mixture_pdf(0.0, means=[0.0], stds=0.0), "stds must all be > 0"),
    (lambda: synthetic.mixture_pdf(0.0, means=[0.0, 1.0], stds=1.0, weights=[0.5, 0.6]), "sum to 1"),
    (lambda: synthetic.mixture_pdf(0.0, means=[], stds=1.0), "non-empty"),
    (lambda: synthetic.sample_mixture(0, means=[0.0], stds=1.0), "num_samples must be an integer >= 1, received 0"),
    (lambda: synthetic.sample_mixture(5.0, means=[0.0], stds=1.0), "num_samples must be an integer >= 1, received 5.0"),
    (lambda: synthetic.sample_mixture(5, means=[0.0], stds=1.0, seed=-2), "seed must be an integer >= 0, received -2"),
    (lambda: synthetic.ring_centres(0), "num_modes must be an integer >= 1, received 0"),
    (lambda: synthetic.ring_centres(True), "num_modes must be an integer >= 1, received True"),
    (lambda: synthetic.ring_centres(8, radius=-1.0), r"radius must be a number in \(0, inf\], received -1.0"),
    (lambda: synthetic.ring_centres(8, radius=0), r"radius must be a number in \(0, inf\], received 0"),
    (lambda: synthetic.sample_ring(10, std=0.0), r"std must be a number in \(0, inf\], received 0.0"),
    (lambda: synthetic.sample_ring(10, std=float("inf")), r"std must be a number in \(0, inf\], received inf"),
    (lambda: synthetic.sample_ring("10"), "num_samples must be an integer >= 1, received '10'"),
])
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_chapter_03_train_on_batch_steps_see_new_batches(recording_model):
    """Chapter 03's GAN loop: each step trains on `sample_data(batch_size, seed=rng.integers(2**31))`.

    Under the global seed of runtime.setup, a model that records its rows (tests/conftest.py)
    sees a new batch at every step.
    """
    seen = []
    for sample_data in (lambda n, seed: synthetic.sample_ring(n, std=0.05, seed=seed),
                        lambda n, seed: synthetic.sample_mixture(n, means=[-1.5, 1.5], stds=0.5, seed=seed)):
        keras.utils.set_random_seed(0)
        model = recording_model(batch_size=16)
        rng = np.random.default_rng(0)                            # train_gan(..., seed=0)
        for _step in range(2):
            batch = sample_data(16, seed=int(rng.integers(2**31)))
            model.train_on_batch(batch, np.zeros((16, 1), "float32"))
            seen.append(ops.convert_to_numpy(model.row_sums).copy())
            np.testing.assert_allclose(seen[-1], batch.sum(axis=1), rtol=1e-6)  # it trained on that batch
    assert not np.allclose(seen[0], seen[1]) and not np.allclose(seen[2], seen[3])
