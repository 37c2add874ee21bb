"""Chapter 10, exercise 5: a depthwise-separable 3×3 convolution in place of the costliest layer."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_5"
points = 2


def _shapes(env):
    from segen_lib import cost

    costliest = max(cost.layer_costs(env["wide"]), key=lambda layer: layer.macs)
    height, width, channels_out = costliest.output_shape
    channels_in = env["wide"].get_layer(costliest.name).input.shape[-1]
    return costliest, height, width, channels_in, channels_out


@test_case(points=1, failure_message="plain_macs and separable_macs: build two one-layer models on a "
           "keras.Input((height, width, channels_in)): Conv2D(channels_out, 3, padding='same') and "
           "SeparableConv2D(channels_out, 3, padding='same'), and count each with cost.count_macs.")
def test_counted(env):
    import keras
    from segen_lib import cost

    plain, separable = env.get("plain_macs"), env.get("separable_macs")
    assert isinstance(plain, int) and isinstance(separable, int), "plain_macs or separable_macs is not an integer yet"
    costliest, height, width, channels_in, channels_out = _shapes(env)
    model = keras.Sequential([keras.Input((height, width, channels_in)),
                              keras.layers.SeparableConv2D(channels_out, 3, padding="same")])
    assert plain == costliest.macs
    assert separable == cost.count_macs(model)


@test_case(points=1, failure_message="formula_macs: the exercise's formula, depthwise H·W·C_in·k² plus pointwise "
           "H·W·C_in·C_out, with the costliest layer's sizes and k = 3; it must equal the count.")
def test_formula(env):
    formula = env.get("formula_macs")
    assert isinstance(formula, int), "formula_macs is not an integer yet"
    _, height, width, channels_in, channels_out = _shapes(env)
    expected = height * width * channels_in * 3 * 3 + height * width * channels_in * channels_out
    assert formula == expected
