r"""What a model costs: parameters, multiply–accumulates, activation memory and latency.

Introduced in ``notebooks/10_model_cost.ipynb``.

A convolution with a :math:`k_h \times k_w` kernel, :math:`C_{in}` input and
:math:`C_{out}` output channels and :math:`H_{out} \times W_{out}` outputs does one
multiply–accumulate (MAC) per kernel weight per output value:

.. math::
    \mathrm{MACs} = H_{out}\, W_{out}\, C_{out}\, k_h\, k_w\, C_{in} / g

(``g`` groups; a depthwise convolution is ``g = C_{in}``), where the output size comes
from chapter 01's rule, :math:`n_{out} = \lfloor (n + 2p - k)/s \rfloor + 1`, or
:math:`\lceil n / s \rceil` with ``"same"`` padding. A transposed convolution scatters
every *input* value through the kernel: :math:`H_{in} W_{in} C_{in} k_h k_w C_{out}`.
A dense layer does :math:`C_{in} C_{out}` per position. One MAC is two floating-point
operations (FLOPs), the unit profilers count in; :func:`tensorflow_flops` reads
TensorFlow's own count per layer to check :func:`layer_costs` against.

Batch normalisation, activations, pooling, concatenation and resizing are counted as
0 MACs: at inference batch normalisation folds into the convolution before it, and the
others are a handful of operations per value, not a dot product. They still cost
memory traffic, which is why latency is measured (:func:`measure_latency`), not
derived.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from segen_lib import checks, runtime

__all__ = ["output_size", "LayerCost", "layer_costs", "count_macs", "format_costs",
           "tensorflow_flops", "Latency", "measure_latency"]

_FREE = ("InputLayer", "BatchNormalization", "Activation", "ReLU", "MaxPooling2D",
         "AveragePooling2D", "Concatenate", "Add", "UpSampling2D", "Dropout", "Flatten",
         "GlobalAveragePooling2D", "Reshape", "ZeroPadding2D", "Resizing", "Rescaling")


def output_size(size: int, kernel: int, stride: int = 1, padding: str | int = "valid") -> int:
    """Output length of a convolution or pooling along one axis (chapter 01's rule).

    Args:
        size: input length ``n`` (pixels), >= 1.
        kernel: kernel length ``k``, >= 1.
        stride: stride ``s``, >= 1.
        padding: ``"valid"`` (``p = 0``), ``"same"`` (``ceil(n / s)``), or an integer
            ``p`` of zeros added on each side.

    Returns:
        ``floor((n + 2p - k) / s) + 1``, or ``ceil(n / s)`` for ``"same"``.

    Raises:
        ValueError: a size, kernel or stride below 1, a negative or unknown padding, or
            a kernel larger than the padded input (nothing would be left).

    Example:
        >>> output_size(28, 5, stride=2, padding=1)
        13
        >>> output_size(32, 3, stride=2, padding="same")
        16
    """
    size = checks.positive_int(size, "size")
    kernel = checks.positive_int(kernel, "kernel")
    stride = checks.positive_int(stride, "stride")
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise ValueError(f"padding must be 'valid', 'same' (lower case, as Keras writes them) or an "
                         f"integer >= 0, received {padding!r}.")
    if padding == "same":
        return -(-size // stride)
    pad = 0 if padding == "valid" else checks.integer(padding, "padding", minimum=0)
    if size + 2 * pad < kernel:
        raise ValueError(f"a kernel of {kernel} does not fit an input of {size} padded by {pad} "
                         f"on each side: use a smaller kernel, more padding or padding='same'.")
    return (size + 2 * pad - kernel) // stride + 1


@dataclass(frozen=True)
class LayerCost:
    """The cost of one layer for one image (see :func:`layer_costs`).

    Attributes:
        name: the layer's name.
        kind: its class name (``"Conv2D"``...).
        output_shape: ``(height, width, channels)`` of its output for one image.
        params: weights, trainable or not (batch norm's moving statistics included).
        macs: multiply–accumulates for one image (0 for layers without a dot product).
        activation_bytes: bytes of its output for one image, at the layer's compute dtype.
    """

    name: str
    kind: str
    output_shape: tuple
    params: int
    macs: int
    activation_bytes: int


def _conv_macs(layer, in_shape: tuple, out_shape: tuple) -> int:
    kernel_h, kernel_w = layer.kernel_size
    kind = type(layer).__name__
    if kind == "Conv2DTranspose":  # every input value is scattered through the kernel
        return math.prod(in_shape) * kernel_h * kernel_w * layer.filters
    if kind == "DepthwiseConv2D":
        return math.prod(out_shape) * kernel_h * kernel_w
    if kind == "SeparableConv2D":  # depthwise, then a 1×1 convolution
        depthwise = out_shape[0] * out_shape[1] * in_shape[-1] * layer.depth_multiplier
        return depthwise * kernel_h * kernel_w + depthwise * layer.filters
    groups = getattr(layer, "groups", 1)
    return math.prod(out_shape) * kernel_h * kernel_w * in_shape[-1] // groups


def _conv_output(layer, in_shape: tuple) -> tuple:
    kind = type(layer).__name__
    sizes = []
    for axis in range(2):
        n, k, s = in_shape[axis], layer.kernel_size[axis], layer.strides[axis]
        dilated = (k - 1) * layer.dilation_rate[axis] + 1
        if kind == "Conv2DTranspose":  # chapter 01: (n - 1) s + k, or n s with "same"
            sizes.append(n * s if layer.padding == "same" else (n - 1) * s + max(dilated, s))
        else:
            sizes.append(output_size(n, dilated, s, layer.padding))
    channels = (in_shape[-1] * layer.depth_multiplier if kind == "DepthwiseConv2D"
                else layer.filters)
    return (*sizes, channels)


def _shape(tensor_shape, model_name: str) -> tuple:
    shape = tuple(tensor_shape)[1:]
    if any(size is None for size in shape):
        raise ValueError(f"model {model_name!r} has an input of unknown size {tuple(tensor_shape)}: "
                         f"costs depend on the image size; rebuild it with a fixed input_shape, "
                         f"e.g. build_unet((32, 64, 3), ...).")
    return shape


def layer_costs(model: keras.Model) -> list[LayerCost]:
    """Parameters, MACs and activation memory of every layer of a functional model.

    MACs follow the formulas of the module docstring, with every output size computed
    from chapter 01's rule (:func:`output_size`) and checked against the size Keras
    built: a mismatch would mean the formula and the model disagree, and raises.

    Args:
        model: a built functional (or Sequential) ``keras.Model`` with a fixed input size
            (no ``None`` besides the batch axis).

    Returns:
        One :class:`LayerCost` per layer, in the model's order (the input layer excluded).

    Raises:
        ValueError: ``model`` is not a functional model, has an input of unknown size, or
            holds a layer with weights whose MACs this module does not know (a nested
            model, a recurrent layer...): the message names it.

    Example:
        >>> model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)])
        >>> [(cost.output_shape, cost.params, cost.macs) for cost in layer_costs(model)]
        [((6, 6, 4), 112, 3888)]
    """
    try:
        functional = isinstance(model, keras.Model) and bool(model.inputs)
    except (AttributeError, ValueError):
        functional = False
    if not functional and isinstance(model, keras.Sequential):
        raise ValueError(f"the Sequential model {model.name!r} has no input yet: start it with "
                         "keras.Input(shape) (e.g. keras.Sequential([keras.Input((28, 28, 1)), ...])) "
                         "or call it once on a batch, so every layer's size is known.")
    if not functional:
        raise ValueError(f"model must be a functional or Sequential keras.Model, received "
                         f"{type(model).__name__}: wrap a subclassed model's layers in keras.Model(inputs, outputs).")
    costs = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        inputs = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
        in_shape = _shape(inputs[0].shape, model.name)
        out_shape = _shape(layer.output.shape, model.name)
        if hasattr(layer, "kernel_size") and len(layer.kernel_size) == 2:
            expected = _conv_output(layer, in_shape)
            if expected != out_shape:
                raise ValueError(f"layer {layer.name!r}: the output-size rule gives {expected}, Keras "
                                 f"built {out_shape}; this layer's options are not covered here.")
            macs = _conv_macs(layer, in_shape, out_shape)
        elif kind == "Dense":
            macs = math.prod(out_shape[:-1]) * in_shape[-1] * layer.units
        elif kind in _FREE or not layer.weights:
            macs = 0
        else:
            raise ValueError(f"layer {layer.name!r} of type {kind} has weights but no MAC formula "
                             f"here (Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D and Dense are counted); "
                             f"count it by hand or flatten nested models into one functional model.")
        bytes_per_value = np.dtype(layer.compute_dtype).itemsize
        costs.append(LayerCost(layer.name, kind, out_shape, int(layer.count_params()), int(macs),
                               math.prod(out_shape) * bytes_per_value))
    return costs


def count_macs(model: keras.Model) -> int:
    """Multiply–accumulates of one image through ``model`` (sum of :func:`layer_costs`).

    Example:
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> count_macs(model)
        12
    """
    return sum(cost.macs for cost in layer_costs(model))


def format_costs(costs: Sequence[LayerCost], only_macs: bool = True) -> str:
    """A text table of :func:`layer_costs`, with totals; ``only_macs`` keeps layers with MACs.

    Columns: name, kind, output shape, parameters, MACs, share of the MACs and activation
    memory of one image in kB. With ``only_macs``, the layers without MACs (batch norm,
    activations, pooling, concatenation) are summed in one row before the total.

    Raises:
        ValueError: ``costs`` that is not a list of :class:`LayerCost` (a model: pass
            ``layer_costs(model)``).
    """
    if isinstance(costs, keras.Model) or isinstance(costs, (str, bytes)) \
            or not all(isinstance(cost, LayerCost) for cost in costs):
        raise ValueError(f"costs must be the list layer_costs(model) returns, received "
                         f"{type(costs).__name__}: call format_costs(layer_costs(model)).")
    rows = [cost for cost in costs if cost.macs or not only_macs]
    total = sum(cost.macs for cost in costs)
    lines = [f"{'layer':<18}{'kind':<17}{'output':>14}{'params':>9}{'MACs':>12}{'share':>7}{'act. kB':>9}"]
    for cost in rows:
        shape = "×".join(str(size) for size in cost.output_shape)
        lines.append(f"{cost.name:<18}{cost.kind:<17}{shape:>14}{cost.params:>9,}{cost.macs:>12,}"
                     f"{cost.macs / max(total, 1):>7.1%}{cost.activation_bytes / 1e3:>9.1f}")
    if len(rows) < len(costs):
        hidden = [cost for cost in costs if cost not in rows]
        lines.append(f"{f'{len(hidden)} layers without MACs':<49}{sum(cost.params for cost in hidden):>9,}"
                     f"{0:>12,}{0:>7.0%}{sum(cost.activation_bytes for cost in hidden) / 1e3:>9.1f}")
    lines.append(f"{'total':<49}{sum(cost.params for cost in costs):>9,}{total:>12,}{1:>7.0%}"
                 f"{sum(cost.activation_bytes for cost in costs) / 1e3:>9.1f}")
    return "\n".join(lines)


def tensorflow_flops(model: keras.Model) -> dict[str, int]:
    """TensorFlow's own FLOP count of each layer with a dot product, for one image.

    Each layer is traced alone on a batch of one (``tf.function``) and TensorFlow's
    registered FLOP statistics (those its profiler adds up) are summed over the
    convolution and matrix-product operations of its graph; bias additions are left out.
    For dense layers, undilated convolutions and transposed convolutions whose kernel
    equals their stride (every layer of the course's U-Net) the count is exactly
    ``2 × MACs`` of :func:`layer_costs`. Elsewhere TensorFlow counts the work its own
    kernels do, which can be more: a dilated convolution runs through space-to-batch
    padding, a transposed convolution with overlapping kernels over its whole output.

    Args:
        model: as for :func:`layer_costs`.

    Returns:
        ``{layer name: FLOPs}`` for the layers whose graph holds such operations.

    Raises:
        ValueError: under a backend other than TensorFlow (JAX has no such statistics;
            use :func:`layer_costs`), or as :func:`layer_costs`.
    """
    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"tensorflow_flops needs the TensorFlow backend, running "
                         f"{keras.backend.backend()!r}: use layer_costs, or set KERAS_BACKEND=tensorflow.")
    import tensorflow as tf
    from tensorflow.python.framework import ops as tf_ops

    counted = {"Conv2D", "Conv2DBackpropInput", "DepthwiseConv2dNative", "MatMul", "BatchMatMulV2"}
    flops = {}
    with runtime.quiet_tensorflow():  # the statistics call a TensorFlow 1 helper that logs a deprecation
        for cost, layer in zip(layer_costs(model), [lay for lay in model.layers if type(lay).__name__ != "InputLayer"]):
            if not cost.macs:
                continue
            spec = tf.TensorSpec((1, *_shape(layer.input.shape, model.name)), layer.compute_dtype)
            graph = tf.function(lambda x, layer=layer: layer(x)).get_concrete_function(spec).graph
            flops[layer.name] = int(sum(tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value or 0
                                        for op in graph.get_operations() if op.type in counted))
    return flops


@dataclass(frozen=True)
class Latency:
    """Time of one call, over repetitions (see :func:`measure_latency`).

    Attributes:
        median_ms: median time of a call, milliseconds.
        q1_ms, q3_ms: first and third quartiles, milliseconds (the spread).
        batch_size: images per call.
        repeats: timed calls.
    """

    median_ms: float
    q1_ms: float
    q3_ms: float
    batch_size: int
    repeats: int

    @property
    def images_per_second(self) -> float:
        """Throughput: ``batch_size`` images per median call."""
        return self.batch_size / (self.median_ms / 1000)

    def __str__(self) -> str:
        return (f"{self.median_ms:.2f} ms per batch of {self.batch_size} (quartiles {self.q1_ms:.2f}–"
                f"{self.q3_ms:.2f}, {self.repeats} runs), {self.images_per_second:,.0f} images/s")


def measure_latency(predict: Callable, batch, warmup: int = 3, repeats: int = 20) -> Latency:
    """Time ``predict(batch)``: warm-up calls first, then the median of ``repeats`` calls.

    The warm-up calls pay for tracing, compilation and memory allocation, which a
    deployed model pays once; the median and quartiles of the timed calls resist the
    odd slow call of a busy machine. The result of each call is converted to NumPy, so
    asynchronous backends (a GPU) are timed to the end of the work.

    Args:
        predict: a callable taking ``batch``, e.g. ``model.predict_on_batch`` or a
            :class:`segen_lib.deploy.LiteRTModel`.
        batch: the input, a NumPy array ``(batch_size, ...)``.
        warmup: untimed calls first, >= 0.
        repeats: timed calls, >= 3.

    Returns:
        A :class:`Latency`.

    Raises:
        ValueError: ``predict`` not callable, ``batch`` without a batch axis, or
            ``warmup``/``repeats`` out of range.

    Example:
        >>> latency = measure_latency(lambda x: x * 2, np.ones((4, 3)), warmup=1, repeats=5)
        >>> latency.batch_size, latency.repeats, latency.median_ms >= 0
        (4, 5, True)
    """
    if not callable(predict):
        raise ValueError(f"predict must be callable, received {type(predict).__name__}: pass "
                         f"model.predict_on_batch, not model.predict(...)'s result.")
    shape = np.shape(batch)
    if len(shape) < 1 or shape[0] < 1:
        raise ValueError(f"batch must have a batch axis first, received shape {shape}: "
                         f"add one with batch[None].")
    warmup = checks.integer(warmup, "warmup", minimum=0)
    repeats = checks.integer(repeats, "repeats", minimum=3)
    for _ in range(warmup):
        keras.ops.convert_to_numpy(predict(batch))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        keras.ops.convert_to_numpy(predict(batch))
        times.append((time.perf_counter() - start) * 1000)
    q1, median, q3 = statistics.quantiles(times, n=4, method="inclusive")
    return Latency(median, q1, q3, int(shape[0]), repeats)
