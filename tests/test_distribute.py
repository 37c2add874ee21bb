"""Data-parallel training: two devices learn what one device learns."""

import keras
import pytest

from segen_lib import distribute


def test_the_cpu_cannot_be_split_once_tensorflow_runs():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("checks TensorFlow's devices")
    keras.ops.ones(1)  # TensorFlow has started in this process
    with pytest.raises(ValueError, match="fresh process"):
        distribute.split_cpu(2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="modes must be one of"):
        distribute.start_processes("horovod")
    with pytest.raises(ValueError, match=r"unknown settings \['epochs'\]"):
        distribute.start_processes("mirrored", epochs=3)
    with pytest.raises(ValueError, match="num_devices"):
        distribute.start_processes("mirrored", num_devices=0)
    with pytest.raises(ValueError, match="cannot be shared equally by 2 replicas"):   # before any process starts
        distribute.start_processes("mirrored", batch_size=7)
    other = "jax" if keras.backend.backend() == "tensorflow" else "mirrored"
    with pytest.raises(ValueError, match="needs the .* backend.*KERAS_BACKEND"):
        distribute.training_run(other)
    with pytest.raises(ValueError, match=r"cannot be shared equally by 2 replicas.*multiple of 2, e\.g\. 8"):
        distribute.training_run("jax" if other == "mirrored" else "mirrored", batch_size=7)


@pytest.mark.skipif(keras.backend.backend() != "jax",
                    reason="four more processes: run by make test-jax, whose time is not shared with the notebooks "
                           "(make test runs the mirrored form in chapter 11's notebook)")
def test_data_parallel_on_two_devices_follows_one_device():
    runs = distribute.run_in_processes(("mirrored", "multiworker", "jax"), steps=3, batch_size=8, num_images=16,
                                       filters=(4, 8), image_size=(16, 32), timeout=600)
    mirrored, multiworker, jax = runs["mirrored"], runs["multiworker"], runs["jax"]
    # Two logical CPUs of one process: the same first loss (same weights, same batch: each
    # replica's loss divided by their number, not counted twice), then the same updates up
    # to batch-norm statistics, which each replica takes over its half of the batch.
    assert mirrored["replicas"] == 2 and len(mirrored["devices"]) == 2
    assert mirrored["parallel"]["losses"][0] == pytest.approx(mirrored["single"]["losses"][0], rel=0.02)
    assert mirrored["parallel"]["final_loss"] == pytest.approx(mirrored["single"]["final_loss"], rel=0.05)
    assert multiworker["single"] is None and multiworker["replicas"] == 2
    # Two worker processes, a hand-written step: the same losses as fit under MirroredStrategy.
    assert multiworker["parallel"]["losses"] == pytest.approx(mirrored["parallel"]["losses"], rel=1e-3)
    # XLA's split keeps batch-norm statistics over the whole batch: one device's run, to float precision.
    assert jax["replicas"] == 2
    assert jax["parallel"]["losses"] == pytest.approx(jax["single"]["losses"], rel=1e-3)
    assert jax["parallel"]["final_loss"] == pytest.approx(jax["single"]["final_loss"], rel=1e-3)
