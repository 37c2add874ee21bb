"""int8 export with the TensorFlow Lite converter and the LiteRT interpreter round trip."""

import keras
import numpy as np
import pytest

from segen_lib import deploy
from segen_lib.models import build_unet

TF_ONLY = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the TensorFlow Lite converter needs TensorFlow")


@pytest.fixture(scope="module")
def model_and_images():
    keras.utils.set_random_seed(0)
    model = build_unet((8, 16, 3), num_classes=4, filters=(16, 32))   # enough weights to outweigh the graph
    images = np.random.default_rng(0).random((24, 8, 16, 3)).astype("float32")
    return model, images


@TF_ONLY
def test_int8_round_trip_is_close_to_float_and_smaller(model_and_images, tmp_path):
    model, images = model_and_images
    path = deploy.export_litert(model, tmp_path / "tiny_int8.tflite", representative_images=images[:16])
    int8 = deploy.LiteRTModel(path, num_threads=1)
    assert int8.quantized and int8.input_shape == (8, 16, 3)
    scale, zero_point = int8.input_quantization   # calibrated on images in [0, 1]
    assert scale * (-128 - zero_point) <= 0.01 and scale * (127 - zero_point) >= 0.99
    expected = keras.ops.convert_to_numpy(model(images[16:], training=False))
    got = int8.predict(images[16:], batch_size=3)          # batches of 3, 3 and 2: resized as needed
    assert got.shape == expected.shape and got.dtype == np.float32
    # softmax probabilities, int8 with a step of 1/256 and errors of each layer added up
    assert np.abs(got - expected).max() < 0.06
    assert np.abs(got - expected).mean() < 0.01
    assert (got.argmax(-1) == expected.argmax(-1)).mean() > 0.9
    weights_bytes = model.count_params() * 4
    assert int8.size_bytes < weights_bytes / 2   # int8 weights plus the graph: well below the float32 weights alone
    with pytest.raises(ValueError, match=r"divide by 255"):   # uint8-scaled images would be clipped silently
        int8(images[:2] * 255)
    with pytest.raises(ValueError, match=r"shape \(batch, 8, 16, 3\)"):
        int8(images[:2, :4])
    with pytest.raises(ValueError, match=r"images\[None\]"):
        int8(images[0])
    with pytest.raises(ValueError, match=r"images / 255"):
        int8((images[:2] * 255).astype("uint8"))


@TF_ONLY
def test_export_refuses_bad_arguments(model_and_images, tmp_path):
    model, images = model_and_images
    with pytest.raises(ValueError, match=r"\.tflite"):
        deploy.export_litert(model, tmp_path / "model.keras")
    with pytest.raises(ValueError, match=r"shape \(n, 8, 16, 3\)"):
        deploy.export_litert(model, tmp_path / "m.tflite", representative_images=images[:, :4])
    with pytest.raises(ValueError, match="NaN"):
        deploy.export_litert(model, tmp_path / "m.tflite", representative_images=np.full((2, 8, 16, 3), np.nan, "float32"))
    with pytest.raises(ValueError, match="fixed size"):
        deploy.export_litert(build_unet((None, None, 3), num_classes=4, filters=(4, 8)), tmp_path / "m.tflite")
    with pytest.raises(ValueError, match="no LiteRT file"):
        deploy.LiteRTModel(tmp_path / "missing.tflite")
    whole = deploy.export_litert(model, tmp_path / "whole.tflite")
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(whole.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"truncated.tflite' is not a LiteRT model .* export_litert"):
        deploy.LiteRTModel(truncated)


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="checks the message under another backend")
def test_export_says_it_needs_tensorflow(model_and_images, tmp_path):
    model, _ = model_and_images
    with pytest.raises(ValueError, match="KERAS_BACKEND=tensorflow"):
        deploy.export_litert(model, tmp_path / "m.tflite")
