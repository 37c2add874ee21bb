"""Chapter 11, exercise 1: the largest and the smallest power-of-two loss scale for float16."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


def _float16(value):
    """A float32 value stored in float16, read back (as the chapter's round_trip)."""
    import keras
    import numpy as np

    return float(keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.cast(np.float32(value), "float16"), "float32")))


def _power_of_two(value):
    return isinstance(value, int) and value >= 1 and value & (value - 1) == 0


@test_case(points=1, failure_message="largest_scale: a power of two (an int such as 2**k) by which a gradient of 1 "
           "stays finite in float16; twice it must overflow to inf. Try the powers with round_trip(2**k, 'float16').")
def test_largest(env):
    import numpy as np

    largest = env.get("largest_scale")
    assert _power_of_two(largest), "largest_scale is not a power of two (an int, 2**k) yet"
    assert np.isfinite(_float16(1.0 * largest)), "a gradient of 1 times largest_scale overflows float16"
    assert _float16(2.0 * largest) == np.inf, "twice largest_scale still fits: a larger scale would do"


@test_case(points=1, failure_message="smallest_scale: the smallest power of two (an int, 2**k) by which a gradient "
           "of 1e-9 is not rounded to 0 in float16; half of it must give 0. Try round_trip(1e-9 * 2**k, 'float16').")
def test_smallest(env):
    smallest = env.get("smallest_scale")
    assert _power_of_two(smallest), "smallest_scale is not a power of two (an int, 2**k) yet"
    assert _float16(1e-9 * smallest) > 0, "1e-9 times smallest_scale still underflows to 0"
    assert _float16(1e-9 * smallest / 2) == 0, "half of smallest_scale still lets 1e-9 survive: a smaller scale would do"
