"""Chapter 04, exercise 1: the generator's gradient per fake logit under the saturating and non-saturating losses."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


@test_case(points=1, failure_message="grad_saturating and grad_non_saturating: for each loss, evaluate it at "
           "logits + h and at logits - h and divide the difference by 2h (NumPy works on all logits at once); "
           "sigmoid(l) is 1 / (1 + exp(-l)).")
def test_gradients(env):
    import numpy as np

    logits = np.asarray(env["logits"], dtype="float64")
    sigma = 1 / (1 + np.exp(-logits))
    for key in ("grad_saturating", "grad_non_saturating"):
        value = env.get(key)
        assert isinstance(value, np.ndarray) and value.shape == logits.shape, \
            f"{key} is not an array with one value per logit yet"
    # chapter 03's derivatives: d/dl log(1 - sigmoid(l)) = -sigmoid(l), d/dl -log(sigmoid(l)) = sigmoid(l) - 1
    np.testing.assert_allclose(env["grad_saturating"], -sigma, atol=1e-5)
    np.testing.assert_allclose(env["grad_non_saturating"], sigma - 1, atol=1e-5)


@test_case(points=1, failure_message="threshold: compare the sizes of the two gradients as functions of "
           "D(G(z)) = sigmoid(l) (chapter 03 gives both in terms of it): at which D(G(z)) are they equal?")
def test_threshold(env):
    from scipy.optimize import brentq

    threshold = env.get("threshold")
    assert isinstance(threshold, (int, float)) and not isinstance(threshold, bool), "threshold is not a number yet"
    expected = brentq(lambda d: abs(-d) - abs(d - 1), 0, 1)   # where |saturating| = |non-saturating|
    assert abs(threshold - expected) < 1e-6
