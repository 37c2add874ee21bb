r"""The PatchGAN discriminator of pix2pix (Isola et al., 2017), and the receptive field of a model.

Used by the image-to-image chapter; the receptive-field rule is chapter 01's. A PatchGAN
does not score an image as a whole: it is a fully convolutional network whose output is
a grid of logits, each judging whether the patch of the input it sees is real. pix2pix
conditions it on the input map: it sees ``concat(condition, image)`` and so judges
whether the image is a plausible rendering *of that map*.

The paper's 70×70 PatchGAN (its appendix 6.1.2) is C64–C128–C256–C512 followed by a
one-channel convolution: 4×4 kernels, strides 2, 2, 2, 1, 1, batch normalisation on all
but the first stage, LeakyReLU(0.2). By chapter 01's rule, :math:`r_l = r_{l-1} + (k_l -
1)\,j_{l-1}` and :math:`j_l = j_{l-1}\,s_l`, each output logit sees
:math:`1 + 3\,(1 + 2 + 4 + 8 + 8) = 70` input pixels per side; :func:`receptive_field`
computes it from the built model, and the tests measure it by perturbing input pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from segen_lib import checks
from segen_lib.initial_weights import initial_weights_without_compiling

__all__ = ["build_patch_discriminator", "receptive_field"]

_UPSAMPLING = (layers.Conv2DTranspose, layers.UpSampling2D, layers.Resizing)
_WHOLE_INPUT = (layers.Flatten, layers.Reshape, layers.Permute, layers.GlobalAveragePooling2D,
                layers.GlobalMaxPooling2D)


def receptive_field(model: keras.Model) -> int:
    r"""Side, in input pixels, of the window one output pixel of ``model`` sees.

    Chapter 01's rule, :math:`r_l = r_{l-1} + (k_l - 1)\,j_{l-1}` and
    :math:`j_l = j_{l-1}\,s_l`, applied along every path of the model's graph, from its
    inputs to its outputs; where paths meet (``Concatenate``, ``Add``) the field is the
    **largest** of theirs, and the model's field is the largest over its outputs. Windowed
    layers are convolutions (``Conv2D``, ``DepthwiseConv2D``, ``SeparableConv2D``, whose
    depthwise step is the window) and poolings; a dilation ``d`` makes a kernel ``k`` span
    ``d (k - 1) + 1``. A model used as a layer (a ``Sequential`` inside a functional model)
    counts with its own field and stride. Other layers (normalisation, activations,
    ``Dense`` on a feature map, which is a 1×1 convolution) do not widen the window.

    Args:
        model: a built Keras model (``Sequential`` or functional, nested models allowed)
            that maps images to images or to grids, such as a PatchGAN discriminator or
            a plain CNN without its head.

    Returns:
        The receptive field's side in pixels (square kernels and strides assumed).

    Raises:
        ValueError: ``model`` that is not a Keras model; a transposed convolution,
            upsampling or resizing layer (a U-Net: the rule does not apply, use chapter
            01's gradient map); a layer after which each output sees the whole input
            (``Flatten``, ``Reshape``, global pooling); a non-square kernel, stride or
            pool; branches with different strides that meet.

    Source: the rule is chapter 01's (Araujo, Norris & Sim, 2019, "Computing receptive
    fields of convolutional neural networks", Distill, for graphs with several paths).

    Example:
        >>> receptive_field(build_patch_discriminator((64, 64, 3), (64, 64, 3)))
        70
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a Keras model, received {type(model).__name__}; build it "
                         "first (e.g. build_patch_discriminator(...)).")
    return _field_and_jump(model)[0]


