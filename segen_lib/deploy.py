r"""A trained Keras model as a LiteRT (TensorFlow Lite) file, in float32 or int8, and run.

Introduced in ``notebooks/10_model_cost.ipynb``.

**Post-training int8 quantisation** (Jacob et al., 2018, "Quantization and Training of
Neural Networks for Efficient Integer-Arithmetic-Only Inference") stores each weight
and activation as an 8-bit integer ``q`` with a scale ``S`` and a zero point ``Z``:

.. math::
    x \approx S\,(q - Z), \qquad q = \mathrm{clip}(\mathrm{round}(x / S) + Z,\ -128,\ 127).

Weights get one scale per output channel, from their own range; activations get one
per tensor, from the range they take on a **representative data set** run through the
model at conversion time (calibration). Batch normalisation is folded into the
convolution before it. The file is then about four times smaller than in float32, and
integer kernels can run faster where the hardware has them.

:func:`export_litert` converts with Keras's own ``model.export(format="litert")``, which
calls the TensorFlow Lite converter (``tf.lite.TFLiteConverter``): full-integer
quantisation, int8 inputs and outputs, with the images given as representative data.
:class:`LiteRTModel` runs the file with the LiteRT interpreter (the ``ai-edge-litert``
package, which replaces the deprecated ``tf.lite.Interpreter``) and converts images to
and from int8 at the boundary. Both need the TensorFlow backend for the conversion; the
interpreter itself runs with any backend.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np

from segen_lib import checks, runtime

__all__ = ["export_litert", "LiteRTModel"]


def _input_shape(model: keras.Model) -> tuple:
    shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else ()
    if len(shape) != 3 or any(size is None for size in shape):
        raise ValueError(f"model must take images of a fixed size (height, width, channels), "
                         f"received input shape {shape or 'unknown'}: rebuild it with a fixed "
                         f"input_shape, e.g. build_unet((32, 64, 3), ...).")
    return shape


def _fix(images: np.ndarray, shape: tuple) -> str:
    """What to do about images that do not fit ``shape``: the end of an error message."""
    if images.ndim == 3 and tuple(images.shape) == shape:
        return ": one image; add the batch axis with images[None]."
    if not np.issubdtype(images.dtype, np.floating):
        return ": scale them to floats as in training, e.g. images / 255."
    return "."


def export_litert(model: keras.Model, path: str | os.PathLike, representative_images=None) -> Path:
    """Write ``model`` as a LiteRT ``.tflite`` file: float32, or full-integer int8.

    Args:
        model: a functional ``keras.Model`` taking ``(batch, height, width, channels)``
            float images of a fixed size.
        path: the file to write; must end with ``.tflite``.
        representative_images: ``None`` for a float32 file; else float images
            ``(n, height, width, channels)`` like those the model will see (the same
            scale, e.g. ``[0, 1]``), used to calibrate the int8 ranges of the
            activations. A hundred or so is the usual number; they never need labels.

    Returns:
        The path written. In int8, inputs and outputs are int8 too:
        :class:`LiteRTModel` converts at the boundary.

    Raises:
        ValueError: under a backend other than TensorFlow (the converter needs it: set
            ``KERAS_BACKEND=tensorflow``), a path without ``.tflite``, a model without a
            fixed input size, or representative images of the wrong shape, not floats,
            or with NaN.
    """
    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"export_litert needs the TensorFlow backend (the TensorFlow Lite converter), "
                         f"running {keras.backend.backend()!r}: set KERAS_BACKEND=tensorflow before "
                         f"importing Keras.")
    path = Path(path)
    if path.suffix != ".tflite":
        raise ValueError(f"path must end with .tflite, received {str(path)!r}.")
    shape = _input_shape(model)
    import tensorflow as tf

    options = {}
    if representative_images is not None:
        images = checks.finite(representative_images, "representative_images")
        if images.ndim != 4 or tuple(images.shape[1:]) != shape or not np.issubdtype(images.dtype, np.floating):
            raise ValueError(f"representative_images must be float images of shape (n, {', '.join(map(str, shape))}) "
                             f"for this model, received {images.dtype} {images.shape}{_fix(images, shape)}")
        if len(images) == 0:
            raise ValueError("representative_images is empty: give about a hundred training images.")

        def representative_data():
            for image in images.astype("float32"):
                yield [image[None]]

        options = {"optimizations": [tf.lite.Optimize.DEFAULT], "representative_dataset": representative_data,
                   "target_spec": {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]},
                   "inference_input_type": tf.int8, "inference_output_type": tf.int8}
    path.parent.mkdir(parents=True, exist_ok=True)
    import tensorflow as tf

    with runtime.quiet_tensorflow():  # the intermediate SavedModel logs where it writes its assets
        model.export(str(path), format="litert", verbose=False, **options)
    return path


class LiteRTModel:
    """A ``.tflite`` file run with the LiteRT interpreter, called like a Keras model.

    Args:
        path: a file written by :func:`export_litert` (or any single-input,
            single-output image model).
        num_threads: CPU threads of the interpreter; ``None`` for all cores.

    Calling it on float images ``(batch, height, width, channels)`` returns the float
    outputs. For an int8 file the images are quantised with the input's scale and zero
    point, and the outputs dequantised, so a caller never sees integers.

    Raises:
        ImportError: ``ai-edge-litert`` is not installed (``pip install ai-edge-litert==2.3.0``).
        ValueError: no file at ``path``, or a file the interpreter cannot read (truncated,
            not a LiteRT model), named in the message.
        ValueError: on a call, images of the wrong shape, not floats, with NaN, or, for an
            int8 file, outside the range its input was calibrated for (they would be
            clipped silently: uint8 images in 0..255 given to a model calibrated on
            ``[0, 1]``, for instance).
    """

    def __init__(self, path: str | os.PathLike, num_threads: int | None = None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as error:  # pragma: no cover - the package is a dependency
            raise ImportError("LiteRTModel needs the LiteRT interpreter: pip install ai-edge-litert==2.3.0") from error
        self.path = Path(path)
        if not self.path.is_file():
            raise ValueError(f"no LiteRT file at {str(self.path)!r}: write one with export_litert.")
        threads = os.cpu_count() if num_threads is None else checks.positive_int(num_threads, "num_threads")
        try:
            self._interpreter = Interpreter(model_path=str(self.path), num_threads=threads)
        except (ValueError, RuntimeError) as error:
            raise ValueError(f"{str(self.path)!r} is not a LiteRT model the interpreter can read "
                             f"({error}): a truncated or overwritten file? Write it again with "
                             "export_litert.") from None
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._batch = None

    @property
    def size_bytes(self) -> int:
        """Size of the file, bytes."""
        return self.path.stat().st_size

    @property
    def quantized(self) -> bool:
        """Whether the model takes and returns int8 values."""
        return self._input["dtype"] == np.int8

    @property
    def input_quantization(self) -> tuple[float, int]:
        """``(scale, zero_point)`` of the input: ``x ≈ scale · (q - zero_point)``; ``(0.0, 0)`` in float32."""
        scale, zero_point = self._input["quantization"]
        return float(scale), int(zero_point)

    @property
    def input_shape(self) -> tuple:
        """``(height, width, channels)`` of one image."""
        return tuple(int(size) for size in self._input["shape_signature"][1:])

    def _quantize(self, images: np.ndarray) -> np.ndarray:
        scale, zero_point = self._input["quantization"]
        low, high = scale * (-128 - zero_point), scale * (127 - zero_point)
        if images.min() < low - scale or images.max() > high + scale:
            raise ValueError(f"images span [{images.min():.3g}, {images.max():.3g}] but this int8 model's "
                             f"input covers [{low:.3g}, {high:.3g}] (calibrated on the representative "
                             f"images): scale them as in training (uint8? divide by 255) or convert again.")
        return np.clip(np.round(images / scale + zero_point), -128, 127).astype(np.int8)

    def __call__(self, images) -> np.ndarray:
        images = checks.finite(images, "images")
        if images.ndim != 4 or tuple(images.shape[1:]) != self.input_shape or not np.issubdtype(images.dtype, np.floating):
            raise ValueError(f"images must be floats of shape (batch, {', '.join(map(str, self.input_shape))}), "
                             f"received {images.dtype} {images.shape}{_fix(images, self.input_shape)}")
        if self._batch != len(images):  # the interpreter works on one batch size at a time
            self._interpreter.resize_tensor_input(self._input["index"], [len(images), *self.input_shape])
            self._interpreter.allocate_tensors()
            self._batch = len(images)
        values = self._quantize(images) if self.quantized else images.astype(np.float32)
        self._interpreter.set_tensor(self._input["index"], values)
        self._interpreter.invoke()
        outputs = self._interpreter.get_tensor(self._output["index"])
        if self._output["dtype"] == np.int8:
            scale, zero_point = self._output["quantization"]
            outputs = (outputs.astype(np.float32) - zero_point) * scale
        return outputs

    def predict(self, images, batch_size: int = 32, verbose=0) -> np.ndarray:
        """Outputs for many images, ``batch_size`` at a time, as ``keras.Model.predict``
        (whose ``verbose`` it accepts and ignores), so :func:`segen_lib.metrics.predict_labels`
        takes a :class:`LiteRTModel` like a Keras model."""
        batch_size = checks.positive_int(batch_size, "batch_size")
        images = np.asarray(images)
        return np.concatenate([self(images[i:i + batch_size]) for i in range(0, len(images), batch_size)])
