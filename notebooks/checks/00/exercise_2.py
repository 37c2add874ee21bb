"""Chapter 00, exercise 2: the chest CT slice in the lung window, and the pixels each window shows black."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


def _windowed(window):
    from segen_lib import datasets, medical

    return medical.apply_window(datasets.load_medical_slices()["ct_chest"], *medical.WINDOWS[window])


@test_case(points=1, failure_message="lung: medical.apply_window(image, level, width) on slices[\"ct_chest\"], "
           "with the level and width of medical.WINDOWS[\"lung\"] (unpack the pair with *, as the soft-tissue "
           "line above does).")
def test_lung(env):
    import numpy as np

    expected = _windowed("lung")
    lung = env.get("lung")
    assert isinstance(lung, np.ndarray) and lung.shape == expected.shape, "lung is not the windowed slice yet"
    assert np.allclose(lung, expected, atol=1e-6)


@test_case(points=1, failure_message="black_soft_tissue and black_lung: the share of pixels whose grey value is "
           "exactly 0 in each windowed image; np.mean of a boolean array gives the share of True.")
def test_black(env):
    import numbers

    import numpy as np

    for key, window in [("black_soft_tissue", "soft tissue"), ("black_lung", "lung")]:
        value = env.get(key)
        assert isinstance(value, numbers.Real), f"{key} is not a number yet"
        assert np.isclose(value, np.mean(_windowed(window) == 0)), f"{key} is not the share of black pixels"
