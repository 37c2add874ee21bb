"""Chapter 12, exercise 2: the correlation between x_0 and x_t, predicted from alpha_bar_t and measured."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


def _steps(env):
    return {env["num_steps"] // 2, env["num_steps"] - 1}


def _correlation(env, t):
    """corr(x_0, x_t) over the images `flat`, from the closed form of the forward process."""
    import numpy as np

    a, variance = env["schedule"].alpha_bars[t], env["flat"].var()
    return np.sqrt(a) * variance / np.sqrt(variance * (a * variance + 1 - a))


@test_case(points=1, failure_message="predicted[t]: write x_t = √ā·x_0 + √(1−ā)·ε, with ε of variance 1 and "
           "independent of x_0; the correlation is cov(x_0, x_t) / (std(x_0)·std(x_t)). Use ā = "
           "schedule.alpha_bars[t] and var(x_0) = flat.var().")
def test_predicted(env):
    predicted = env.get("predicted")
    assert isinstance(predicted, dict) and set(predicted) == _steps(env), \
        "predicted is not filled yet: one value for t = num_steps // 2 and one for t = num_steps - 1"
    for t, value in predicted.items():
        expected = _correlation(env, t)
        assert abs(value - expected) <= 1e-5 * abs(expected), f"t = {t}"


@test_case(points=1, failure_message="measured[t]: noise `flat` to step t in one draw (schedule.add_noise(flat, "
           "np.full(len(flat), t), noise) with standard normal noise of flat's shape), then np.corrcoef of the "
           "two, flattened with .ravel(); take the [0, 1] entry. It should come close to the prediction.")
def test_measured(env):
    measured = env.get("measured")
    assert isinstance(measured, dict) and set(measured) == _steps(env), \
        "measured is not filled yet: one value for t = num_steps // 2 and one for t = num_steps - 1"
    for t, value in measured.items():   # a sample of one noise draw: within 0.02 of the closed form
        assert abs(value - _correlation(env, t)) < 0.02, f"t = {t}: measured {value:.4f}"
