"""ConditionalGAN: class labels checked before the compiled step, in fit, generate and its monitor.

Each table row is one mistake with class labels reported by learners (a label equal to the
number of classes, one-hot arrays where labels belong, NaN, uint8 255): ConditionalGAN
answers with a ``ValueError`` that names the argument and says what to do, or with a
documented acceptance. Training with labels, and the averaged generator of a conditional
GAN, are tested in test_models_gan.py.
"""

import re

import keras
import numpy as np
import pytest

from segen_lib import batches
from segen_lib.callbacks import GANMonitor
from segen_lib.models import ConditionalGAN, build_discriminator, build_generator

ACCEPTED = None   # a table entry meaning: documented as accepted, must not raise

JAX_ONLY = pytest.mark.skipif(keras.backend.backend() != "jax",
                              reason="JAX-only checks: make test-jax runs them (.ci/run runs it after make test)")

pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed:UserWarning")

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


@pytest.fixture(scope="module")
def cgan(tiny_gan):
    model = tiny_gan(ConditionalGAN, latent_dim=8, filters=(16, 8))
    model.compile(jit_compile=True, steps_per_execution=1)   # as in the notebook: XLA
    return model


@pytest.mark.parametrize("mistake", list(LABEL_MISTAKES))
def test_conditional_gan_generate_checks_labels(cgan, mistake, expect_answer):
    change, answer = LABEL_MISTAKES[mistake]
    labels = change(np.arange(4) % 10)
    expect_answer(lambda: cgan.generate(4, labels=labels, averaged=False), answer)


@pytest.mark.parametrize("mistake", [m for m, (_, a) in LABEL_MISTAKES.items() if a is not ACCEPTED])
def test_conditional_gan_fit_checks_labels_before_the_compiled_step(cgan, mistake, gan_images, keeps_weights):
    change, answer = LABEL_MISTAKES[mistake]
    labels = change(np.arange(32) % 10)
    with keeps_weights(cgan), pytest.raises(ValueError, match=answer):
        cgan.fit(gan_images(), labels, epochs=1, batch_size=16, verbose=0)


def test_conditional_gan_checks_labels_of_a_dataset_and_of_its_monitor(cgan, gan_images):
    labels = np.arange(32) % 10
    labels[0] = 10
    with pytest.raises(ValueError, match=r"received values in 0\.\.10"):
        cgan.fit(batches.array_batches(gan_images(), labels, batch_size=16, shuffle=False), verbose=0)
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


# Under JAX, with XLA ---------------------------------------------------------------------
# A label out of range would otherwise train silently inside the compiled step.

@pytest.fixture
def jax_cgan(tiny_gan):
    model = tiny_gan(ConditionalGAN, latent_dim=8, filters=(16, 8), seed=None)
    model.compile(jit_compile=True, steps_per_execution=1)
    return model


@JAX_ONLY
def test_conditional_gan_fit_refuses_a_label_out_of_range_under_jax(jax_cgan, gan_images):
    labels = np.arange(32) % 10
    labels[3] = 10
    with pytest.raises(ValueError, match=re.escape("received values in 0..10")):
        jax_cgan.fit(gan_images(32), labels, batch_size=16, verbose=0)


@JAX_ONLY
def test_conditional_gan_generate_refuses_a_label_out_of_range_under_jax(jax_cgan):
    with pytest.raises(ValueError, match=re.escape("received values in -1..0")):
        jax_cgan.generate(2, labels=[-1, 0])
