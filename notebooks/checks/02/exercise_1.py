"""Chapter 02, exercise 1: the digit U-Net with upsampling="resize", and its extra parameters."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


@test_case(points=1, failure_message="resize_unet: build_unet with the digit model's input shape, 11 classes and "
           "filters, and upsampling=\"resize\"; nothing else changes.")
def test_model(env):
    import keras
    from keras import layers
    from segen_lib.models import build_unet

    model = env.get("resize_unet")
    assert isinstance(model, keras.Model), "resize_unet is not a Keras model yet"
    assert not any(isinstance(layer, layers.Conv2DTranspose) for layer in model.layers), "it still has Conv2DTranspose"
    assert model.output_shape == env["digit_unet"].output_shape
    expected = build_unet(env["digit_unet"].input_shape[1:], num_classes=11, filters=env["filters"],
                          upsampling="resize")
    assert model.count_params() == expected.count_params()


@test_case(points=1, failure_message="extra_params: resize_unet.count_params() minus digit_unet.count_params(). "
           "For the why, compare the layers that double the size in the two models' summaries: which kernel does "
           "each use, and how many weights per pair of input and output channels does that give?")
def test_extra_params(env):
    import numbers

    filters = env["filters"]
    pairs = sum(filters[level + 1] * filters[level] for level in range(len(filters) - 1))
    assert isinstance(env.get("extra_params"), numbers.Integral), "extra_params is not an integer yet"
    assert env["extra_params"] == (3 * 3 - 2 * 2) * pairs
