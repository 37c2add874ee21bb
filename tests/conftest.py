"""Shared test data: tiny GANs, image batches in each scale, road scenes, masks, and the
tables of learners' mistakes that the tests of several modules feed to their functions;
and headless Chromium, for the tests that open the course site and JupyterLab.

The repository's own ``conftest.py`` (one folder up) sets fast mode and closes figures; this
one only makes data. Keras and ``segen_lib`` are imported inside the fixtures, so that test
files which need neither (the site, the notebooks' cleanliness) do not pay for importing them.

Factories are session-scoped fixtures that return a function: a test asks for
``gan_images`` and calls ``gan_images(16)``. The ``*_mistake`` fixtures and ``count_check``
are parametrized: a test that asks for one runs once per row of its table.
"""

import contextlib
import functools
import os

import numpy as np
import pytest

ACCEPTED = None   # a table entry meaning: documented as accepted, must not raise


# Image batches in each scale ------------------------------------------------------------

def _draw_images(count, shape, seed):
    return np.random.default_rng(seed).uniform(-1, 1, (count, *shape)).astype("float32")


@pytest.fixture(scope="session")
def gan_images():
    """``gan_images(count=32, shape=(28, 28, 1), seed=0)``: float32 images in [-1, 1], as GANs take them."""
    def make(count=32, shape=(28, 28, 1), seed=0):
        return _draw_images(count, shape, seed)

    return make


@pytest.fixture(scope="session")
def unit_images():
    """``unit_images(count=32, shape=(28, 28, 1), seed=0)``: float32 images in [0, 1], as U-Nets take them.

    The same pictures as ``gan_images`` with the same arguments: ``(gan_images(...) + 1) / 2``.
    """
    def make(count=32, shape=(28, 28, 1), seed=0):
        return (_draw_images(count, shape, seed) + 1) / 2

    return make


@pytest.fixture(scope="session")
def uint8_images():
    """``uint8_images(count=32, shape=(28, 28, 1), seed=0)``: the same pictures as stored, uint8 in 0..255."""
    def make(count=32, shape=(28, 28, 1), seed=0):
        return np.round((_draw_images(count, shape, seed) + 1) * 127.5).astype(np.uint8)

    return make


# Tiny GANs ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def tiny_networks():
    """``tiny_networks(latent_dim=16, filters=(32, 16), num_classes=None, discriminator_filters=None)``:
    a small DCGAN generator and discriminator for 28×28×1 images, as ``(generator, discriminator)``.

    The discriminator's filters default to the generator's, reversed.
    """
    def make(latent_dim=16, filters=(32, 16), num_classes=None, discriminator_filters=None):
        from segen_lib.models import build_discriminator, build_generator

        generator = build_generator(latent_dim, filters=filters, num_classes=num_classes)
        discriminator = build_discriminator(filters=discriminator_filters or tuple(filters)[::-1],
                                            num_classes=num_classes)
        return generator, discriminator

    return make


@pytest.fixture(scope="session")
def tiny_gan(tiny_networks):
    """``tiny_gan(kind=GAN, latent_dim=16, filters=(32, 16), num_classes=None, seed=0,
    discriminator_filters=None, **kwargs)``: an uncompiled GAN (or ``kind``, e.g. ``WGANGP``)
    of ``tiny_networks``; ``kwargs`` go to its constructor. A ``ConditionalGAN`` gets 10
    classes unless ``num_classes`` says otherwise.
    """
    def make(kind=None, latent_dim=16, filters=(32, 16), num_classes=None, seed=0,
             discriminator_filters=None, **kwargs):
        from segen_lib.models import GAN, ConditionalGAN

        kind = kind or GAN
        if issubclass(kind, ConditionalGAN):
            num_classes = num_classes or 10
            kwargs["num_classes"] = num_classes
        generator, discriminator = tiny_networks(latent_dim, filters, num_classes, discriminator_filters)
        return kind(generator=generator, discriminator=discriminator, seed=seed, **kwargs)

    return make


@pytest.fixture(scope="session")
def keeps_weights():
    """``with keeps_weights(model): ...``: asserts that the block left every weight of ``model`` as it was."""
    @contextlib.contextmanager
    def check(model):
        before = [np.array(w) for w in model.get_weights()]
        yield
        for got, want in zip(model.get_weights(), before):
            np.testing.assert_array_equal(got, want)

    return check


