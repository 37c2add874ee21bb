"""A sweep of learners' mistakes: every public entry point that takes images, masks, labels
or counts, fed a table of bad inputs, answers with a ``ValueError`` that names the argument
and says what to do, or with a documented acceptance.

Each table row is one mistake reported by learners of image-generation and segmentation
tutorials (uint8 images into a GAN, [0, 1] images into FID, 0/255 binary masks, a label
equal to the number of classes, one-hot arrays where labels belong, NaN, empty or
wrongly-ranked batches, NumPy integers as counts). Every check runs before any training
step, so each raising case costs no training; the whole module runs in seconds.
The backend-specific cases (labels inside a compiled step) are run under JAX in
``tests/test_models_gan.py``'s JAX process.
"""


import keras
import numpy as np
import pytest

from segen_lib import data, losses, metrics
from segen_lib.callbacks import FIDMonitor, GANMonitor
from segen_lib.models import GAN, ConditionalGAN, build_discriminator, build_generator, build_unet

ACCEPTED = None   # a table entry meaning: documented as accepted, must not raise

pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed:UserWarning")


def gan_images(count=32):
    """Good GAN images: floats in [-1, 1], (count, 28, 28, 1)."""
    return np.random.default_rng(0).uniform(-1, 1, (count, 28, 28, 1)).astype("float32")


# Bad versions of a good image batch, by the mistake they stand for.
IMAGE_MISTAKES = {
    "no batch axis": lambda x: x[0],
    "uint8 0..255": lambda x: np.round((x + 1) * 127.5).astype(np.uint8),
    "floats 0..255": lambda x: (x + 1) * 127.5,
    "floats in [0, 1]": lambda x: (x + 1) / 2,
    "one NaN pixel": lambda x: np.where(np.arange(x.size).reshape(x.shape) == 0, np.nan, x),
    "empty batch": lambda x: x[:0],
    "strings": lambda x: np.full(x.shape, "a"),
}
# What each [-1, 1] consumer answers: a message pattern, or ACCEPTED.
GAN_IMAGE_ANSWERS = {
    "no batch axis": r"images must have 4 axes",
    "uint8 0..255": r"images must be floats in \[-1, 1\], received uint8 .* x / 127\.5 - 1",
    "floats 0..255": r"images must be in \[-1, 1\], received values in \[[0-9.]+, 255\].* x / 127\.5 - 1",
    "floats in [0, 1]": r"no value is negative.* x \* 2 - 1",
    "one NaN pixel": r"images holds 1 NaN",
    "empty batch": r"images is empty",
    "strings": r"images must hold numbers",
}
FID_IMAGE_ANSWERS = {
    **GAN_IMAGE_ANSWERS,
    "no batch axis": r"images must be 28×28 grey images",
    "uint8 0..255": ACCEPTED,   # documented: uint8 images are scaled by the metric itself
    "empty batch": r"images is empty",
    "strings": r"images must hold numbers",
}


@pytest.fixture(scope="module")
def gan():
    model = GAN(build_generator(8, filters=(16, 8)), build_discriminator(filters=(8, 16)), seed=0)
    model.compile(jit_compile=False, steps_per_execution=1)
    return model


@pytest.fixture(scope="module")
def cgan():
    model = ConditionalGAN(build_generator(8, filters=(16, 8), num_classes=10),
                           build_discriminator(filters=(8, 16), num_classes=10), num_classes=10, seed=0)
    model.compile(jit_compile=True, steps_per_execution=1)   # as in the notebook: XLA
    return model


def expect(call, answer):
    if answer is ACCEPTED:
        call()
    else:
        with pytest.raises(ValueError, match=answer):
            call()


def untouched(model):
    """The model's weights now, to check that a refused call trained nothing."""
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("mistake", list(IMAGE_MISTAKES))
def test_gan_fit_refuses_images_outside_minus_one_one(gan, mistake):
    x = IMAGE_MISTAKES[mistake](gan_images())
    before = untouched(gan)
    expect(lambda: gan.fit(x, epochs=1, batch_size=16, verbose=0), GAN_IMAGE_ANSWERS[mistake])
    for got, want in zip(gan.get_weights(), before):   # refused before any step
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mistake", ["uint8 0..255", "floats 0..255", "floats in [0, 1]", "one NaN pixel"])
def test_gan_fit_checks_the_first_batch_of_a_dataset(gan, mistake):
    x = IMAGE_MISTAKES[mistake](gan_images())
    dataset = data.array_batches(x, batch_size=16, shuffle=False)
    with pytest.raises(ValueError, match=GAN_IMAGE_ANSWERS[mistake]):
        gan.fit(dataset, epochs=1, verbose=0)


