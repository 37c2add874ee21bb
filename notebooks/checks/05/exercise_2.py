"""Chapter 05, exercise 2: the gradient penalty of linear critics with three slopes."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


@test_case(points=1, failure_message="penalties: for each slope, a critic like linear_critic of section 2 but with "
           "the weights slope * direction; pass it to losses.gradient_penalty with x_train[:8], noise_images and "
           "seed=0, and keep the three values in slopes' order (float() each).")
def test_penalties(env):
    import numpy as np
    from keras import ops
    from segen_lib import losses

    penalties = env.get("penalties")
    assert isinstance(penalties, (list, tuple, np.ndarray)) and np.shape(penalties) == (3,), \
        "penalties is not three values yet"
    direction = np.asarray(env["w"]) / np.linalg.norm(env["w"])
    for slope, value in zip((0.5, 1.0, 2.0), penalties):
        weights = (slope * direction).astype("float32")
        expected = float(losses.gradient_penalty(lambda x: ops.matmul(ops.reshape(x, (-1, 28 * 28)), weights),
                                                 env["x_train"][:8], env["noise_images"], seed=0))
        assert abs(float(value) - expected) < 1e-4, (slope, value)


@test_case(points=1, failure_message="free_slope: the slope whose penalty is (close to) zero. The penalty is "
           "(||w|| - 1)²: which norm makes it vanish?")
def test_free_slope(env):
    slopes = (0.5, 1.0, 2.0)
    free_slope = env.get("free_slope")
    assert free_slope in slopes, "free_slope is not one of the slopes yet"
    assert free_slope == min(slopes, key=lambda s: (s - 1) ** 2)
