"""Chapter 10, exercise 1: the wide U-Net's MACs on a 64×128 scene, predicted, then counted."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


def _expected(env):
    from segen_lib import cost

    wide = env["wide"]   # section 1's wide U-Net, at image_size
    height, width = wide.input_shape[1:3]
    return cost.count_macs(wide) * (64 * 128) // (height * width)


@test_case(points=1, failure_message="predicted_macs: a convolution costs H_out·W_out·C_out·k²·C_in, so with the "
           "same layers every count grows with the number of output pixels. Scale section 1's total_macs "
           "(counted at image_size) by the ratio of the pixel counts, before building anything.")
def test_predicted(env):
    predicted = env.get("predicted_macs")
    assert isinstance(predicted, int), "predicted_macs is not an integer yet"
    assert predicted == _expected(env)


@test_case(points=1, failure_message="large and large_macs: build_unet((64, 128, 3), ...) with the chapter's "
           "num_classes, the wide filters (sizes['wide']) and output='logits', then count it with cost.count_macs.")
def test_counted(env):
    import keras
    from segen_lib import cost

    large, counted = env.get("large"), env.get("large_macs")
    assert isinstance(large, keras.Model), "large is not a Keras model yet"
    assert isinstance(counted, int), "large_macs is not an integer yet"
    assert tuple(large.input_shape[1:]) == (64, 128, 3)
    assert large.count_params() == env["wide"].count_params()   # the same layers, another image size
    assert counted == cost.count_macs(large) == _expected(env)
