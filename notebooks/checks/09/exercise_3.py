"""Chapter 09, exercise 3: the border a 10 % shift invents, and what plain Keras would label it."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 3


@test_case(points=1, failure_message="filled_share: the share of the pixels of shift_masks that the shift "
           "invented: TrainingPairs gives them the ignore label, label_spaces.IGNORE_LABEL.")
def test_filled(env):
    import numbers

    import numpy as np
    from segen_lib import label_spaces

    assert isinstance(env.get("filled_share"), numbers.Real), "filled_share is not a number yet"
    assert np.isclose(env["filled_share"], np.mean(env["shift_masks"] == label_spaces.IGNORE_LABEL))


@test_case(points=1, failure_message="road_share_of_filled: plain Keras fills the mask with the constant 0. "
           "Which class has train id 0 (label_spaces.CITYSCAPES_CLASS_NAMES), and what share of the filled "
           "pixels would get it?")
def test_road_share_of_filled(env):
    import numbers

    import numpy as np
    from segen_lib import label_spaces

    assert isinstance(env.get("road_share_of_filled"), numbers.Real), "road_share_of_filled is not a number yet"
    fill = np.zeros(1, np.uint8)            # what plain Keras writes into an invented mask pixel
    expected = np.mean(fill == label_spaces.CITYSCAPES_CLASS_NAMES.index("road"))
    assert np.isclose(env["road_share_of_filled"], expected)


@test_case(points=1, failure_message="true_road_share: the share of the labelled masks' pixels (masks) that are "
           "road, train id 0, to compare with.")
def test_true_road_share(env):
    import numbers

    import numpy as np

    assert isinstance(env.get("true_road_share"), numbers.Real), "true_road_share is not a number yet"
    assert np.isclose(env["true_road_share"], np.mean(env["masks"] == 0))