# Road scenes ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def road_scenes():
    """``road_scenes(num_images, image_size=(64, 128), seed=0)``: ``(images, masks)`` from
    ``synthetic.make_road_scenes``: float32 images in [0, 1] and Cityscapes train-id masks.

    Each set is drawn once per session; every call returns fresh copies of it.
    """
    made = {}

    def make(num_images, image_size=(64, 128), seed=0):
        from segen_lib.synthetic import make_road_scenes

        key = (int(num_images), tuple(image_size), int(seed))
        if key not in made:
            made[key] = make_road_scenes(key[0], image_size=key[1], seed=key[2])
        images, masks = made[key]
        return images.copy(), masks.copy()

    return make


# Segmentation masks ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def ignore_label_masks():
    """``ignore_label_masks(seed=0, num_classes=4, shape=(2, 8, 8))``: ``(masks, ignored)``, uint8
    labels in 0..num_classes-1 with about a quarter of the pixels set to 255 (the ignore label),
    and the boolean map of those pixels.
    """
    def make(seed=0, num_classes=4, shape=(2, 8, 8)):
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, num_classes, shape).astype(np.uint8)
        ignored = rng.uniform(size=shape) < 0.25
        return np.where(ignored, 255, labels).astype(np.uint8), ignored

    return make


@pytest.fixture
def three_class_masks():
    """A (2, 16, 16) batch of masks with labels 0..2, for consumers built for 3 classes."""
    return np.random.default_rng(0).integers(0, 3, (2, 16, 16))


# Learners' mistakes ---------------------------------------------------------------------
# Each row is one mistake reported by learners of image-generation and segmentation
# tutorials. A consumer's test asks for the fixture and holds the answers of its function:
# a message pattern, or ACCEPTED.

# Bad versions of a good GAN image batch (floats in [-1, 1]), by the mistake they stand for.
IMAGE_MISTAKES = {
    "no batch axis": lambda x: x[0],
    "uint8 0..255": lambda x: np.round((x + 1) * 127.5).astype(np.uint8),
    "floats 0..255": lambda x: (x + 1) * 127.5,
    "floats in [0, 1]": lambda x: (x + 1) / 2,
    "one NaN pixel": lambda x: np.where(np.arange(x.size).reshape(x.shape) == 0, np.nan, x),
    "empty batch": lambda x: x[:0],
    "strings": lambda x: np.full(x.shape, "a"),
}


@pytest.fixture(params=list(IMAGE_MISTAKES))
def image_mistake(request):
    """``(name, change)``: ``change(gan_images())`` is the batch of that mistake. Runs every row;
    ``@pytest.mark.parametrize("image_mistake", [names], indirect=True)`` picks some."""
    return request.param, IMAGE_MISTAKES[request.param]


# Bad versions of masks of labels 0..2: (change, the answer of a 3-class consumer).
MASK_MISTAKES = {
    "label equal to num_classes": (lambda m: np.where(m == 2, 3, m),
                                   r"labels in 0\.\.2 \(num_classes=3\), received labels in 0\.\.3"),
    "negative label": (lambda m: m - 1, r"received labels in -1\.\."),
    "fractional floats": (lambda m: m + 0.25, r"take argmax\(axis=-1\)"),
    "NaN": (lambda m: np.where(m == 1, np.nan, m), r"NaN"),
    "wrong channels": (lambda m: np.eye(4)[m], r"4 channels, but num_classes=3"),
    "one-hot": (lambda m: np.eye(3)[m], ACCEPTED),
    "labels with a channel axis": (lambda m: m[..., None], ACCEPTED),
}


@pytest.fixture(params=list(MASK_MISTAKES))
def mask_mistake(request):
    """``(name, change, answer)`` for every row of MASK_MISTAKES; ``change(three_class_masks)``."""
    return (request.param, *MASK_MISTAKES[request.param])


@pytest.fixture(params=[name for name, (_, answer) in MASK_MISTAKES.items() if answer is not ACCEPTED])
def refused_mask_mistake(request):
    """``(name, change, answer)`` for the rows of MASK_MISTAKES that must be refused."""
    return (request.param, *MASK_MISTAKES[request.param])


@pytest.fixture(scope="session")
def expect_answer():
    """``expect_answer(call, answer)``: ``call()`` raises a ValueError that matches ``answer``,
    or, where ``answer`` is ACCEPTED (None), runs without raising."""
    def expect(call, answer):
        if answer is ACCEPTED:
            call()
        else:
            with pytest.raises(ValueError, match=answer):
                call()

    return expect


