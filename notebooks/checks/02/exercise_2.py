"""Chapter 02, exercise 2: the metrics of a model that predicts background everywhere."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


@test_case(points=1, failure_message="background_accuracy: pass test_masks and an all-background prediction "
           "(np.zeros_like(test_masks)) with 11 classes to metrics.segmentation_report and read "
           "report[\"mean\"][\"pixel_accuracy\"]. Did you predict it from the class shares first?")
def test_accuracy(env):
    import numbers

    import numpy as np

    masks = env["test_masks"]
    assert isinstance(env.get("background_accuracy"), numbers.Real), "background_accuracy is not a number yet"
    assert np.isclose(env["background_accuracy"], np.mean(masks == 0))


@test_case(points=1, failure_message="background_miou: the same report's report[\"mean\"][\"iou\"]. The mean is over "
           "the classes present in the masks or the prediction: what is the IoU of the background, and of a digit "
           "that is never predicted?")
def test_mean_iou(env):
    import numbers

    import numpy as np

    masks = env["test_masks"]
    present = len(np.unique(masks))
    assert isinstance(env.get("background_miou"), numbers.Real), "background_miou is not a number yet"
    assert np.isclose(env["background_miou"], np.mean(masks == 0) / present)
