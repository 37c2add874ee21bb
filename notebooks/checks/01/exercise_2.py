"""Chapter 01, exercise 2: three 3×3 convolutions against one 7×7 (field of view and weights)."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


@test_case(points=1, failure_message="The fields: receptive_fields takes a list of (kernel, stride) pairs, one "
           "per layer, and returns the field after each; you want the last one.")
def test_fields(env):
    assert env.get("field_three_3x3") == env.get("field_one_7x7") == 1 + 3 * (3 - 1)


@test_case(points=1, failure_message="The weights: a k×k convolution from c channels to c channels without "
           "bias has k·k·c·c weights; three layers have three times that. Keras's count_params() agrees.")
def test_weights(env):
    from keras import layers

    def count(kernel):
        layer = layers.Conv2D(64, kernel, use_bias=False)
        layer.build((None, 16, 16, 64))
        return layer.count_params()

    assert env.get("weights_three_3x3") == 3 * count(3)
    assert env.get("weights_one_7x7") == count(7)
