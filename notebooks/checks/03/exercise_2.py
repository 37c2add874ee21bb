"""Chapter 03, exercise 2: D* maximises V(D, G); perturbed discriminators do worse."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 3


def _v(d, p, q, grid):
    # V(D, G) = ∫ p log D + q log(1 - D) dx, trapezoid rule, 0 log 0 = 0
    import numpy as np

    integrand = np.where(p > 0, p * np.log(np.where(p > 0, d, 1.0)), 0.0) + \
        np.where(q > 0, q * np.log(np.where(q > 0, 1 - d, 1.0)), 0.0)
    return float(np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(grid)))


@test_case(points=1, failure_message="v_of_d(d, p, q, grid): integrate p·log d + q·log(1 − d) over the grid with "
           "integrate.trapezoid; special.xlogy(a, b) computes a·log b with 0 log 0 = 0.")
def test_v_of_d(env):
    import numpy as np

    v_of_d = env.get("v_of_d")
    assert callable(v_of_d), "v_of_d is not a function yet"
    grid = np.linspace(-3, 3, 301)
    p, q = np.exp(-grid ** 2 / 2), np.exp(-(grid - 1) ** 2 / 2)
    for d in [np.full_like(grid, 0.5), 1 / (1 + np.exp(-grid))]:
        assert np.isclose(float(v_of_d(d, p, q, grid)), _v(d, p, q, grid), rtol=1e-6)


@test_case(points=1, failure_message="best: V(D*, G) with section 2's d_star, p_data and p_g, on its grid x. "
           "others: five values of V, each for d_star plus random noise (rng.normal), clipped into (0, 1) with "
           "np.clip so that the logarithms stay finite.")
def test_values(env):
    import numbers

    import numpy as np

    best, others = env.get("best"), env.get("others")
    assert isinstance(best, numbers.Real), "best is not a number yet"
    assert np.isclose(best, _v(env["d_star"], env["p_data"], env["p_g"], env["x"]), rtol=1e-6)
    assert isinstance(others, (list, tuple, np.ndarray)) and len(others) == 5, "others is not a list of 5 values yet"
    assert np.all(np.isfinite(others)) and len(set(np.round(others, 10))) == 5, "five different finite values"


@test_case(points=1, failure_message="all_below: True when every value of others is smaller than best "
           "(Python's all() over the comparisons), else False.")
def test_all_below(env):
    import numpy as np

    assert isinstance(env.get("all_below"), (bool, np.bool_)), "all_below is not True or False yet"
    assert env["all_below"] == all(value < env["best"] for value in env["others"])
