r"""U-Net (Ronneberger et al., 2015) as a plain ``keras.Model``.

Introduced in ``notebooks/02_unet_segmentation.ipynb``.

An encoder halves the resolution ``depth`` times while doubling the features; a
decoder doubles it back, and at each level concatenates the encoder's features of
the same size (the *skip connection*) so fine detail survives:

.. math::
    e_0 = C_0(x),\quad e_l = C_l(\mathrm{pool}(e_{l-1})),\quad
    d_l = C'_l([\mathrm{up}(d_{l+1}),\ e_l]),\quad y = \mathrm{softmax}(W d_0).

Departures from the paper, said where they happen: convolutions use ``same``
padding so nothing is cropped (the paper used valid padding and cropped the skip
features); batch normalisation is optional (the paper had none).

:func:`build_unet` returns a :class:`UNet`: a functional model that checks what it is
given before any step (images of a size its poolings cannot take, masks that do not
fit its classes) and says what to do.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import keras
from keras import layers

from segen_lib import checks
from segen_lib.batches import fit_inputs, readable_data
from segen_lib.initial_weights import initial_weights_without_compiling

UPSAMPLING_MODES = ("transpose", "resize")
OUTPUTS = ("probabilities", "logits")


def check_input_shape(input_shape: Sequence[int | None], depth: int) -> tuple:
    """Check that a U-Net of ``depth`` poolings can take ``input_shape``.

    Args:
        input_shape: ``(height, width, channels)``; height and width may be ``None``.
        depth: number of 2×2 poolings.

    Returns:
        ``input_shape`` as a tuple of Python ints (and ``None``).

    Raises:
        ValueError: not three positive sizes, or a height/width not divisible by
            ``2**depth``: then the message names the nearest valid sizes and explains
            the skip connections. That is the error of the article's U-Net, whose skip
            connections join tensors of different sizes.

    Example:
        >>> check_input_shape((64, 64, 1), depth=3)
        (64, 64, 1)
        >>> check_input_shape((100, 64, 1), depth=3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: height 100 is not divisible by 8: ... Nearest valid sizes: 96 or 104 ...
    """
    shape = checks.image_shape(input_shape, "input_shape", allow_none=True)
    depth = checks.integer(depth, "depth", minimum=0)
    factor = 2 ** depth
    why = (f"a U-Net with {depth} poolings (2**{depth} = {factor}) halves the size {depth} times, "
           f"and at every skip connection the decoder's upsampled features must be exactly as "
           f"large as the encoder's features they are joined with; fewer poolings also work")
    for name, size in zip(("height", "width"), shape[:2]):
        if size is not None:
            checks.divisible_size(size, factor, name, why)
    return shape


@keras.saving.register_keras_serializable(package="segen")
class UNet(keras.Model):
    """The functional U-Net of :func:`build_unet`, checking its inputs at the boundary.

    A plain functional ``keras.Model`` (same layers, weights, saving and loading) whose
    ``fit``, ``evaluate``, ``predict`` and direct calls first check, on the concrete
    arrays (the first batch of a dataset):

    - images: 4 axes, the model's channels, floats without NaN, and a height and width
      that ``2 ** depth`` divides (else the nearest valid sizes, as
      :func:`check_input_shape` says, instead of a concatenation error deep inside);
    - masks (``fit``/``evaluate`` targets): :func:`segen_lib.checks.label_masks` against
      the model's classes (0/255 binary masks, labels out of range, wrong channels), and
      the images' height and width. The ignore label (255 in Cityscapes train ids and
      Pascal VOC) is accepted when the compiled loss leaves it out: it declares an
      ``ignore_index`` (:class:`segen_lib.losses.DiceCrossentropy`, 255 by default) or an
      ``ignore_class`` (``keras.losses.SparseCategoricalCrossentropy(ignore_class=255)``);
      with another loss, 255 is refused (it would train as a class that does not exist).

    Inside a compiled step these values could not raise a clear error (a label out of
    range gives a NaN loss under XLA), so they are checked here, once, before it.

    Raises:
        ValueError: as described above, naming the argument and what to do.
    """

    def __init__(self, inputs, outputs, name=None, **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)

    @property
    def depth(self) -> int:
        """The number of 2×2 poolings."""
        return sum(isinstance(layer, layers.MaxPooling2D) for layer in self.layers)

    @property
    def num_classes(self) -> int:
        """1 for a binary U-Net (one sigmoid channel), else the number of classes."""
        return int(self.outputs[0].shape[-1])

    def check_images(self, images, name: str = "images"):
        """Check a batch of images (concrete values; shapes only for symbolic ones)."""
        channels = self.inputs[0].shape[-1]
        shape = tuple(images.shape)
        if len(shape) != 4 or shape[-1] != channels:
            raise ValueError(f"{name} must have shape (batch, height, width, {channels}) for this "
                             f"U-Net, received {shape}"
                             + (": add a channel axis with images[..., None]."
                                if len(shape) == 3 and channels == 1 else "."))
        if all(isinstance(size, int) for size in shape[1:3]):
            check_input_shape(shape[1:], self.depth)
        values = checks.concrete(images)
        if values is not None:
            if values.dtype.kind in "iub":
                raise ValueError(f"{name} must be floats, received {values.dtype}: the course's "
                                 "images are floats in [0, 1] (x / 255 for uint8 0..255).")
            checks.finite(values, name)
            if not values.size:
                raise ValueError(f"{name} is empty (shape {values.shape}).")

    def check_masks(self, masks, images=None, name: str = "masks"):
        """Check a batch of masks against this U-Net's classes (and the images' size).

        Labels equal to the compiled loss's ignore label (its ``ignore_index`` or
        ``ignore_class`` attribute) are accepted for ``num_classes > 1``.
        """
        values = checks.concrete(masks)
        if values is None:
            return
        ignore_index = None
        for attribute in ("ignore_index", "ignore_class"):   # DiceCrossentropy, Keras's losses
            value = getattr(getattr(self, "loss", None), attribute, None)
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                ignore_index = int(value)
                break
        if self.num_classes == 1 or (ignore_index is not None and 0 <= ignore_index < self.num_classes):
            ignore_index = None   # binary masks have no ignore label; a class label is in range anyway
        checks.label_masks(values, name, self.num_classes, ignore_index=ignore_index)
        if images is not None and tuple(values.shape[1:3]) != tuple(images.shape[1:3]):
            raise ValueError(f"{name} have height and width {tuple(values.shape[1:3])} but the "
                             f"images {tuple(images.shape[1:3])}: they must be equal.")

    def _check_data(self, x, y=None):
        data = readable_data(x, y)
        if data is None:
            return  # a generator or a symbolic input: nothing to read now
        images, masks = data
        self.check_images(images)
        if masks is not None:
            self.check_masks(masks, images)

    def __call__(self, inputs, *args, **kwargs):
        # Checked before Keras wraps the call (its error would repeat the whole input).
        self.check_images(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        self._check_data(x, y)
        if isinstance(validation_data, tuple):
            self._check_data(*validation_data[:2])
        elif validation_data is not None:
            self._check_data(validation_data)
        if not args:   # arrays are fed as every model of the course feeds them
            x, y, batch_size, kwargs = fit_inputs(x, y, kwargs.pop("batch_size", None), **kwargs)
            kwargs["batch_size"] = batch_size
        return super().fit(x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_data(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        self._check_data(x)
        return super().predict(x, *args, **kwargs)


def conv_block(x, filters: int, batch_norm: bool = True, dropout: float = 0.0, name: str = "block",
               activation: str = "relu"):
    """Two 3×3 convolutions, each followed by (batch norm and) ReLU: U-Net's basic unit.

    ``activation`` names another Keras activation in place of ReLU (chapter 12's noise
    predictor uses ``"swish"``, ``x · sigmoid(x)``, as DDPM's network does).

    Raises:
        ValueError: a bad filter count or dropout rate, or an activation Keras does not know.

    Example:
        >>> features = conv_block(keras.Input((16, 16, 1)), filters=8, name="enc0")
        >>> tuple(features.shape)
        (None, 16, 16, 8)
    """
    filters = checks.positive_int(filters, "filters")
    dropout = checks.number(dropout, "dropout", minimum=0, maximum=1, include_maximum=False)
    try:
        keras.activations.get(activation)
    except (ValueError, TypeError) as error:
        raise ValueError(f"activation must name a Keras activation such as 'relu' or 'swish', received "
                         f"{activation!r}.") from error
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm,
                          kernel_initializer="he_normal", name=f"{name}_conv{i}")(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"{name}_bn{i}")(x)
        x = layers.Activation(activation, name=f"{name}_{activation}{i}")(x)
    if dropout:
        x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    return x


@initial_weights_without_compiling()
def build_unet(input_shape: Sequence[int | None] = (64, 64, 1), num_classes: int = 1,
               filters: Sequence[int] = (16, 32, 64, 128), batch_norm: bool = True,
               dropout: float = 0.0, upsampling: str = "transpose", output: str = "probabilities",
               name: str = "unet") -> keras.Model:
    """Build a U-Net for binary or multi-class segmentation.

    Args:
        input_shape: ``(height, width, channels)``; height and width must be divisible
            by ``2 ** (len(filters) - 1)``, or ``None`` for any such size.
        num_classes: 1 for binary segmentation (one sigmoid channel), else the number
            of classes (softmax over ``num_classes`` channels), background included.
        filters: features per level, from the full-resolution level to the bottleneck;
            ``len(filters) - 1`` poolings.
        batch_norm: batch normalisation after every convolution.
        dropout: dropout rate at the bottleneck (0 disables it).
        upsampling: ``"transpose"`` (learned 2×2 transposed convolution) or
            ``"resize"`` (bilinear resize, then a 3×3 convolution: no checkerboard).
        output: ``"probabilities"`` (sigmoid/softmax) or ``"logits"``.
        name: model name.

    Returns:
        A :class:`UNet` (a functional ``keras.Model``) mapping ``(batch, height, width,
        channels)`` to ``(batch, height, width, max(num_classes, 1))``; it checks its
        images and masks before any step.

    Example:
        >>> model = build_unet((64, 64, 1), num_classes=11, filters=(8, 16, 32))
        >>> model.output_shape
        (None, 64, 64, 11)
    """
    num_classes = checks.positive_int(num_classes, "num_classes")  # 1: binary
    filters = checks.integers(filters, "filters")
    checks.one_of(upsampling, "upsampling", UPSAMPLING_MODES)
    checks.one_of(output, "output", OUTPUTS)
    dropout = checks.number(dropout, "dropout", minimum=0, maximum=1, include_maximum=False)
    depth = len(filters) - 1
    shape = check_input_shape(input_shape, depth)

    inputs = keras.Input(shape, name="images")
    x = inputs
    skips = []
    for level, width in enumerate(filters[:-1]):  # encoder
        x = conv_block(x, width, batch_norm, name=f"enc{level}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    x = conv_block(x, filters[-1], batch_norm, dropout, name="bottleneck")
    for level in reversed(range(depth)):  # decoder
        width = filters[level]
        if upsampling == "transpose":
            x = layers.Conv2DTranspose(width, 2, strides=2, name=f"up{level}")(x)
        else:
            x = layers.UpSampling2D(2, interpolation="bilinear", name=f"up{level}_resize")(x)
            x = layers.Conv2D(width, 3, padding="same", name=f"up{level}")(x)
        x = layers.Concatenate(name=f"skip{level}")([x, skips[level]])
        x = conv_block(x, width, batch_norm, name=f"dec{level}")
    channels = 1 if num_classes == 1 else num_classes
    activation = None if output == "logits" else ("sigmoid" if num_classes == 1 else "softmax")
    outputs = layers.Conv2D(channels, 1, activation=activation, dtype="float32", name="masks")(x)
    return UNet(inputs, outputs, name=name)


@initial_weights_without_compiling()
def build_article_unet(input_shape: Sequence[int] = (256, 256, 1), fixed: bool = False,
                       num_classes: int = 1) -> keras.Model:
    """The U-Net of the course's source article (section 4.1), as printed or repaired.

    As printed (``fixed=False``) it does not build: its decoder upsamples the *pooled*
    encoder outputs. The first concatenation matches (``pool4`` upsampled has the size of
    ``conv4``); the second joins ``UpSampling2D(pool3)`` with decoder features of half its
    size, e.g. 64×64 with 32×32 for a 256×256 input. Repaired (``fixed=True``) it upsamples the decoder's own
    features, so every concatenation joins tensors of equal size; filters stay
    64-128-256-512 with ``UpSampling2D``, one convolution per level and no batch norm.
    It is kept as the reference the course's U-Net is measured against.

    Args:
        input_shape: ``(height, width, channels)``, divisible by 16.
        fixed: build the repaired version.
        num_classes: 1 (the article's single sigmoid channel) or, for the repaired
            version only, the number of classes of a softmax output.

    Returns:
        A ``keras.Model`` (sigmoid output, or softmax when ``num_classes > 1``).

    Example:
        >>> build_article_unet((32, 32, 1), fixed=True, num_classes=11).output_shape
        (None, 32, 32, 11)
        >>> build_article_unet((32, 32, 1))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: ...Concatenate...
    """
    num_classes = checks.positive_int(num_classes, "num_classes")
    input_shape = check_input_shape(input_shape, 4)
    conv = lambda f, x: layers.Conv2D(f, 3, activation="relu", padding="same")(x)  # noqa: E731
    inputs = keras.Input(input_shape)
    conv1 = conv(64, inputs)
    pool1 = layers.MaxPooling2D(2)(conv1)
    conv2 = conv(128, pool1)
    pool2 = layers.MaxPooling2D(2)(conv2)
    conv3 = conv(256, pool2)
    pool3 = layers.MaxPooling2D(2)(conv3)
    conv4 = conv(512, pool3)
    pool4 = layers.MaxPooling2D(2)(conv4)
    if not fixed:  # exactly the article's wiring
        up5 = layers.concatenate([layers.UpSampling2D(2)(pool4), conv4], axis=3)
        conv6 = conv(256, conv(512, up5))
        up6 = layers.concatenate([layers.UpSampling2D(2)(pool3), conv6], axis=3)  # 2× conv6's size: fails
        conv8 = conv(64, conv(128, up6))
        up9 = layers.concatenate([layers.UpSampling2D(2)(pool2), conv8], axis=3)
        conv11 = conv(64, conv(128, up9))
        up12 = layers.concatenate([layers.UpSampling2D(2)(pool1), conv11], axis=3)
        outputs = layers.Conv2D(1, 1, activation="sigmoid")(conv(64, up12))
        return keras.Model(inputs, outputs, name="article_unet")
    # repaired: each decoder level upsamples its own input and joins the encoder map of that size
    conv5 = conv(512, pool4)
    up6 = layers.concatenate([layers.UpSampling2D(2)(conv5), conv4], axis=3)
    conv6 = conv(256, up6)
    up7 = layers.concatenate([layers.UpSampling2D(2)(conv6), conv3], axis=3)
    conv7 = conv(128, up7)
    up8 = layers.concatenate([layers.UpSampling2D(2)(conv7), conv2], axis=3)
    conv8 = conv(64, up8)
    up9 = layers.concatenate([layers.UpSampling2D(2)(conv8), conv1], axis=3)
    conv9 = conv(64, up9)
    if num_classes == 1:
        outputs = layers.Conv2D(1, 1, activation="sigmoid")(conv9)
    else:
        outputs = layers.Conv2D(num_classes, 1, activation="softmax")(conv9)
    return keras.Model(inputs, outputs, name="article_unet_fixed")