def _window(layer) -> tuple[int, int] | None:
    """``(span, stride)`` of a windowed layer, ``None`` for a layer that keeps the window."""
    if isinstance(layer, _UPSAMPLING):
        raise ValueError(f"receptive_field follows downsampling paths; the model has "
                         f"{type(layer).__name__} {layer.name!r}, so the rule does not apply "
                         "(use the gradient map of chapter 01 instead).")
    if isinstance(layer, _WHOLE_INPUT):
        raise ValueError(f"after {type(layer).__name__} {layer.name!r} every output sees the whole "
                         "input; pass the model up to the layer before it, e.g. "
                         "keras.Model(model.inputs, model.get_layer(NAME).output).")
    if isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
        kernel, stride, dilation = layer.pool_size, layer.strides, (1, 1)
    elif hasattr(layer, "kernel_size") and hasattr(layer, "strides"):
        kernel, stride = layer.kernel_size, layer.strides
        dilation = getattr(layer, "dilation_rate", (1,) * len(kernel))
    else:
        return None
    if len(set(kernel)) != 1 or len(set(stride)) != 1 or len(set(dilation)) != 1:
        raise ValueError(f"layer {layer.name!r} has kernel {kernel}, strides {stride}, dilation "
                         f"{dilation}; receptive_field handles square ones only.")
    return dilation[0] * (kernel[0] - 1) + 1, stride[0]


def _compose(field: int, jump: int, layer) -> tuple[int, int]:
    """The ``(field, jump)`` after ``layer``, given those of its input."""
    if isinstance(layer, keras.Model):
        inner_field, inner_jump = _field_and_jump(layer)
        return field + (inner_field - 1) * jump, jump * inner_jump
    window = _window(layer)
    if window is None:
        return field, jump
    span, stride = window
    return field + (span - 1) * jump, jump * stride


def _tensors(structure):
    """The ``keras_history`` keys of every tensor in a node's serialised arguments."""
    if isinstance(structure, dict):
        history = structure.get("config", {}).get("keras_history") \
            if structure.get("class_name") == "__keras_tensor__" else None
        if history is not None:
            return [(history[0], history[1])]
        return [key for value in structure.values() for key in _tensors(value)]
    if isinstance(structure, (list, tuple)):
        return [key for value in structure for key in _tensors(value)]
    return []


def _field_and_jump(model: keras.Model) -> tuple[int, int]:
    """``(field, jump)`` of ``model``'s widest path from its inputs to its outputs."""
    if isinstance(model, keras.Sequential):
        field, jump = 1, 1
        for layer in model.layers:
            field, jump = _compose(field, jump, layer)
        return field, jump
    try:
        config = model.get_config()
        layer_configs = config["layers"]
    except (NotImplementedError, KeyError, TypeError) as error:
        raise ValueError(f"receptive_field reads the graph of a Sequential or functional model; "
                         f"{model.name!r} ({type(model).__name__}) does not describe its layers "
                         f"({error}).") from None
    state = {}  # (layer name, node index) -> (field, jump) of that call's outputs
    for layer_config in layer_configs:
        name = layer_config["name"]
        nodes = layer_config.get("inbound_nodes") or []
        if not nodes:                                   # an input
            state[(name, 0)] = (1, 1)
            continue
        layer = model.get_layer(name)
        for node_index, node in enumerate(nodes):
            incoming = [state[key] for key in _tensors(node) if key in state]
            if not incoming:
                continue
            jumps = {jump for _, jump in incoming}
            if len(jumps) > 1:
                raise ValueError(f"branches with strides {sorted(jumps)} meet at {name!r}; "
                                 "receptive_field needs paths of one stride where they meet.")
            state[(name, node_index)] = _compose(max(field for field, _ in incoming), jumps.pop(),
                                                 layer)
    output_keys = config["output_layers"]
    if output_keys and isinstance(output_keys[0], str):  # one output, stored unnested
        output_keys = [output_keys]
    outputs = [state[(key[0], key[1])] for key in output_keys]
    return max(field for field, _ in outputs), max(jump for _, jump in outputs)