@pytest.mark.parametrize("mistake", list(IMAGE_MISTAKES))
def test_fid_refuses_images_of_another_scale(mistake):
    x = IMAGE_MISTAKES[mistake](gan_images(16))
    expect(lambda: metrics.extract_features(x), FID_IMAGE_ANSWERS[mistake])


def test_fid_of_the_same_images_in_two_scales_is_refused_not_131():
    images, _ = data.load_fashion_mnist("test", limit=100)
    in_0_1, in_minus1_1 = images / 255.0, images / 127.5 - 1.0
    with pytest.raises(ValueError, match=r"\[0, 1\].*x \* 2 - 1"):
        metrics.fid(in_0_1, in_minus1_1)
    assert metrics.fid(images, in_minus1_1) == pytest.approx(0.0, abs=1e-6)   # uint8 == scaled
    with pytest.raises(ValueError, match=r"\[0, 1\].*x \* 2 - 1"):
        FIDMonitor(in_0_1, num_images=4)   # its real images are checked when it is made


def test_feature_statistics_with_nan_are_refused():
    bad = np.ones((10, 4))
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="features_a holds 1 NaN"):
        metrics.frechet_distance(bad, np.ones((10, 4)))
    with pytest.raises(ValueError, match="sigma_b holds"):
        metrics.frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.inf))
    with pytest.raises(ValueError, match="subset_size must be an integer >= 2"):
        metrics.kernel_distance(np.ones((10, 4)), np.ones((10, 4)), subset_size=1)


def test_mode_counts_refuse_nan_samples():
    samples = np.zeros((10, 2))
    samples[4] = np.nan   # a diverged generator: not "a sample far from every mode"
    with pytest.raises(ValueError, match="samples holds 2 NaN"):
        metrics.count_modes(samples, data.ring_centres(8), threshold=0.1)


# Class labels ---------------------------------------------------------------------------

LABEL_MISTAKES = {
    "label equal to num_classes": (lambda y: np.where(np.arange(len(y)) == 3, 10, y),
                                   r"labels must be class indices in 0\.\.9 \(num_classes=10\), received values in 0\.\.10"),
    "negative label": (lambda y: np.where(np.arange(len(y)) == 0, -1, y), r"received values in -1\.\."),
    "fraction": (lambda y: y + 0.5, r"non-integer values such as"),
    "one-hot": (lambda y: np.eye(10)[y], r"one-hot labels\? take argmax"),
    "NaN": (lambda y: np.where(np.arange(len(y)) == 0, np.nan, y), r"labels holds 1 NaN"),
    "uint8 255": (lambda y: np.full(len(y), 255, np.uint8), r"received values in 255\.\.255"),
    "whole floats": (lambda y: y.astype("float32"), ACCEPTED),
    "(n, 1) labels": (lambda y: y[:, None], ACCEPTED),
}


@pytest.mark.parametrize("mistake", list(LABEL_MISTAKES))
def test_conditional_gan_generate_checks_labels(cgan, mistake):
    change, answer = LABEL_MISTAKES[mistake]
    labels = change(np.arange(4) % 10)
    expect(lambda: cgan.generate(4, labels=labels, averaged=False), answer)


