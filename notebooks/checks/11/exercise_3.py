"""Chapter 11, exercise 3: the linear scaling rule, from one device to 8 GPUs of 16 images."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 2


@test_case(points=1, failure_message="rate_8: the linear scaling rule keeps the learning rate per image: multiply "
           "3e-3 by the ratio of the new global batch (8 GPUs × 16 images) to the old one (16).")
def test_rate(env):
    import numpy as np

    rate = env.get("rate_8")
    assert isinstance(rate, (float, np.floating)), "rate_8 is not a number yet"
    expected = 3e-3 * (8 * 16) / 16   # the same rate per image
    assert np.isclose(rate, expected, rtol=1e-9, atol=0)


@test_case(points=1, failure_message="steps_8: an epoch of 1,024 images takes 1,024 divided by the global batch "
           "steps (an int: use //); the global batch is what all 8 GPUs see in one step.")
def test_steps(env):
    steps = env.get("steps_8")
    assert isinstance(steps, int), "steps_8 is not an integer yet"
    expected = 1024 // (8 * 16)
    assert steps == expected
