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

__all__ = ["build_patch_discriminator", "receptive_field"]

_WINDOWED = (layers.Conv2D, layers.MaxPooling2D, layers.AveragePooling2D)


def receptive_field(model: keras.Model) -> int:
    """Side, in input pixels, of the window one output pixel of ``model`` sees.

    Chapter 01's rule applied to the model's windowed layers in order (``Conv2D``,
    ``MaxPooling2D``, ``AveragePooling2D``; a dilation ``d`` makes a kernel ``k`` span
    ``d (k - 1) + 1``). Other layers (normalisation, activations, concatenation of
    inputs) do not widen the window.

    Args:
        model: a Keras model whose windowed layers form one chain from input to output
            (a plain CNN, a DCGAN or PatchGAN discriminator). Models with skip
            connections or upsampling (a U-Net) are refused: the rule does not apply.

    Returns:
        The receptive field's side in pixels (square kernels and strides assumed).

    Raises:
        ValueError: a model with a transposed convolution or upsampling layer, or a
            non-square kernel, stride or pool.

    Example:
        >>> receptive_field(build_patch_discriminator((64, 64, 3), (64, 64, 3)))
        70
    """
    field, jump = 1, 1
    for layer in model.layers:
        if isinstance(layer, (layers.Conv2DTranspose, layers.UpSampling2D)):
            raise ValueError(f"receptive_field follows one chain of downsampling layers; {model.name!r} "
                             f"has {type(layer).__name__} {layer.name!r}, so the rule does not apply "
                             "(use the gradient map of chapter 01 instead).")
        if not isinstance(layer, _WINDOWED):
            continue
        if isinstance(layer, layers.Conv2D):
            kernel, stride, dilation = layer.kernel_size, layer.strides, layer.dilation_rate
        else:
            kernel, stride, dilation = layer.pool_size, layer.strides, (1, 1)
        if len(set(kernel)) != 1 or len(set(stride)) != 1 or len(set(dilation)) != 1:
            raise ValueError(f"layer {layer.name!r} has kernel {kernel}, strides {stride}, dilation "
                             f"{dilation}; receptive_field handles square ones only.")
        span = dilation[0] * (kernel[0] - 1) + 1
        field, jump = field + (span - 1) * jump, jump * stride[0]
    return field


def build_patch_discriminator(input_shape: Sequence[int] = (32, 64, 3),
                              image_shape: Sequence[int] = (32, 64, 3),
                              filters: Sequence[int] = (64, 128, 256, 512), kernel_size: int = 4,
                              name: str = "patch_discriminator") -> keras.Model:
    """A conditional PatchGAN: (input map, image) to a grid of real/fake logits.

    Stages of ``Conv2D(filters[i], kernel_size)`` with stride 2, except the last, which
    has stride 1 (as in the paper), each followed by batch normalisation (not on the
    first) and LeakyReLU(0.2); then a one-channel ``Conv2D(kernel_size)`` with stride 1
    and no activation. "Same" padding, so a ``(h, w)`` image gives a ``(h / 2**(n-1),
    w / 2**(n-1))`` grid for ``n = len(filters)`` stages. The default ``filters`` is the
    paper's 70×70 PatchGAN.

    Args:
        input_shape: ``(height, width, channels)`` of the condition (e.g. a one-hot or
            colour label map).
        image_shape: ``(height, width, channels)`` of the real or generated image; same
            height and width as the condition.
        filters: channels per stage; at least one stage.
        kernel_size: side of every kernel (4 in the paper).
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
        x = layers.Conv2D(count, kernel_size, strides=stride, padding="same", use_bias=index == 0,
                          name=f"stage{index}")(x)
        if index > 0:
            x = layers.BatchNormalization(name=f"stage{index}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"stage{index}_lrelu")(x)
    logits = layers.Conv2D(1, kernel_size, padding="same", dtype="float32", name="patch_logits")(x)
    return keras.Model([condition, image], logits, name=name)
