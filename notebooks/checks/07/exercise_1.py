"""Chapter 07, exercise 1: the pipeline closest to the true count, and the objects its count hides."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 3


@test_case(points=1, failure_message="closest: the name (a key of scores) whose count_error is smallest in "
           "absolute value; min over the dict with a key function does it.")
def test_closest(env):
    scores = env["scores"]
    assert env.get("closest") in scores, "closest is not one of the pipelines in scores yet"
    smallest = min(abs(report["count_error"]) for report in scores.values())
    assert abs(scores[env["closest"]]["count_error"]) == smallest


@test_case(points=1, failure_message="closest_is_best: True or False, whether closest is also the pipeline with "
           "the highest DSB score (section 6 calls that one best).")
def test_closest_is_best(env):
    import numpy as np

    scores, closest, answer = env["scores"], env.get("closest"), env.get("closest_is_best")
    assert isinstance(answer, (bool, np.bool_)), "closest_is_best is not True or False yet"
    assert closest in scores, "closest is not one of the pipelines in scores yet"
    highest = max(report["dsb_score"] for report in scores.values())
    assert bool(answer) == (scores[closest]["dsb_score"] == highest)


@test_case(points=1, failure_message="hidden_errors: the wrong objects of closest's pipeline at IoU 0.5, false "
           "positives plus false negatives; instance_report keeps both counts (its keys ending in 50).")
def test_hidden_errors(env):
    import numbers

    scores, closest, hidden = env["scores"], env.get("closest"), env.get("hidden_errors")
    assert isinstance(hidden, numbers.Integral), "hidden_errors is not a whole number yet"
    assert closest in scores, "closest is not one of the pipelines in scores yet"
    assert hidden == scores[closest]["fp50"] + scores[closest]["fn50"]
