r"""pix2pix (Isola et al., 2017): image-to-image translation with a conditional GAN.

Introduced in ``notebooks/08_image_to_image.ipynb``. The generator :math:`G` is a U-Net
(chapter 02) that maps an input image :math:`x` (here a label map) to an output image;
the discriminator :math:`D` is a conditional PatchGAN
(:func:`segen_lib.models.build_patch_discriminator`) that sees the pair
:math:`(x, y)` and scores every patch of it as real or generated. The generator minimises

.. math::
    L_G = \mathcal{L}_{adv}\big(D(x, G(x))\big) + \lambda\, \mathbb{E}\,\lVert y - G(x) \rVert_1,

with :math:`\lambda = 100` in the paper: the L1 term pulls every pixel towards the
target (alone, it gives the blurry per-pixel median), the adversarial term makes the
patches look real (alone, it gives plausible images that need not match the input).

:class:`Pix2Pix` is chapter 04's :class:`~segen_lib.models.GAN`: the same training step,
optimizers, ``fit``, checkpoints (:func:`segen_lib.callbacks.save_gan_checkpoint`) and
backends; it changes what the networks take (the input image instead of noise) and adds
the L1 term. Without a discriminator it is the L1 regression alone; with
``l1_weight=0`` the adversarial loss alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers, ops

from segen_lib import checks
from segen_lib.batches import input_batches
from segen_lib.label_spaces import IGNORE_LABEL
from segen_lib.models.gan import GAN
from segen_lib.initial_weights import initial_weights_without_compiling
from segen_lib.models.unet import build_unet

__all__ = ["Pix2Pix", "build_pix2pix_generator", "PIX2PIX_PAPER", "one_hot_images"]

# The paper's optimiser (Isola et al., 2017, section 3.3), for pix2pix.compile(**PIX2PIX_PAPER).
PIX2PIX_PAPER = {"loss": "non-saturating", "learning_rate": 2e-4, "beta_1": 0.5}


@initial_weights_without_compiling()
def build_pix2pix_generator(input_shape: Sequence[int | None] = (32, 64, 19), output_channels: int = 3,
                            filters: Sequence[int] = (16, 32, 64, 128), batch_norm: bool = False,
                            upsampling: str = "transpose", name: str = "pix2pix_generator") -> keras.Model:
    """The pix2pix generator: chapter 02's U-Net with a ``tanh`` head.

    :func:`segen_lib.models.build_unet` with ``output="logits"`` and ``output_channels``
    channels, followed by ``tanh``, so the images it makes are in (-1, 1). The paper's
    generator is a deeper U-Net of the same shape (8 levels for 256×256 images) with
    batch normalisation and dropout as its only noise; this one has neither by default:
    on chapter 08's CPU budget the generator without normalisation reached a higher
    FCN-score in the same time, and needs no recalibration of statistics after training
    (``benchmarks/RESULTS.md``).

    Args:
        input_shape: ``(height, width, channels)`` of the input image (for a label map,
            its one-hot channels: one per class); height and width divisible by
            ``2 ** (len(filters) - 1)``.
        output_channels: channels of the generated image (3 for RGB).
        filters: as for :func:`~segen_lib.models.build_unet`.
        batch_norm: batch normalisation after every convolution (the paper's choice).
        upsampling: ``"transpose"`` (a learned 2×2 transposed convolution, the paper's) or
            ``"resize"`` (bilinear upsampling, then a 3×3 convolution). Under an
            adversarial loss the transposed convolution tends to draw a periodic
            checkerboard (each output pixel of a 2×2 block has its own kernel weights);
            resizing first does not (Odena, Dumoulin & Olah, 2016, "Deconvolution and
            checkerboard artifacts", Distill). Chapter 08 uses ``"resize"``.
        name: model name.

    Returns:
        A functional ``keras.Model`` mapping ``(batch, height, width, channels)`` to
        ``(batch, height, width, output_channels)`` float32 in (-1, 1).

    Raises:
        ValueError: as :func:`~segen_lib.models.build_unet` (``upsampling`` not one of
            ``"transpose"``, ``"resize"`` included).

    Example:
        >>> build_pix2pix_generator((32, 64, 19), filters=(8, 16)).output_shape
        (None, 32, 64, 3)
    """
    output_channels = checks.positive_int(output_channels, "output_channels")
    unet = build_unet(input_shape, num_classes=output_channels, filters=filters, batch_norm=batch_norm,
                      upsampling=upsampling, output="logits", name=f"{name}_unet")
    images = layers.Activation("tanh", dtype="float32", name="image")(unet.outputs[0])
    return keras.Model(unet.inputs[0], images, name=name)


def one_hot_images(maps, num_classes: int) -> np.ndarray:
    """Label maps as images in [-1, 1]: one channel per class, 1 for the class, -1 elsewhere.

    The target of a pix2pix generator that draws label maps (scene → label map, chapter
    07): ``argmax`` over the channels of its output gives the map back. The ignore label
    (255) becomes -1 in every channel.

    Args:
        maps: integer class ids ``(n, height, width)`` in ``0 .. num_classes - 1`` (or 255).
        num_classes: the number of classes.

    Returns:
        float32 ``(n, height, width, num_classes)`` with values -1 and 1.

    Raises:
        ValueError: what :func:`segen_lib.checks.label_masks` refuses.

    Example:
        >>> one_hot_images(np.array([[[0, 2]]]), 3)[0, 0].tolist()
        [[1.0, -1.0, -1.0], [-1.0, -1.0, 1.0]]
    """
    num_classes = checks.positive_int(num_classes, "num_classes")
    maps = checks.label_masks(maps, "maps", num_classes, ignore_index=IGNORE_LABEL)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (n, height, width), received {maps.shape}.")
    hot = maps[..., None] == np.arange(num_classes)
    return np.where(hot, np.float32(1), np.float32(-1))


class Pix2Pix(GAN):
    r"""pix2pix as a ``keras.Model``: ``fit(inputs, targets)`` trains a conditional GAN with an L1 term.

    Each step (:meth:`GAN.train_batch`): the discriminator minimises its loss on the real
    pairs ``(x, y)`` and the generated pairs ``(x, G(x))``; then the generator minimises
    :meth:`generator_objective`, the adversarial loss plus ``l1_weight`` times the mean
    absolute error to the target. Logged: ``d_loss``, ``d_real``, ``d_fake`` (as for
    :class:`GAN`), ``g_gan`` (adversarial part), ``g_l1`` (mean absolute error) and
    ``g_loss`` (their weighted sum).

    Args:
        generator: maps inputs ``(batch, H, W, C_in)`` to images ``(batch, H, W, C_out)``
            in [-1, 1] (:func:`build_pix2pix_generator`).
        discriminator: a conditional PatchGAN taking ``[inputs, images]``
            (:func:`segen_lib.models.build_patch_discriminator`), or None for the L1
            regression alone.
        num_classes: None when the inputs are float images in [-1, 1]; the number of
            classes when they are label maps ``(batch, H, W)`` of class ids, which each
            step turns into ``num_classes`` one-hot channels (the ignore label 255 into
            zeros). The generator must then take ``num_classes`` channels.
        l1_weight: :math:`\lambda`, the weight of the L1 term (100 in the paper; 0 for
            the adversarial loss alone).
        seed: seed of the batch orders of ``fit``.

    Raises:
        ValueError: networks that are not Keras models, whose inputs and outputs do not
            fit together (input sizes, image shape), a generator that does not take
            ``num_classes`` channels, neither a discriminator nor an L1 term, or a
            negative ``l1_weight``. ``fit`` and :meth:`translate` raise on bad data
            (:meth:`check_data`).

    Example:
        >>> from segen_lib.models import build_patch_discriminator
        >>> generator = build_pix2pix_generator((16, 16, 4), filters=(8, 16))
        >>> discriminator = build_patch_discriminator((16, 16, 4), (16, 16, 3), filters=(8, 16))
        >>> pix2pix = Pix2Pix(generator, discriminator, num_classes=4, seed=0)
        >>> pix2pix.compile(jit_compile=False)
        >>> rng = np.random.default_rng(0)
        >>> maps, images = rng.integers(0, 4, (8, 16, 16)), rng.uniform(-1, 1, (8, 16, 16, 3))
        >>> sorted(pix2pix.fit(maps, images, batch_size=4, verbose=0).history)
        ['d_fake', 'd_loss', 'd_real', 'g_gan', 'g_l1', 'g_loss']
        >>> pix2pix.translate(maps[:2]).shape
        (2, 16, 16, 3)
    """

    metric_names = ("d_loss", "g_loss", "g_gan", "g_l1", "d_real", "d_fake")

    def __init__(self, generator: keras.Model, discriminator: keras.Model | None = None, *extra,
                 num_classes: int | None = None, l1_weight: float = 100.0, seed: int | None = None,
                 **kwargs):
        checks.keyword_options(extra, "Pix2Pix(generator, discriminator, ...)",
                               "num_classes=..., l1_weight=..., seed=...")
        self.num_classes = None if num_classes is None else checks.positive_int(num_classes, "num_classes")
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.l1_weight = checks.number(l1_weight, "l1_weight", minimum=0.0)
        if discriminator is None and self.l1_weight == 0:
            raise ValueError("a Pix2Pix without a discriminator and with l1_weight=0 has nothing to "
                             "minimise: give it a discriminator, or an l1_weight above 0.")
        self.condition_shape = tuple(generator.inputs[0].shape[1:])
        self.latent_dim = None   # no noise: the input image is the generator's only input

    def check_networks(self, generator, discriminator) -> tuple:
        """Check that generator and discriminator fit together; return the shape of one image."""
        for model, what, count in ((generator, "generator", 1), (discriminator, "discriminator", 2)):
            if model is None and what == "discriminator":
                continue
            if not isinstance(model, keras.Model):
                raise ValueError(f"{what} must be a keras.Model, received {type(model).__name__}.")
            if len(model.inputs) != count:
                taken = "[inputs, images]" if count == 2 else "the input image"
                raise ValueError(f"a Pix2Pix {what} takes {taken} ({count} input(s)), received one "
                                 f"with {len(model.inputs)}.")
        taken, made = tuple(generator.inputs[0].shape[1:]), tuple(generator.outputs[0].shape[1:])
        if len(taken) != 3 or len(made) != 3 or taken[:2] != made[:2]:
            raise ValueError(f"a Pix2Pix generator maps (H, W, C_in) images to (H, W, C_out) images of "
                             f"the same size, received one from {taken} to {made}.")
        if self.num_classes is not None and taken[2] != self.num_classes:
            raise ValueError(f"the generator takes {taken[2]} channels but num_classes={self.num_classes}: "
                             f"a label map of {self.num_classes} classes is one-hot encoded into "
                             f"{self.num_classes} channels; build the generator with input_shape "
                             f"(H, W, {self.num_classes}).")
        if discriminator is not None:
            seen = tuple(tuple(tensor.shape[1:]) for tensor in discriminator.inputs)
            if seen != (taken, made):
                raise ValueError(f"the discriminator takes [inputs, images] of shapes {list(seen)}, but "
                                 f"the generator takes {taken} and makes {made}: they must be equal.")
        return made

    def logged_metrics(self) -> tuple[str, ...]:
        if self.discriminator is None:
            return ("g_loss", "g_l1")
        return self.metric_names

    # What the networks take ---------------------------------------------------------------
    def condition(self, inputs):
        """The generator's input: one-hot channels of label maps, or the images themselves."""
        if self.num_classes is None:
            return ops.convert_to_tensor(inputs, "float32")   # a tensor, as the generated images are
        return ops.one_hot(ops.cast(inputs, "int32"), self.num_classes)

    def unpack(self, data):
        inputs, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        if targets is None:
            raise ValueError("a Pix2Pix trains on pairs: call fit(inputs, targets).")
        return targets, self.condition(inputs)

    def sample_noise(self, batch_size):
        return None   # pix2pix draws no noise

    def generator_inputs(self, noise, labels):
        return labels

    def discriminator_inputs(self, images, labels):
        return [labels, images]

    def generator_objective(self, real_images, fake_images, labels):
        r"""``(g_loss, logs)``: the adversarial loss plus ``l1_weight`` × :math:`\mathbb{E}|y - G(x)|`."""
        l1 = ops.mean(ops.abs(real_images - fake_images))
        if self.discriminator is None:
            return l1, {"g_loss": l1, "g_l1": l1}
        adversarial, _ = super().generator_objective(real_images, fake_images, labels)
        g_loss = adversarial + self.l1_weight * l1
        return g_loss, {"g_loss": g_loss, "g_gan": adversarial, "g_l1": l1}

    # What fit and translate accept -----------------------------------------------------------
    def check_inputs(self, inputs) -> np.ndarray:
        """Check the generator's inputs: label maps of ``num_classes`` classes, or images in [-1, 1]."""
        height_width = self.condition_shape[:2]
        if self.num_classes is not None:
            maps = checks.label_masks(inputs, "maps", self.num_classes, ignore_index=IGNORE_LABEL)
            if maps.ndim != 3:
                raise ValueError(f"maps must have shape (n, height, width) of class ids, received "
                                 f"{maps.shape}" + (": the one-hot channels are made inside."
                                                    if maps.ndim == 4 else "."))
            size = tuple(maps.shape[1:])
            what = "maps"
        else:
            maps = checks.float_images(inputs, "inputs", "[-1, 1]")
            size, what = tuple(maps.shape[1:3]), "inputs"
            if maps.shape[-1] != self.condition_shape[2]:
                raise ValueError(f"inputs must have {self.condition_shape[2]} channels for this generator, "
                                 f"received shape {maps.shape}.")
        if any(want is not None and want != got for want, got in zip(height_width, size)):
            raise ValueError(f"{what} have height and width {size} but the generator takes "
                             f"{height_width}: resize them, or build the networks for {size}.")
        if not len(maps):
            raise ValueError(f"{what} is empty.")
        return maps

    def check_data(self, inputs, targets=None):
        """Check a training pair before any step.

        Raises:
            ValueError: no targets; inputs that :meth:`check_inputs` refuses; targets that
                are not float images in [-1, 1] of the generator's output shape
                (:func:`segen_lib.checks.float_images`); inputs and targets of different
                counts or sizes.
        """
        if targets is None:
            raise ValueError("a Pix2Pix trains on pairs: call fit(inputs, targets).")
        inputs = self.check_inputs(inputs)
        targets = checks.float_images(targets, "targets", "[-1, 1]")
        if targets.shape[-1] != self.image_shape[-1]:
            raise ValueError(f"targets must have {self.image_shape[-1]} channels like the generator's "
                             f"images, received shape {targets.shape}.")
        if tuple(inputs.shape[1:3]) != tuple(targets.shape[1:3]):
            raise ValueError(f"inputs have height and width {tuple(inputs.shape[1:3])} but the targets "
                             f"{tuple(targets.shape[1:3])}: each input and its target must be the same size.")
        if len(inputs) != len(targets):
            raise ValueError(f"got {len(inputs)} inputs for {len(targets)} targets.")

    # Compile and translate -----------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, loss: str = "non-saturating",
                learning_rate: float = 2e-4, beta_1: float = 0.5, steps_per_execution: int = 8,
                jit_compile=True, **kwargs):
        """Choose the adversarial loss and the optimizers; the defaults are the paper's.

        Args:
            d_optimizer, g_optimizer: the networks' optimizers; default
                ``Adam(learning_rate, beta_1=beta_1)`` each.
            loss: the adversarial loss, as for :meth:`GAN.compile` (the paper's
                non-saturating loss by default; ``"hinge"`` also works).
            learning_rate, beta_1: Adam's settings for the default optimizers (the
                paper's 2e-4 and 0.5).
            steps_per_execution, jit_compile, **kwargs: as for :meth:`GAN.compile`.

        pix2pix samples from the generator itself: no weight average is kept.
        """
        super().compile(d_optimizer, g_optimizer, loss=loss, learning_rate=learning_rate, beta_1=beta_1,
                        ema_momentum=None, steps_per_execution=steps_per_execution,
                        jit_compile=jit_compile, **kwargs)

    def call(self, inputs, training=False):
        return self.generator(self.condition(inputs), training=training)

    def translate(self, inputs, batch_size: int = 64) -> np.ndarray:
        """The generator's images for ``inputs``, in inference mode.

        Args:
            inputs: label maps ``(n, H, W)`` (with ``num_classes``) or images
                ``(n, H, W, C_in)`` in [-1, 1].
            batch_size: inputs per forward pass.

        Returns:
            float32 ``(n, H, W, C_out)`` in [-1, 1].

        Raises:
            ValueError: inputs that :meth:`check_inputs` refuses.
        """
        inputs = self.check_inputs(inputs)
        batch_size = checks.positive_int(batch_size, "batch_size")
        return np.concatenate([ops.convert_to_numpy(self(batch, training=False))
                               for batch in input_batches(inputs, batch_size)])

    def generate(self, *args, **kwargs):
        raise ValueError("a Pix2Pix draws no noise: use translate(inputs) to make images.")
