"""Chapter 10, exercise 3: symmetric int8 with one scale per tensor and one per output channel; Keras's quantize("int8")."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 3


def _mean_error(kernel, scale):
    import numpy as np

    return float(np.mean(np.abs(np.round(kernel / scale) * scale - kernel)))


@test_case(points=1, failure_message="tensor_error: one scale S = max|w|/127 for the whole kernel; round w/S to "
           "integers, multiply back by S and take the mean absolute difference with the kernel.")
def test_per_tensor(env):
    import numpy as np

    error = env.get("tensor_error")
    assert isinstance(error, (float, np.floating)), "tensor_error is not a number yet"
    kernel = env["kernel"]
    expected = _mean_error(kernel, np.abs(kernel).max() / 127)
    assert np.isclose(error, expected, rtol=1e-4, atol=0)


@test_case(points=1, failure_message="channel_error: the kernel is (k, k, C_in, C_out); take max|w| over the first "
           "three axes (axis=(0, 1, 2)) for one scale per output channel, then the same round trip and mean "
           "absolute error as for tensor_error. Compare the two.")
def test_per_channel(env):
    import numpy as np

    error = env.get("channel_error")
    assert isinstance(error, (float, np.floating)), "channel_error is not a number yet"
    kernel = env["kernel"]
    expected = _mean_error(kernel, np.abs(kernel).max(axis=(0, 1, 2)) / 127)
    assert np.isclose(error, expected, rtol=1e-4, atol=0)


@test_case(points=1, failure_message="int8_count: call probe.quantize('int8') and "
           "count the weights whose dtype is 'int8' afterwards (an integer, which may surprise you).")
def test_keras_quantize(env):
    import warnings

    from segen_lib.models import build_unet

    count = env.get("int8_count")
    assert isinstance(count, int), "int8_count is not an integer yet"
    same = build_unet(env["image_size"] + (3,), num_classes=env["num_classes"], filters=env["sizes"]["shallow"],
                      output="logits")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # one warning per layer it leaves alone
        same.quantize("int8")
    assert count == sum(weight.dtype == "int8" for weight in same.weights)
