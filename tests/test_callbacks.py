"""GAN callbacks: sample grids per epoch; checkpoint and resume equal straight-through training."""

import keras
import numpy as np
import pytest

from segen_lib import runtime
from segen_lib.callbacks import (FIDMonitor, GANCheckpoint, GANMonitor, load_gan_checkpoint,
                                 save_gan_checkpoint)
from segen_lib.models import ConditionalGAN


@pytest.fixture
def make_gan(tiny_gan):
    """``make_gan(averaged=False)``: a tiny compiled GAN, seeded."""
    def make(averaged=False):
        gan = tiny_gan(latent_dim=8, filters=(16, 8), seed=3)
        # With averaged=True the generator's optimizer also keeps a moving average of its weights;
        # steps run eagerly: tracing or compiling would cost more than these few steps.
        gan.compile(ema_momentum=0.9 if averaged else None, jit_compile=False, run_eagerly=True)
        return gan

    return make


@pytest.fixture
def data(gan_images):
    """48 images in [-1, 1]: three batches of 16."""
    return gan_images(48)


def test_monitor_keeps_one_grid_per_epoch(make_gan, data):
    runtime.setup(seed=0, verbose=False)
    gan = make_gan()
    monitor = GANMonitor(num_images=4)
    gan.fit(data, epochs=2, batch_size=16, verbose=0, callbacks=[monitor])
    assert len(monitor.images) == 2 and monitor.images[0].shape == (4, 28, 28, 1)
    assert monitor.noise.shape == (4, 8)   # latent_dim read from the generator
    with pytest.raises(ValueError, match="labels"):
        GANMonitor(num_images=4, labels=[1, 2])


def test_monitor_refuses_labels_that_do_not_fit_the_gan_before_training(make_gan, tiny_gan, data):
    gan = make_gan()
    start = gan.generator.get_weights()
    with pytest.raises(ValueError, match="takes noise only"):
        gan.fit(data, epochs=1, batch_size=16, verbose=0, callbacks=[GANMonitor(2, labels=[0, 1])])
    for got, want in zip(gan.generator.get_weights(), start):   # nothing was trained
        np.testing.assert_array_equal(got, want)
    cgan = tiny_gan(ConditionalGAN, latent_dim=8, filters=(16, 8), num_classes=3, seed=None)
    cgan.compile(jit_compile=False)
    with pytest.raises(ValueError, match="needs labels"):
        cgan.fit(data, np.arange(48) % 3, epochs=1, batch_size=16, verbose=0, callbacks=[GANMonitor(2)])


def test_fid_monitor_measures_last_and_averaged_weights_every_epoch(make_gan, data, uint8_images):
    runtime.setup(seed=0, verbose=False)
    real = uint8_images(64, (28, 28), seed=1)
    monitor = FIDMonitor(real, num_images=32)
    gan = make_gan(averaged=True)
    gan.fit(data, epochs=2, batch_size=16, verbose=0, callbacks=[monitor])
    assert monitor.epochs == [1, 2]
    assert all(len(values) == 2 and np.all(np.isfinite(values)) and min(values) > 0
               for values in monitor.distances.values())
    plain = FIDMonitor(real, num_images=32)
    make_gan().fit(data, epochs=1, batch_size=16, verbose=0, callbacks=[plain])
    assert len(plain.distances["last weights"]) == 1 and plain.distances["averaged"] == []


@pytest.mark.parametrize("averaged", [False, True])
def test_resume_equals_straight_through(tmp_path, averaged, make_gan, data):
    # shuffle=True (fit's default and the notebook's): GAN.fit draws the order of epoch e
    # from (the GAN's seed, e), so the resumed run sees the batches of the straight one.
    if keras.backend.backend() != "tensorflow":
        pytest.skip("bit-exact resume is checked with TensorFlow op determinism")
    runtime.setup(seed=0, deterministic=True, verbose=False)
    straight = make_gan(averaged)
    straight.fit(data, epochs=3, batch_size=16, shuffle=True, verbose=0)

    runtime.setup(seed=0, deterministic=True, verbose=False)
    first = make_gan(averaged)
    path = tmp_path / "gan.npz"
    first.fit(data, epochs=2, batch_size=16, shuffle=True, verbose=0,
              callbacks=[GANCheckpoint(path)])
    del first
    keras.utils.set_random_seed(123)  # a fresh session: other seeds must not matter
    resumed = make_gan(averaged)
    epoch = load_gan_checkpoint(resumed, path)
    assert epoch == 2
    resumed.fit(data, epochs=3, initial_epoch=epoch, batch_size=16, shuffle=True, verbose=0)
    networks = [(straight.generator, resumed.generator), (straight.discriminator, resumed.discriminator)]
    if averaged:   # the average is part of the optimizer's state, so the checkpoint keeps it
        networks.append((straight.averaged_generator(), resumed.averaged_generator()))
    for a, b in networks:
        for x, y in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(x, y)


