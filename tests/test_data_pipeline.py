"""array_batches: the batches fit() would cut from arrays, from a pipeline without autotuning."""

import keras
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from segen_lib.data.pipeline import array_batches  # noqa: E402


def passes(dataset, count):
    """``count`` passes over ``dataset``, each a list of batches as NumPy values."""
    return [[tf.nest.map_structure(np.asarray, batch) for batch in dataset] for _ in range(count)]


def test_every_row_once_per_pass_with_a_partial_last_batch_and_a_new_order_each_pass():
    keras.utils.set_random_seed(0)
    rows = np.arange(50, dtype="float32")[:, None] * np.ones((1, 3), "float32")
    first, second = passes(array_batches(rows, batch_size=16), 2)
    for batches in (first, second):
        assert [len(b) for b in batches] == [16, 16, 16, 2]
        seen = np.concatenate(batches)[:, 0]
        assert sorted(seen) == list(range(50))
    order = [np.concatenate(p)[:, 0] for p in (first, second)]
    assert not np.array_equal(order[0], order[1])          # reshuffled on the second pass
    assert not np.array_equal(order[0], np.arange(50))     # and shuffled at all


def test_without_shuffle_the_order_is_kept():
    rows = np.arange(10)
    (batches,) = passes(array_batches(rows, batch_size=4, shuffle=False), 1)
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_arrays_stay_paired_and_keep_their_dtype():
    images = np.arange(30, dtype="float32").reshape(30, 1, 1, 1)
    labels = np.arange(30) % 10
    (batches,) = passes(array_batches(images, labels, batch_size=8), 1)
    for batch_images, batch_labels in batches:
        assert batch_images.dtype == np.float32 and batch_labels.dtype == labels.dtype
        np.testing.assert_array_equal(batch_images[:, 0, 0, 0].astype(int) % 10, batch_labels)


def test_floats_become_keras_float_type_as_in_keras_own_pipeline():
    images = np.linspace(-1, 1, 12).reshape(12, 1)          # float64, as x / 127.5 - 1 gives
    (batches,) = passes(array_batches(images, np.arange(12), batch_size=12, shuffle=False), 1)
    assert batches[0][0].dtype == np.dtype(keras.config.floatx())
    np.testing.assert_allclose(batches[0][0], images.astype(keras.config.floatx()))
    assert batches[0][1].dtype == np.arange(12).dtype       # integers untouched


def test_a_numpy_integer_batch_size_is_accepted():
    (batches,) = passes(array_batches(np.arange(5), batch_size=np.int64(2), shuffle=False), 1)
    assert [b.tolist() for b in batches] == [[0, 1], [2, 3], [4]]


def test_the_same_seed_gives_the_same_sequence_of_orders():
    def orders():
        keras.utils.set_random_seed(3)
        return [np.concatenate(p).tolist() for p in passes(array_batches(np.arange(20), batch_size=8), 3)]

    first = orders()
    assert first == orders()                                   # reproducible from the seed
    assert len({tuple(order) for order in first}) == 3         # and a new order every pass


def test_the_length_is_known_and_autotuning_is_off():
    dataset = array_batches(np.zeros((33, 2)), batch_size=8)
    assert int(dataset.cardinality()) == 5                 # fit() counts steps from the first epoch
    assert dataset.options().autotune.enabled is False


@pytest.mark.parametrize("arrays, batch_size, message", [
    ((), 8, "at least one array"),
    ((np.zeros((4, 2)), np.zeros(5)), 8, "same number of rows"),
    ((np.zeros((0, 2)),), 8, "non-empty"),
    ((np.float32(1.0),), 8, "same number of rows"),
    ((np.zeros((4, 2)),), 0, "batch_size must be an integer >= 1, received 0"),
    ((np.zeros((4, 2)),), 2.5, "batch_size must be an integer >= 1, received 2.5"),
    ((np.zeros((4, 2)),), True, "batch_size must be an integer >= 1, received True"),
])
def test_bad_input_is_a_clear_value_error(arrays, batch_size, message):
    with pytest.raises(ValueError, match=message):
        array_batches(*arrays, batch_size=batch_size)


def test_fit_on_the_batches_shows_no_warning_about_its_own_shuffle():
    import warnings

    from segen_lib.data.pipeline import _hide_fit_shuffle_warning

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    batches = array_batches(np.zeros((4, 1)), np.zeros((4, 1)), batch_size=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(batches, epochs=1, verbose=0)                   # Keras warns: shuffle=True ignored
    assert any("shuffle=True` was passed" in str(w.message) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _hide_fit_shuffle_warning()                                # as importing segen_lib.data does
        model.fit(batches, epochs=1, verbose=0)
        warnings.warn("another warning", UserWarning)
    assert [str(w.message) for w in caught] == ["another warning"]


def test_gan_fit_feeds_arrays_through_it_under_tensorflow(monkeypatch):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the pipeline replaces Keras's array handling under TensorFlow only")
    from segen_lib.data import pipeline
    from segen_lib.models import GAN, build_discriminator, build_generator

    calls = []

    def recorded(*arrays, **kwargs):
        calls.append(([a.shape for a in arrays], kwargs))
        return array_batches(*arrays, **kwargs)

    monkeypatch.setattr(pipeline, "array_batches", recorded)
    gan = GAN(generator=build_generator(16, filters=(32, 16)),
              discriminator=build_discriminator(filters=(16, 32)), seed=0)
    gan.compile(steps_per_execution=1, jit_compile=False)   # one step per call: exact step counts
    images = np.random.default_rng(0).uniform(-1, 1, (40, 28, 28, 1)).astype("float32")
    gan.fit(images, epochs=2, batch_size=16, verbose=0)                   # 3 steps per epoch: 16, 16, 8
    # the GAN's seed seeds the orders; the epoch to start from is fit's initial_epoch
    assert calls == [([(40, 28, 28, 1)], {"batch_size": 16, "shuffle": True, "seed": 0, "initial_epoch": 0})]
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == 6
    gan.fit(images, epochs=1, batch_size=16, steps_per_epoch=2, verbose=0)  # Keras's own handling
    assert len(calls) == 1
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == 8
    gan.fit(images.astype("float64"), epochs=2, initial_epoch=1, batch_size=16, shuffle=False, verbose=0)
    assert calls[1] == ([(40, 28, 28, 1)], {"batch_size": 16, "shuffle": False, "seed": 0, "initial_epoch": 1})
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == 11
