"""Chapter 08, exercise 4: the value of each term of pix2pix's objective against the size of its gradient."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 4


def _terms(env):
    """The two terms as functions of the scenes, and the scenes, computed from the notebook's names."""
    from keras import ops

    x4, y4, discriminator = env["x4"], env["y4"], env["pix2pix"].discriminator
    adversarial = lambda images: -ops.mean(discriminator([x4, images]))  # noqa: E731
    weighted_l1 = lambda images: env["l1_weight"] * ops.mean(ops.abs(y4 - images))  # noqa: E731
    return adversarial, weighted_l1, env["fake4"]


def _number(env, key):
    import numbers

    assert isinstance(env.get(key), numbers.Real), f"{key} is not a number yet"
    return env[key]


@test_case(points=1, failure_message="adversarial_value: the generator's adversarial term at fake4, minus the mean "
           "of the discriminator's logits for the pairs [x4, fake4] (call pix2pix.discriminator in inference mode).")
def test_adversarial_value(env):
    import numpy as np

    adversarial, _, fake4 = _terms(env)
    assert np.isclose(_number(env, "adversarial_value"), float(adversarial(fake4)), rtol=1e-4, atol=1e-6)


@test_case(points=1, failure_message="weighted_l1_value: l1_weight times the mean absolute difference between y4 "
           "and fake4.")
def test_weighted_l1_value(env):
    import numpy as np

    _, weighted_l1, fake4 = _terms(env)
    assert np.isclose(_number(env, "weighted_l1_value"), float(weighted_l1(fake4)), rtol=1e-4)


@test_case(points=1, failure_message="adversarial_gradient: gradient_norm of your adversarial function (of the "
           "scenes) at fake4.")
def test_adversarial_gradient(env):
    import numpy as np

    adversarial, _, fake4 = _terms(env)
    expected = env["gradient_norm"](adversarial, fake4)
    assert np.isclose(_number(env, "adversarial_gradient"), expected, rtol=1e-3, atol=1e-9)


@test_case(points=1, failure_message="weighted_l1_gradient: gradient_norm of your weighted L1 function (of the "
           "scenes) at fake4.")
def test_weighted_l1_gradient(env):
    import numpy as np

    _, weighted_l1, fake4 = _terms(env)
    expected = env["gradient_norm"](weighted_l1, fake4)
    assert np.isclose(_number(env, "weighted_l1_gradient"), expected, rtol=1e-3)