# Counts: NumPy integers are integers; everything else that is not a count is named.
COUNT_VALUES = [(np.int64(2), True), (np.uint8(2), True), (0, False), (-1, False), (2.5, False),
                (True, False), ("2", False)]


@pytest.fixture(params=COUNT_VALUES, ids=[repr(value) for value, _ in COUNT_VALUES])
def count_check(request):
    """``count_check(call, name)``, once per row of COUNT_VALUES: ``call(value)`` accepts a NumPy
    integer 2, and refuses 0, -1, 2.5, True and "2" with "<name> must be an integer >= 1"."""
    value, accepted = request.param

    def check(call, name):
        if accepted:
            call(value)
        else:
            with pytest.raises(ValueError, match=f"{name} must be an integer >= 1, received {value!r}"):
                call(value)

    return check


# The rows a model trains on, epoch by epoch ---------------------------------------------

@functools.cache
def _recording_classes():
    import keras
    from keras import ops

    class RecordingModel(keras.Model):
        """A linear model that, in training, keeps one number per row of its batch: the row's sum."""

        def __init__(self, batch_size):
            super().__init__()
            self.flatten = keras.layers.Flatten()
            self.dense = keras.layers.Dense(1)
            self.row_sums = self.add_weight(shape=(batch_size,), initializer="zeros", trainable=False,
                                            name="row_sums")

        def call(self, x, training=False):
            flat = self.flatten(ops.cast(x, "float32"))
            if training:
                self.row_sums.assign(ops.sum(flat, axis=1))
            return self.dense(flat)

    class EpochRows(keras.callbacks.Callback):
        """The row sums of every training batch, one list per epoch."""

        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_epoch_begin(self, epoch, logs=None):
            self.epochs.append([])

        def on_train_batch_end(self, batch, logs=None):
            self.epochs[-1].extend(ops.convert_to_numpy(self.model.row_sums).tolist())

    return RecordingModel, EpochRows


def _output_size(y_true, y_pred):
    """A loss that ignores the targets (images, masks or labels alike): only the rows matter here."""
    from keras import ops

    return ops.mean(ops.square(y_pred))


@pytest.fixture(scope="session")
def recording_model():
    """``recording_model(batch_size)``: a compiled linear model whose ``row_sums`` holds, after
    each training step, the sum of each row of the batch it trained on."""
    def make(batch_size):
        recording, _ = _recording_classes()
        model = recording(batch_size)
        model.compile(optimizer="sgd", loss=_output_size)
        return model

    return make


@pytest.fixture(scope="session")
def epoch_orders(recording_model):
    """``epoch_orders(fit_input, rows_per_batch, epochs=2, **fit_kwargs)``: fits a recording model
    under ``keras.utils.set_random_seed(0)`` and returns the rows each epoch saw, in order.

    ``fit_input`` is what ``fit`` takes first (a dataset), or a tuple ``(x, y)`` of arrays.
    """
    def orders(fit_input, rows_per_batch, epochs=2, **fit_kwargs):
        import keras

        keras.utils.set_random_seed(0)
        model = recording_model(rows_per_batch)
        _, epoch_rows = _recording_classes()
        recorder = epoch_rows()
        if isinstance(fit_input, tuple):
            model.fit(*fit_input, epochs=epochs, callbacks=[recorder], verbose=0, **fit_kwargs)
        else:
            model.fit(fit_input, epochs=epochs, callbacks=[recorder], verbose=0, **fit_kwargs)
        return recorder.epochs

    return orders


# Headless Chromium (the site and JupyterLab in a browser) --------------------------------

REQUIRE_BROWSER = os.environ.get("SEGEN_REQUIRE_BROWSER", "") == "1"


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (SEGEN_REQUIRE_BROWSER=1: the browser test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def unavailable():
    """``unavailable(reason)`` skips; under ``SEGEN_REQUIRE_BROWSER=1`` (make test-site, make test-lab) it fails."""
    return _unavailable


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright: Debian's ``chromium``, or ``SEGEN_CHROMIUM=/path``."""
    from segen_course.picture import NO_CHROMIUM, chromium_executable

    executable = chromium_executable()
    if not executable:
        _unavailable(NO_CHROMIUM)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()