@initial_weights_without_compiling()
def build_patch_discriminator(input_shape: Sequence[int] = (32, 64, 3),
                              image_shape: Sequence[int] = (32, 64, 3),
                              filters: Sequence[int] = (64, 128, 256, 512), kernel_size: int = 4,
                              batch_norm: bool = True, name: str = "patch_discriminator") -> keras.Model:
    """A conditional PatchGAN: (input map, image) to a grid of real/fake logits.

    Stages of ``Conv2D(filters[i], kernel_size)`` with stride 2, except the last, which
    has stride 1 (as in the paper), each followed by batch normalisation (not on the
    first; none with ``batch_norm=False``) and LeakyReLU(0.2); then a one-channel
    ``Conv2D(kernel_size)`` with stride 1 and no activation. "Same" padding, so a
    ``(h, w)`` image gives a ``(h / 2**(n-1), w / 2**(n-1))`` grid for ``n = len(filters)``
    stages. The default ``filters`` is the
    paper's 70×70 PatchGAN.

    Args:
        input_shape: ``(height, width, channels)`` of the condition (e.g. a one-hot or
            colour label map).
        image_shape: ``(height, width, channels)`` of the real or generated image; same
            height and width as the condition.
        filters: channels per stage; at least one stage.
        kernel_size: side of every kernel (4 in the paper).
        batch_norm: batch normalisation after every stage but the first (the paper).
            In training mode it makes the logits of a pair depend on the other pairs of
            its batch: pix2pix's discriminator step sees real and generated pairs in one
            batch and the generator's step generated pairs alone, so the two steps judge
            the same pair differently. ``False``: no normalisation (every stage then has
            a bias), and a pair's logits depend on that pair alone; chapter 08 uses it.
        name: model name.

    Returns:
        A functional ``keras.Model`` taking ``[condition, image]`` (float32 in [-1, 1])
        and returning logits ``(batch, grid_h, grid_w, 1)``; its receptive field per
        logit is :func:`receptive_field` of the model (70 for the default).

    Raises:
        ValueError: shapes that are not ``(h, w, c)`` or differ in height and width,
            height or width not divisible by ``2 ** (len(filters) - 1)``, bad filters
            or kernel size.

    Example:
        >>> build_patch_discriminator((32, 64, 3), (32, 64, 3)).output_shape
        (None, 4, 8, 1)
    """
    filters = checks.integers(filters, "filters")
    kernel_size = checks.positive_int(kernel_size, "kernel_size")
    if not isinstance(batch_norm, bool):
        raise ValueError(f"batch_norm must be True or False, received {batch_norm!r}.")
    condition_shape = checks.image_shape(input_shape, "input_shape")
    image_shape = checks.image_shape(image_shape, "image_shape")
    if condition_shape[:2] != image_shape[:2]:
        raise ValueError(f"input_shape {condition_shape} and image_shape {image_shape} must have the "
                         "same height and width: the discriminator sees them stacked channel-wise.")
    stages = len(filters) - 1  # stride-2 stages
    for axis, size in zip(("height", "width"), image_shape[:2]):
        checks.divisible_size(size, 2 ** stages, f"image_shape={image_shape}: {axis}",
                              f"a PatchGAN with {stages} stride-2 stages needs it to give a whole grid")
    condition = keras.Input(condition_shape, name="condition")
    image = keras.Input(image_shape, name="image")
    x = layers.Concatenate(name="condition_and_image")([condition, image])
    for index, count in enumerate(filters):
        stride = 2 if index < stages else 1
        normalised = batch_norm and index > 0
        x = layers.Conv2D(count, kernel_size, strides=stride, padding="same", use_bias=not normalised,
                          name=f"stage{index}")(x)
        if normalised:
            x = layers.BatchNormalization(name=f"stage{index}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"stage{index}_lrelu")(x)
    logits = layers.Conv2D(1, kernel_size, padding="same", dtype="float32", name="patch_logits")(x)
    return keras.Model([condition, image], logits, name=name)