def test_checkpoint_needs_matching_model(tmp_path, make_gan, tiny_gan):
    gan = make_gan()
    path = save_gan_checkpoint(gan, tmp_path / "a.npz", epoch=1)
    other = tiny_gan(latent_dim=8, filters=(16, 8), discriminator_filters=(8, 16, 32), seed=None)
    other.compile(ema_momentum=None, jit_compile=False)
    with pytest.raises(ValueError, match="build and compile it as it was"):
        load_gan_checkpoint(other, path)


def test_checkpoint_under_another_loss_or_class_is_refused(tmp_path, make_gan):
    gan = make_gan()   # hinge loss
    path = save_gan_checkpoint(gan, tmp_path / "a.npz", epoch=1)
    other = make_gan()
    other.compile(loss="non-saturating", ema_momentum=None, jit_compile=False)
    with pytest.raises(ValueError, match="compiled with loss='hinge'; this is a GAN compiled with "
                                         "loss='non-saturating'"):
        load_gan_checkpoint(other, path)
    stripped = tmp_path / "old.npz"
    with np.load(path) as archive:
        np.savez(stripped, **{k: archive[k] for k in archive.files if k != "loss"})
    with pytest.raises(ValueError, match="lacks loss"):
        load_gan_checkpoint(gan, stripped)


def test_a_checkpoint_that_does_not_fit_changes_nothing(tmp_path, make_gan, tiny_gan):
    gan = make_gan()
    path = save_gan_checkpoint(gan, tmp_path / "a.npz", epoch=1)
    wider = tiny_gan(latent_dim=8, filters=(32, 8), discriminator_filters=(8, 16), seed=None)
    wider.compile(ema_momentum=None, jit_compile=False)
    before = [np.array(keras.ops.convert_to_numpy(v)) for v in wider.variables]
    with pytest.raises(ValueError, match="has shape"):
        load_gan_checkpoint(wider, path)
    for variable, value in zip(wider.variables, before):   # all or nothing: nothing
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable), value)


@pytest.mark.parametrize("content", [b"", b"not a zip file", None])
def test_unreadable_checkpoints_are_named(tmp_path, content, make_gan):
    path = tmp_path / "broken.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match="broken.npz"):
        load_gan_checkpoint(make_gan(), path)


def test_checkpoint_callback_checks_its_folder_before_training(tmp_path, make_gan, data):
    gan = make_gan()
    with pytest.raises(ValueError, match="does not exist"):
        gan.fit(data, epochs=1, batch_size=16, verbose=0,
                callbacks=[GANCheckpoint(tmp_path / "missing" / "gan.npz")])
    assert int(gan.g_optimizer.iterations) == 0


def test_time_budget_stops_training_once_the_seconds_are_spent():
    from segen_lib.callbacks import TimeBudget

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    budget = TimeBudget(0.5, batch_size=4)
    x = np.zeros((8, 2), "float32")
    history = model.fit(x, x[:, :1], batch_size=4, epochs=100_000, callbacks=[budget], verbose=0)
    assert budget.elapsed >= 0.5 and len(history.epoch) < 100_000
    assert budget.images == 4 * budget.batches and budget.batches >= 1
    with pytest.raises(ValueError, match="seconds"):
        TimeBudget(0)


def _restartable_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    schedule = keras.optimizers.schedules.CosineDecay(0.05, 20)   # driven by the step count
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse", run_eagerly=True)
    return model


def test_restart_training_trains_again_exactly_as_the_first_time():
    from segen_lib.callbacks import restart_training

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    model = _restartable_model()
    initial = model.get_weights()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first = model.get_weights()
    restart_training(model, initial)
    assert int(model.optimizer.iterations) == 0
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), initial))   # BN statistics too
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(model.get_weights(), first))
    # resetting the weights alone is not enough: Adam's moments and step count would carry over
    model.set_weights(initial)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert not all(np.allclose(a, b, atol=1e-6) for a, b in zip(model.get_weights(), first))


def test_restart_training_refuses_an_uncompiled_model_or_other_weights():
    from segen_lib.callbacks import restart_training

    model = _restartable_model()
    with pytest.raises(ValueError, match="get_weights"):
        restart_training(model, model.get_weights()[:-1])
    with pytest.raises(ValueError, match="get_weights"):
        restart_training(model, [np.zeros((2, 2))] * len(model.get_weights()))
    bare = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        restart_training(bare, bare.get_weights())
