"""Chapter 07, exercise 2: min_distance chosen on the validation quadrant, then scored once on the test quadrant."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 4

CANDIDATES = (3, 5, 8, 12)


@test_case(points=1, failure_message="validation_dsb: a dict {min_distance: DSB score} for 3, 5, 8 and 12. For "
           "each, split validation_mask with medical.watershed_instances (that min_distance, the chapter's "
           "min_size) and score the objects against validation_truth with metrics.dsb_score.")
def test_validation_dsb(env):
    import numpy as np
    from segen_lib import medical, metrics

    scores = env.get("validation_dsb")
    assert isinstance(scores, dict) and set(scores) == set(CANDIDATES), \
        "validation_dsb is not a dict with the keys 3, 5, 8 and 12 yet"
    for candidate in CANDIDATES:
        labels = medical.watershed_instances(env["validation_mask"], min_distance=candidate, min_size=env["min_size"])
        expected = metrics.dsb_score(env["validation_truth"], labels)
        assert np.isclose(scores[candidate], expected), f"min_distance {candidate}"


@test_case(points=1, failure_message="chosen: the min_distance with the highest validation DSB score (a key of "
           "validation_dsb, chosen without looking at the test quadrant).")
def test_chosen(env):
    scores = env.get("validation_dsb")
    assert isinstance(scores, dict) and scores, "validation_dsb is not a dict of scores yet"
    assert env.get("chosen") in scores, "chosen is not one of the candidates yet"
    assert scores[env["chosen"]] == max(scores.values())


@test_case(points=1, failure_message="test_score: the DSB score on the test quadrant (test_nuclei) of the "
           "watershed of unet_mask with min_distance=chosen and the chapter's min_size.")
def test_test_score(env):
    import numbers

    import numpy as np
    from segen_lib import medical, metrics

    assert env.get("chosen") in CANDIDATES, "chosen is not one of the candidates yet"
    assert isinstance(env.get("test_score"), numbers.Real), "test_score is not a number yet"
    labels = medical.watershed_instances(env["unet_mask"], min_distance=env["chosen"], min_size=env["min_size"])
    assert np.isclose(env["test_score"], metrics.dsb_score(env["test_nuclei"], labels))


@test_case(points=1, failure_message="test_is_held_out: True or False. A held-out score estimates how the "
           "pipeline does on unseen data only if nothing was decided after looking at that data. Was the test "
           "quadrant scored before, with another min_distance?")
def test_held_out(env):
    import numpy as np

    answer = env.get("test_is_held_out")
    assert isinstance(answer, (bool, np.bool_)), "test_is_held_out is not True or False yet"
    assert not answer
