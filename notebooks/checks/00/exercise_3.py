"""Chapter 00, exercise 3: the share of air in the chest CT slice, and the average size of a nucleus."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 2


@test_case(points=1, failure_message="air_fraction: compare slices[\"ct_chest\"] (Hounsfield units) with -500 and "
           "take the share of True over all pixels, a number between 0 and 1 (not a percentage).")
def test_air_fraction(env):
    import numbers

    import numpy as np
    from segen_lib import datasets

    assert isinstance(env.get("air_fraction"), numbers.Real), "air_fraction is not a number yet"
    assert np.isclose(env["air_fraction"], np.mean(datasets.load_medical_slices()["ct_chest"] < -500))


@test_case(points=1, failure_message="mean_nucleus_pixels: count the pixels of each nucleus label in instances "
           "(np.bincount of the flattened array counts every label), leave out label 0, the background, and "
           "labels that do not occur, then average. Equivalently: foreground pixels divided by the number of nuclei.")
def test_mean_nucleus_pixels(env):
    import numbers

    import numpy as np
    from segen_lib import datasets

    _, instances = datasets.load_nuclei()
    expected = np.count_nonzero(instances) / (len(np.unique(instances)) - 1)
    assert isinstance(env.get("mean_nucleus_pixels"), numbers.Real), "mean_nucleus_pixels is not a number yet"
    assert np.isclose(env["mean_nucleus_pixels"], expected)
