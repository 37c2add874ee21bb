"""Data-parallel training: two logical CPU devices learn what one device learns."""

import keras
import pytest

from segen_lib import distribute


def test_mirrored_on_two_logical_cpus_follows_one_device():
    # A fresh process (the CPU is split before TensorFlow starts), tiny and eager.
    run = distribute.run_in_processes("mirrored", steps=3, batch_size=8, num_images=16, filters=(4, 8),
                                      image_size=(16, 32), eager=True, timeout=300)["mirrored"]
    assert run["replicas"] == 2 and len(run["devices"]) == 2
    single, parallel = run["single"], run["parallel"]
    assert len(single["losses"]) == len(parallel["losses"]) == 3
    # The same first loss (same weights, same batch): the loss of each replica is divided
    # by their number, not counted twice; then the same updates up to batch-norm statistics.
    assert parallel["losses"][0] == pytest.approx(single["losses"][0], rel=0.02)
    assert parallel["final_loss"] == pytest.approx(single["final_loss"], rel=0.05)


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
    other = "jax" if keras.backend.backend() == "tensorflow" else "mirrored"
    with pytest.raises(ValueError, match="needs the .* backend.*KERAS_BACKEND"):
        distribute.training_run(other)
    with pytest.raises(ValueError, match=r"cannot be shared equally by 2 replicas.*multiple of 2, e\.g\. 8"):
        distribute._check_share(7, 2)
