"""GAN callbacks: sample grids per epoch; checkpoint and resume equal straight-through training."""

import keras
import numpy as np
import pytest

from segen_lib import runtime
from segen_lib.callbacks import GANCheckpoint, GANMonitor, load_gan_checkpoint, save_gan_checkpoint
from segen_lib.models import GAN, build_discriminator, build_generator


def make_gan(averaged=False):
    gan = GAN(generator=build_generator(8, filters=(16, 8)),
              discriminator=build_discriminator(filters=(8, 16)), latent_dim=8, seed=3)
    if averaged:   # the generator's optimizer also keeps a moving average of its weights
        gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, use_ema=True, ema_momentum=0.9))
    else:
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


@pytest.mark.parametrize("averaged", [False, True])
def test_resume_equals_straight_through(tmp_path, averaged):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("bit-exact resume is checked with TensorFlow op determinism")
    runtime.setup(seed=0, deterministic=True, verbose=False)
    straight = make_gan(averaged)
    straight.fit(data(), epochs=3, batch_size=16, shuffle=False, verbose=0)

    runtime.setup(seed=0, deterministic=True, verbose=False)
    first = make_gan(averaged)
    path = tmp_path / "gan.npz"
    first.fit(data(), epochs=2, batch_size=16, shuffle=False, verbose=0,
              callbacks=[GANCheckpoint(path)])
    del first
    keras.utils.set_random_seed(123)  # a fresh session: other seeds must not matter
    resumed = make_gan(averaged)
    epoch = load_gan_checkpoint(resumed, path)
    assert epoch == 2
    resumed.fit(data(), epochs=3, initial_epoch=epoch, batch_size=16, shuffle=False, verbose=0)
    networks = [(straight.generator, resumed.generator), (straight.discriminator, resumed.discriminator)]
    if averaged:   # the average is part of the optimizer's state, so the checkpoint keeps it
        networks.append((straight.averaged_generator(), resumed.averaged_generator()))
    for a, b in networks:
        for x, y in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(x, y)


def test_checkpoint_needs_matching_model(tmp_path):
    gan = make_gan()
    path = save_gan_checkpoint(gan, tmp_path / "a.npz", epoch=1)
    other = GAN(generator=build_generator(8, filters=(16, 8)),
                discriminator=build_discriminator(filters=(8, 16, 32)), latent_dim=8)
    other.compile()
    with pytest.raises(ValueError, match="build and compile it as it was"):
        load_gan_checkpoint(other, path)
