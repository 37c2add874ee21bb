"""GAN callbacks: sample grids per epoch; checkpoint and resume equal straight-through training."""

import keras
import numpy as np
import pytest

from segen_lib import runtime
from segen_lib.callbacks import GANCheckpoint, GANMonitor, load_gan_checkpoint, save_gan_checkpoint
from segen_lib.models import GAN, build_discriminator, build_generator


def make_gan():
    gan = GAN(generator=build_generator(8, filters=(16, 8)),
              discriminator=build_discriminator(filters=(8, 16)), latent_dim=8, seed=3)
    gan.compile()
    return gan


def data():
    return np.random.default_rng(0).uniform(-1, 1, (48, 28, 28, 1)).astype("float32")


def test_monitor_keeps_one_grid_per_epoch():
    runtime.setup(seed=0, verbose=False)
    gan = make_gan()
    monitor = GANMonitor(num_images=4, latent_dim=8)
    gan.fit(data(), epochs=2, batch_size=16, verbose=0, callbacks=[monitor])
    assert len(monitor.images) == 2 and monitor.images[0].shape == (4, 28, 28, 1)
    with pytest.raises(ValueError, match="labels"):
        GANMonitor(num_images=4, latent_dim=8, labels=[1, 2])


def test_resume_equals_straight_through(tmp_path):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("bit-exact resume is checked with TensorFlow op determinism")
    runtime.setup(seed=0, deterministic=True, verbose=False)
    straight = make_gan()
    straight.fit(data(), epochs=3, batch_size=16, shuffle=False, verbose=0)

    runtime.setup(seed=0, deterministic=True, verbose=False)
    first = make_gan()
    path = tmp_path / "gan.npz"
    first.fit(data(), epochs=2, batch_size=16, shuffle=False, verbose=0,
              callbacks=[GANCheckpoint(path)])
    del first
    keras.utils.set_random_seed(123)  # a fresh session: other seeds must not matter
    resumed = make_gan()
    epoch = load_gan_checkpoint(resumed, path)
    assert epoch == 2
    resumed.fit(data(), epochs=3, initial_epoch=epoch, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(straight.generator.get_weights() + straight.discriminator.get_weights(),
                    resumed.generator.get_weights() + resumed.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_needs_matching_model(tmp_path):
    gan = make_gan()
    path = save_gan_checkpoint(gan, tmp_path / "a.npz", epoch=1)
    other = GAN(generator=build_generator(8, filters=(16, 8)),
                discriminator=build_discriminator(filters=(8, 16, 32)), latent_dim=8)
    other.compile()
    with pytest.raises(ValueError, match="build and compile it as it was"):
        load_gan_checkpoint(other, path)
