"""Chapter 03, exercise 1: C(G) for p_data = N(0, 1) and p_g = N(0, σ²), and its minimum."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2

SIGMAS = [0.25, 0.5, 1.0, 2.0, 4.0]


def _expected():
    # C(G) = -log 4 + 2 JSD (section 3), with SciPy's jensenshannon (the square root of the JSD)
    import numpy as np
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import norm

    grid = np.linspace(-30, 30, 60_001)
    return np.array([-np.log(4) + 2 * jensenshannon(norm.pdf(grid), norm.pdf(grid, scale=s)) ** 2 for s in SIGMAS])


@test_case(points=1, failure_message="c_values: one C(G) per σ of sigmas, in order: c_of_g(p, q, grid) with "
           "p = normal(grid, 0, 1), the data, and q = normal(grid, 0, σ), the generator (normal takes the standard "
           "deviation σ, not the variance).")
def test_values(env):
    import numpy as np

    values = env.get("c_values")
    assert isinstance(values, (list, tuple, np.ndarray)) and len(values) == len(SIGMAS), \
        "c_values is not a list of 5 numbers yet"
    assert np.allclose(np.asarray(values, dtype=float), _expected(), atol=1e-4)


@test_case(points=1, failure_message="best_sigma and best_c: the σ whose C(G) is the smallest (np.argmin gives "
           "its position in sigmas) and that smallest value. Compare it with -log 4, C(G) when p_g = p_data.")
def test_minimum(env):
    import numbers

    import numpy as np

    expected = _expected()
    assert isinstance(env.get("best_sigma"), numbers.Real), "best_sigma is not a number yet"
    assert isinstance(env.get("best_c"), numbers.Real), "best_c is not a number yet"
    assert env["best_sigma"] == SIGMAS[int(np.argmin(expected))]
    assert np.isclose(env["best_c"], expected.min(), atol=1e-4)
