"""Chapter 01, exercise 1: the output size of ZeroPadding2D(1) then Conv2D(8, 5, strides=2) on 28×28."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


@test_case(points=1, failure_message="predicted_size: apply output_size(n, k, s, p) from section 2 with the "
           "padding and the convolution's kernel and stride (padding adds p pixels on each side).")
def test_predicted_size(env):
    expected = (28 + 2 * 1 - 5) // 2 + 1   # the chapter's formula
    assert isinstance(env.get("predicted_size"), int), "predicted_size is not an integer yet"
    assert env["predicted_size"] == expected


@test_case(points=1, failure_message="keras_shape: run a (1, 28, 28, 1) image through the two layers and "
           "take tuple(output.shape): (batch, height, width, channels).")
def test_keras_shape(env):
    import numpy as np
    from keras import layers

    expected = tuple(layers.Conv2D(8, 5, strides=2)(layers.ZeroPadding2D(1)(np.zeros((1, 28, 28, 1), "float32"))).shape)
    assert isinstance(env.get("keras_shape"), tuple), "keras_shape is not a tuple yet"
    assert tuple(int(n) for n in env["keras_shape"]) == expected
