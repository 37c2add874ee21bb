"""Chapter 08, exercise 4: the adversarial term against lambda × L1 at the end of training."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 3


@test_case(points=1, failure_message="adversarial_term: the last value of the generator's adversarial loss; "
           "history.history holds one list per logged loss (see the training curves of section 4).")
def test_adversarial(env):
    import numbers

    import numpy as np

    assert isinstance(env.get("adversarial_term"), numbers.Real), "adversarial_term is not a number yet"
    assert np.isclose(env["adversarial_term"], env["history"].history["g_gan"][-1])


@test_case(points=1, failure_message="weighted_l1_term: the last logged L1 term times l1_weight, the lambda that "
           "multiplies it in the generator's loss.")
def test_weighted_l1(env):
    import numbers

    import numpy as np

    assert isinstance(env.get("weighted_l1_term"), numbers.Real), "weighted_l1_term is not a number yet"
    assert np.isclose(env["weighted_l1_term"], env["l1_weight"] * env["history"].history["g_l1"][-1])


@test_case(points=1, failure_message="larger_term: \"L1\" or \"adversarial\", whichever of your two terms is "
           "larger: the generator's gradient mostly follows it.")
def test_larger(env):
    history = env["history"].history
    expected = "L1" if env["l1_weight"] * history["g_l1"][-1] > history["g_gan"][-1] else "adversarial"
    assert env.get("larger_term") in ("L1", "adversarial"), "larger_term is not \"L1\" or \"adversarial\" yet"
    assert env["larger_term"] == expected
