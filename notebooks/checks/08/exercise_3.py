"""Chapter 08, exercise 3: the FCN-score of real scenes at night."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 1


@test_case(points=1, failure_message="night_iou: metrics.fcn_score of the night scenes against night_maps, its "
           "['mean']['iou']. fcn_score takes scenes in [-1, 1], as the generator draws them; real scenes in "
           "[0, 1] become x * 2 - 1.")
def test_night_iou(env):
    import numbers

    import numpy as np
    from segen_lib import metrics

    assert isinstance(env.get("night_iou"), numbers.Real), "night_iou is not a number yet"
    expected = metrics.fcn_score(env["night_scenes"] * 2 - 1, env["night_maps"])["mean"]["iou"]
    assert np.isclose(env["night_iou"], expected, atol=1e-6)