@pytest.mark.parametrize("mistake", [m for m, (_, a) in LABEL_MISTAKES.items() if a is not ACCEPTED])
def test_conditional_gan_fit_checks_labels_before_the_compiled_step(cgan, mistake):
    change, answer = LABEL_MISTAKES[mistake]
    labels = change(np.arange(32) % 10)
    before = untouched(cgan)
    with pytest.raises(ValueError, match=answer):
        cgan.fit(gan_images(), labels, epochs=1, batch_size=16, verbose=0)
    for got, want in zip(cgan.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_conditional_gan_checks_labels_of_a_dataset_and_of_its_monitor(cgan):
    labels = np.arange(32) % 10
    labels[0] = 10
    with pytest.raises(ValueError, match=r"received values in 0\.\.10"):
        cgan.fit(data.array_batches(gan_images(), labels, batch_size=16, shuffle=False), verbose=0)
    with pytest.raises(ValueError, match="call fit\\(images, labels\\)"):
        cgan.fit(gan_images(), epochs=1, batch_size=16, verbose=0)
    with pytest.raises(ValueError, match=r"GANMonitor labels must be class indices in 0\.\.9"):
        cgan.fit(gan_images(), np.arange(32) % 10, epochs=1, batch_size=16, verbose=0,
                 callbacks=[GANMonitor(num_images=2, labels=[3, 12])])


def test_conditional_gan_refuses_networks_built_for_other_classes():
    with pytest.raises(ValueError, match="built for 5 classes, but num_classes=10"):
        ConditionalGAN(build_generator(8, filters=(16, 8), num_classes=5),
                       build_discriminator(filters=(8, 16), num_classes=5), num_classes=10)
    with pytest.raises(ValueError, match="discriminator's label embedding .* built for 5 classes"):
        ConditionalGAN(build_generator(8, filters=(16, 8), num_classes=10),
                       build_discriminator(filters=(8, 16), num_classes=5), num_classes=10)


# Segmentation masks ---------------------------------------------------------------------

def digit_masks():
    return np.random.default_rng(0).integers(0, 3, (2, 16, 16))   # labels 0..2


MASK_MISTAKES = {   # (make the masks, answer for a 3-class consumer)
    "label equal to num_classes": (lambda m: np.where(m == 2, 3, m), r"labels in 0\.\.2 \(num_classes=3\), received labels in 0\.\.3"),
    "negative label": (lambda m: m - 1, r"received labels in -1\.\."),
    "fractional floats": (lambda m: m + 0.25, r"take argmax\(axis=-1\)"),
    "NaN": (lambda m: np.where(m == 1, np.nan, m), r"NaN"),
    "wrong channels": (lambda m: np.eye(4)[m], r"4 channels, but num_classes=3"),
    "one-hot": (lambda m: np.eye(3)[m], ACCEPTED),
    "labels with a channel axis": (lambda m: m[..., None], ACCEPTED),
}


@pytest.fixture(scope="module")
def unet3():
    model = build_unet((None, None, 1), num_classes=3, filters=(4, 8, 16))   # 2 poolings: sizes of 4
    model.compile("adam", losses.DiceCrossentropy(num_classes=3))
    return model


@pytest.mark.parametrize("mistake", list(MASK_MISTAKES))
def test_dice_crossentropy_checks_masks(mistake):
    change, answer = MASK_MISTAKES[mistake]
    predictions = np.full((2, 16, 16, 3), 1 / 3, "float32")
    if mistake == "wrong channels":   # a shape: refused when the step is traced, by shape
        answer = r"expects masks of labels .* received shape \(2, 16, 16, 4\)"
    expect(lambda: losses.DiceCrossentropy(num_classes=3)(change(digit_masks()), predictions), answer)


@pytest.mark.parametrize("mistake", [m for m, (_, a) in MASK_MISTAKES.items() if a is not ACCEPTED])
def test_unet_fit_checks_masks_before_the_first_step(unet3, mistake):
    change, answer = MASK_MISTAKES[mistake]
    before = untouched(unet3)
    images = np.random.default_rng(1).uniform(0, 1, (2, 16, 16, 1)).astype("float32")
    with pytest.raises(ValueError, match=answer):
        unet3.fit(images, change(digit_masks()), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=answer):
        unet3.fit(data.array_batches(images, change(digit_masks()), batch_size=2, shuffle=False),
                  epochs=1, verbose=0)
    for got, want in zip(unet3.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_binary_masks_stored_as_0_255_are_refused_with_the_fix():
    masks = np.where(digit_masks() > 0, 255, 0).astype(np.uint8)
    message = r"0/255 become 0/1 with mask // 255"
    with pytest.raises(ValueError, match=message):
        losses.DiceCrossentropy(num_classes=1)(masks, np.full((2, 16, 16, 1), 0.5, "float32"))
    binary = build_unet((16, 16, 1), num_classes=1, filters=(4, 8))
    binary.compile("adam", losses.DiceCrossentropy(num_classes=1))
    with pytest.raises(ValueError, match=message):
        binary.fit(np.zeros((2, 16, 16, 1), "float32"), masks, verbose=0)


def test_a_loss_for_other_classes_than_the_model_is_named_when_the_step_is_traced():
    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    model.compile("adam", losses.DiceCrossentropy(num_classes=4))
    with pytest.raises(ValueError, match=r"DiceCrossentropy\(num_classes=4\) expects predictions with 4"):
        model.fit(np.zeros((2, 16, 16, 1), "float32"), digit_masks(), verbose=0)


def test_dice_leaves_classes_absent_from_the_batch_out_of_its_mean():
    rng = np.random.default_rng(0)
    masks = rng.integers(0, 3, (2, 8, 8))        # class 3 of 4 is absent
    near_perfect = np.eye(4, dtype="float32")[masks] * 0.97 + 0.0075   # rows sum to 1
    loss = losses.DiceCrossentropy(num_classes=4, dice_weight=1.0)
    crossentropy = -np.log(0.9775)
    # Each present class: Dice = 2·0.9775·n / (n + 0.9775·n + 0.0075·(N - n)), N = 128 pixels.
    counts = np.bincount(masks.ravel(), minlength=4)[:3]
    dice = 2 * 0.9775 * counts / (counts + 0.9775 * counts + 0.0075 * (128 - counts))
    expected = crossentropy + np.mean(1 - dice)
    assert float(loss(masks, near_perfect)) == pytest.approx(expected, rel=1e-3)
    assert float(loss(masks, near_perfect)) < 0.06   # not the 0.25 of a full miss on class 3
    assert float(loss(np.eye(4)[masks], near_perfect)) == pytest.approx(expected, rel=1e-3)   # one-hot


# U-Net sizes and images -----------------------------------------------------------------

@pytest.mark.parametrize("size, nearest", [(30, "28 or 32"), (34, "32 or 36")])
def test_unet_for_any_size_names_the_nearest_sizes_at_call_time(unet3, size, nearest):
    x = np.zeros((1, size, size, 1), "float32")
    for call in (lambda: unet3(x), lambda: unet3.predict(x, verbose=0),
                 lambda: unet3.fit(x, np.zeros((1, size, size), "int64"), verbose=0)):
        with pytest.raises(ValueError, match=f"height {size} is not divisible by 4.*Nearest valid sizes: {nearest}"):
            call()
    assert unet3.predict(np.zeros((1, 32, 32, 1), "float32"), verbose=0).shape == (1, 32, 32, 3)


UNET_IMAGE_MISTAKES = {
    "no channel axis": (lambda x: x[..., 0], r"images must have shape \(batch, height, width, 1\).*images\[\.\.\., None\]"),
    "uint8 0..255": (lambda x: (x * 255).astype(np.uint8), r"x / 255 for uint8"),
    "one NaN pixel": IMAGE_MISTAKES["one NaN pixel"], "empty batch": (lambda x: x[:0], "images is empty"),
}


@pytest.mark.parametrize("mistake", list(UNET_IMAGE_MISTAKES))
def test_unet_predict_checks_images(unet3, mistake):
    change = UNET_IMAGE_MISTAKES[mistake]
    change, answer = (change, r"images holds 1 NaN") if callable(change) else change
    x = change(np.random.default_rng(0).uniform(0, 1, (2, 16, 16, 1)).astype("float32"))
    with pytest.raises(ValueError, match=answer):
        unet3.predict(x, verbose=0)


def test_unet_survives_saving_and_cloning(tmp_path):
    model = build_unet((16, 16, 1), num_classes=3, filters=(4, 8))
    model.save(tmp_path / "unet.keras")
    for copy in (keras.saving.load_model(tmp_path / "unet.keras"), keras.models.clone_model(model)):
        assert type(copy).__name__ == "UNet" and copy.depth == 1 and copy.num_classes == 3
        with pytest.raises(ValueError, match="Nearest valid sizes"):
            copy.predict(np.zeros((1, 15, 16, 1), "float32"), verbose=0)


# Segmentation metrics -------------------------------------------------------------------

def test_mean_iou_refuses_one_hot_arrays():
    rng = np.random.default_rng(1)
    truth, prediction = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    right = metrics.mean_iou(truth, prediction, 3)
    with pytest.raises(ValueError, match=r"y_true looks one-hot.*argmax\(axis=-1\)"):
        metrics.mean_iou(np.eye(3)[truth], np.eye(3)[prediction], 3)
    assert metrics.mean_iou(np.eye(3)[truth].argmax(-1), np.eye(3)[prediction].argmax(-1), 3) == right


def test_per_class_scores_refuse_a_label_mask_in_place_of_a_confusion_matrix():
    mask = np.random.default_rng(0).integers(0, 11, (64, 64))
    for function in (metrics.per_class_iou, metrics.per_class_dice):
        with pytest.raises(ValueError, match=r"looks like a \(64, 64\) label mask"):
            function(mask)
        with pytest.raises(ValueError, match="square"):
            function(np.ones((3, 4)))
        with pytest.raises(ValueError, match="pixel counts"):
            function(-np.eye(3))
    matrix = metrics.confusion_matrix(mask, mask, 11)   # a real one passes
    np.testing.assert_array_equal(metrics.per_class_iou(matrix), np.ones(11))


# Digit scenes and paired augmentation ----------------------------------------------------

def test_digit_scenes_check_the_digits_they_are_given():
    images, labels = data.load_mnist("test", limit=20)
    with pytest.raises(ValueError, match=r"in 0\.\.255 .* \(x \* 255\)\.astype\('uint8'\)"):
        data.make_digit_scenes(2, digits=(images / 255.0, labels))
    with pytest.raises(ValueError, match=r"digits labels must be class indices in 0\.\.9"):
        data.make_digit_scenes(2, digits=(images, labels + 12))
    with pytest.raises(ValueError, match=r"received values in 255\.\.255"):
        data.make_digit_scenes(2, digits=(images, np.full(20, 255, np.uint8)))
    with pytest.raises(ValueError, match="20 images but 19 labels"):
        data.make_digit_scenes(2, digits=(images, labels[:19]))
    _, masks = data.make_digit_scenes(4, digits=(images.astype("float32"), labels), seed=1)   # 0..255 floats
    assert masks.max() > 0


def test_paired_augmentation_takes_masks_as_scenes_come():
    images, masks = data.make_digit_scenes(2, split="test")
    augment = data.paired_augmentation(seed=0)
    out = augment({"images": images, "segmentation_masks": masks}, training=True)
    assert tuple(out["segmentation_masks"].shape) == masks.shape   # back without a channel axis
    with_axis = augment({"images": images, "segmentation_masks": masks[..., None]}, training=True)
    assert tuple(with_axis["segmentation_masks"].shape) == masks[..., None].shape
    with pytest.raises(ValueError, match="takes a dict"):
        augment(images)
    with pytest.raises(ValueError, match="images must have 4 axes"):
        augment({"images": images[..., 0], "segmentation_masks": masks})


# Counts: NumPy integers are integers; everything else that is not a count is named --------

COUNT_CALLS = {
    "build_unet num_classes": lambda n: build_unet((16, 16, 1), num_classes=n, filters=(4, 8)),
    "DiceCrossentropy num_classes": lambda n: losses.DiceCrossentropy(num_classes=n),
    "build_generator latent_dim": lambda n: build_generator(latent_dim=n, filters=(8, 4)),
    "confusion_matrix num_classes": lambda n: metrics.confusion_matrix([0, 1], [1, 0], num_classes=n),
    "make_shapes num_images": lambda n: data.make_shapes(n, image_size=16),
    "array_batches batch_size": lambda n: data.array_batches(np.zeros(4), batch_size=n),
}


@pytest.mark.parametrize("call", list(COUNT_CALLS))
@pytest.mark.parametrize("value, accepted", [(np.int64(2), True), (np.uint8(2), True), (0, False),
                                             (-1, False), (2.5, False), (True, False), ("2", False)])
def test_counts(call, value, accepted):
    name = call.split()[-1]
    if accepted:
        COUNT_CALLS[call](value)
    else:
        with pytest.raises(ValueError, match=f"{name} must be an integer >= 1, received {value!r}"):
            COUNT_CALLS[call](value)


def test_generate_counts(gan):
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match=f"num_images must be an integer >= 1, received {bad!r}"):
            gan.generate(bad)
    assert gan.generate(np.int64(2), averaged=False).shape == (2, 28, 28, 1)


# Under JAX, with XLA, the same checks hold: tests/test_models_gan.py runs them under make test-jax
# (test_one_fit_step_is_finite_under_jax), which has models built already.


def test_a_gan_on_a_backend_its_step_is_not_written_for_is_refused_at_compile(monkeypatch):
    model = GAN(build_generator(8, filters=(16, 8)), build_discriminator(filters=(8, 16)))
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")   # as under KERAS_BACKEND=torch
    with pytest.raises(ValueError, match="run on the tensorflow and jax backends, received backend 'torch'"):
        model.compile()


def test_a_gan_of_points_checks_finite_samples_of_its_shape():
    import keras as k
    noise = k.Input((2,))
    generator = k.Model(noise, k.layers.Dense(2)(k.layers.Dense(8, activation="relu")(noise)))
    samples = k.Input((2,))
    discriminator = k.Model(samples, k.layers.Dense(1)(k.layers.Dense(8, activation="relu")(samples)))
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(jit_compile=False, steps_per_execution=1, ema_momentum=None)
    points = data.sample_ring(64, seed=0)   # any scale: points are not images
    gan.fit(points * 10, epochs=1, batch_size=32, verbose=0)
    with pytest.raises(ValueError, match="samples holds 1 NaN"):
        gan.fit(np.where(np.arange(128).reshape(64, 2) == 5, np.nan, points), batch_size=32, verbose=0)
    with pytest.raises(ValueError, match=r"samples must have shape \(n, 2\)"):
        gan.fit(np.zeros((64, 3), "float32"), batch_size=32, verbose=0)
