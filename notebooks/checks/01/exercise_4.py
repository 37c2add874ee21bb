"""Chapter 01, exercise 4: the classifier with GlobalAveragePooling2D in place of Flatten."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 2


@test_case(points=1, failure_message="pooled: keep the classifier's convolution and pooling layers "
           "(build_classifier().layers[:4]), then GlobalAveragePooling2D instead of Flatten, then the same head.")
def test_layers(env):
    import keras

    pooled = env.get("pooled")
    assert isinstance(pooled, keras.Model), "pooled is not a Keras model yet"
    names = [type(layer).__name__ for layer in pooled.layers]
    assert "GlobalAveragePooling2D" in names and "Flatten" not in names
    assert tuple(pooled.output_shape) == (None, 10)


@test_case(points=1, failure_message="The head's first Dense layer now gets 64 features instead of 5·5·64: "
           "only that layer's weights should change. Check the layers after the pooling.")
def test_parameters(env):
    import keras

    pooled = env.get("pooled")
    assert isinstance(pooled, keras.Model), "pooled is not a Keras model yet"
    expected = env["build_classifier"]().count_params() - (5 * 5 - 1) * 64 * 128
    assert pooled.count_params() == expected
