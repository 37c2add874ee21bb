"""Chapter 03, exercise 3: the JSD of two overlapping Gaussians as they move apart, and its slope."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 2


def _expected(thetas):
    # JSD = (KL(p || m) + KL(q || m)) / 2 with m = (p + q) / 2, integrated on the chapter's grid
    import numpy as np
    from scipy.stats import norm

    grid = np.linspace(-30, 30, 60_001)
    p = norm.pdf(grid)
    values = []
    for theta in thetas:
        q = norm.pdf(grid, loc=theta)
        p_, q_ = p / p.sum(), q / q.sum()
        m = (p_ + q_) / 2
        kl = lambda a: np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / m), 0.0))
        values.append((kl(p_) + kl(q_)) / 2)
    return np.array(values)


@test_case(points=1, failure_message="jsd_gauss: for each θ of thetas, the JSD of normal(grid, 0, 1) and "
           "normal(grid, θ, 1); SciPy's jensenshannon returns its square root, so square it (as section 3 does).")
def test_jsd(env):
    import numpy as np

    thetas, jsd = env["thetas"], env.get("jsd_gauss")
    assert isinstance(jsd, np.ndarray) and jsd.shape == thetas.shape, "jsd_gauss is not one value per θ yet"
    assert np.allclose(jsd, _expected(thetas), atol=1e-7)


@test_case(points=1, failure_message="slope_at_10: np.gradient(jsd_gauss, thetas) gives the slope at every θ; take "
           "the one at the θ nearest 10 (np.argmin of |thetas - 10|). Is it exactly 0?")
def test_slope(env):
    import numbers

    import numpy as np

    thetas = env["thetas"]
    expected = np.gradient(_expected(thetas), thetas)[np.argmin(np.abs(thetas - 10))]
    assert isinstance(env.get("slope_at_10"), numbers.Real), "slope_at_10 is not a number yet"
    assert np.isclose(env["slope_at_10"], expected, rtol=1e-3, atol=1e-9)
