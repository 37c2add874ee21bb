"""Chapter 09, exercise 4: pix2pix's FCN-score on its own training maps against new layouts."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 3


@test_case(points=1, failure_message="seen_iou: translate the 20 labelled maps (masks) with pix2pix and score the "
           "scenes with metrics.fcn_score against the same maps; keep ['mean']['iou']. translate draws in "
           "[-1, 1], which fcn_score takes as it is.")
def test_seen(env):
    import numbers

    import numpy as np
    from segen_lib import metrics

    assert isinstance(env.get("seen_iou"), numbers.Real), "seen_iou is not a number yet"
    expected = metrics.fcn_score(env["pix2pix"].translate(env["masks"]), env["masks"])["mean"]["iou"]
    assert np.isclose(env["seen_iou"], expected, atol=5e-3)


@test_case(points=1, failure_message="new_iou: the same score for the scenes drawn for the new layouts of "
           "section 4 (drawn, in [0, 1]: fcn_score wants x * 2 - 1) against layouts.")
def test_new(env):
    import numbers

    import numpy as np
    from segen_lib import metrics

    assert isinstance(env.get("new_iou"), numbers.Real), "new_iou is not a number yet"
    expected = metrics.fcn_score(env["drawn"] * 2 - 1, env["layouts"])["mean"]["iou"]
    assert np.isclose(env["new_iou"], expected, atol=5e-3)


@test_case(points=1, failure_message="seen_gap: how much higher the score on the training maps is: seen_iou "
           "minus new_iou.")
def test_gap(env):
    import numbers

    import numpy as np

    values = [env.get(name) for name in ("seen_iou", "new_iou", "seen_gap")]
    assert all(isinstance(v, numbers.Real) for v in values), "seen_iou, new_iou and seen_gap are not all numbers yet"
    assert np.isclose(values[2], values[0] - values[1])
