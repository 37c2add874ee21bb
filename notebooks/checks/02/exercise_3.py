"""Chapter 02, exercise 3: pad 100×100 images for a U-Net with 3 poolings, predict, crop back."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 3


def _offset(padded, images):
    """(top, left) where images sit inside padded, or None."""
    import numpy as np

    rows, cols = padded.shape[1] - images.shape[1], padded.shape[2] - images.shape[2]
    for top in range(rows + 1):
        for left in range(cols + 1):
            if np.array_equal(padded[:, top:top + images.shape[1], left:left + images.shape[2]], images):
                return top, left
    return None


@test_case(points=1, failure_message="padded: with 3 poolings the side must be divisible by 2**3. Pad images_100 "
           "with np.pad (zeros) to the smallest such side that keeps every pixel, splitting the extra rows and "
           "columns between the two sides; the batch and channel axes get no padding.")
def test_padded(env):
    import numpy as np

    images, padded = env["images_100"], env.get("padded")
    side = -(-images.shape[1] // 2**3) * 2**3          # the smallest multiple of 8 from 100 up
    assert isinstance(padded, np.ndarray) and padded.ndim == 4, "padded is not a batch of images yet"
    assert padded.shape == (images.shape[0], side, side, images.shape[3])
    assert _offset(padded, images) is not None, "the original pixels are not all inside padded"


@test_case(points=1, failure_message="model_104: build_unet for the padded images' shape, one class, and four "
           "levels of filters, e.g. (8, 16, 32, 64): one 2×2 pooling between two levels.")
def test_model(env):
    import keras

    model, padded = env.get("model_104"), env.get("padded")
    assert isinstance(model, keras.Model), "model_104 is not a Keras model yet"
    assert sum(isinstance(layer, keras.layers.MaxPooling2D) for layer in model.layers) == 3
    assert getattr(padded, "shape", None) is not None and tuple(model.input_shape[1:]) == tuple(padded.shape[1:])


@test_case(points=1, failure_message="prediction: call model_104 on padded, convert to NumPy "
           "(ops.convert_to_numpy), then cut off the rows and columns the padding added, so that the shape is "
           "images_100's.")
def test_prediction(env):
    import numpy as np
    from keras import ops

    images, padded, prediction = env["images_100"], env.get("padded"), env.get("prediction")
    assert isinstance(prediction, np.ndarray) and prediction.shape == images.shape, \
        "prediction is not an array of images_100's shape yet"
    top, left = _offset(padded, images)
    full = ops.convert_to_numpy(env["model_104"](padded))
    expected = full[:, top:top + images.shape[1], left:left + images.shape[2]]
    assert np.allclose(prediction, expected, atol=1e-5)
