r"""Data-parallel training of one U-Net on several devices, and the same on one, compared.

Introduced in ``notebooks/11_several_devices.ipynb``.

**Data parallelism**: every device holds a copy (a *replica*) of the model; each step,
the global batch of ``B`` images is split into equal shares, each replica computes the
gradient of the loss on its share, the gradients are summed across replicas
(*all-reduce*) and every replica applies the same update, so the copies stay equal. With
the loss of each replica scaled by its share of the global batch, the summed gradient
is exactly the gradient of the mean loss over the whole batch: the same update as one
device taking the whole batch. What can differ: batch normalisation computes its
statistics on each replica's share unless synchronised
(``BatchNormalization(synchronized=True)``), and sums are added in another order.

Three forms of the same training run here, on CPUs, so they can be tried without GPUs:

- ``"mirrored"``: ``tf.distribute.MirroredStrategy`` on the logical CPU devices of one
  process (:func:`split_cpu`), the form used for several GPUs in one machine;
- ``"multiworker"``: ``tf.distribute.MultiWorkerMirroredStrategy``, one process per
  worker, told the cluster by the ``TF_CONFIG`` environment variable and talking over
  gRPC on the loopback interface; the form used for several machines;
- ``"jax"``: the JAX backend's ``keras.distribution.DataParallel`` over several host
  devices (``XLA_FLAGS=--xla_force_host_platform_device_count=N``), where the split,
  the all-reduce and batch-norm statistics over the global batch come from XLA's
  compiler (SPMD partitioning).

Device counts are fixed when a backend starts, so each form runs in a fresh process:
``python -m segen_lib.distribute MODE --out result.json``, or :func:`run_in_processes`,
which starts those processes and collects what they write.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from segen_lib import checks, runtime

__all__ = ["MODES", "split_cpu", "training_run", "start_processes", "collect", "run_in_processes", "Processes"]

MODES = ("mirrored", "multiworker", "jax")
"""The data-parallel forms of :func:`training_run`."""


def split_cpu(num_devices: int) -> list[str]:
    """Split TensorFlow's CPU into ``num_devices`` logical devices; return their names.

    Must run before TensorFlow executes anything in the process (its devices are fixed
    then). The logical devices share the machine's cores: this is for trying
    ``MirroredStrategy`` without GPUs, not for speed.

    Raises:
        ValueError: ``num_devices`` below 1, or TensorFlow already started in this
            process (start a fresh one: ``python -m segen_lib.distribute mirrored``).
    """
    num_devices = checks.positive_int(num_devices, "num_devices")
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices)
    except RuntimeError as error:
        raise ValueError(f"TensorFlow has already started in this process, so its CPU can no longer be "
                         f"split ({error}); run the split first thing in a fresh process, e.g. "
                         f"python -m segen_lib.distribute mirrored.") from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def _data(num_images: int, image_size: tuple, seed: int):
    from segen_lib.synthetic import make_road_scenes

    images, masks = make_road_scenes(num_images, image_size=image_size, seed=seed)
    return images.astype("float32"), masks.astype("int32")


def _model(image_size: tuple, filters: tuple, learning_rate: float, seed: int, eager: bool):
    import keras

    from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES
    from segen_lib.losses import DiceCrossentropy
    from segen_lib.models import build_unet

    keras.utils.set_random_seed(seed)  # the same initial weights in every run
    num_classes = len(CITYSCAPES_CLASS_NAMES)
    model = build_unet((*image_size, 3), num_classes=num_classes, filters=filters)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=DiceCrossentropy(num_classes),
                  run_eagerly=eager)
    return model


def _fit(model, images, masks, batch_size: int, steps: int, tensorflow: bool) -> list[float]:
    """One epoch per step, so the history holds the loss of every step."""
    if tensorflow:
        import tensorflow as tf

        data = tf.data.Dataset.from_tensor_slices((images, masks)).repeat().batch(batch_size, drop_remainder=True)
        history = model.fit(data, steps_per_epoch=1, epochs=steps, verbose=0)
    else:
        repeats = -(-steps * batch_size // len(images))
        index = np.arange(repeats * len(images))[:steps * batch_size] % len(images)
        history = model.fit(images[index], masks[index], batch_size=batch_size, shuffle=False,
                            steps_per_epoch=1, epochs=steps, verbose=0)
    return [float(value) for value in history.history["loss"]]


def _custom_loop(model, strategy, images, masks, batch_size: int, steps: int) -> list[float]:
    """What ``fit`` does under a strategy, written out: Keras 3.15's ``fit`` fails under
    ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585), this loop does not."""
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((images, masks)).repeat().batch(batch_size, drop_remainder=True)
    options = tf.data.Options()  # each worker keeps its share of every global batch
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    batches = iter(strategy.experimental_distribute_dataset(data.with_options(options)))

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            # Keras losses divide by the number of replicas here, so the gradients
            # summed across replicas are those of the mean over the global batch.
            loss = model.loss(y, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # all-reduces first
        return loss

    def step():
        return strategy.reduce("SUM", strategy.run(replica_step, args=next(batches)), axis=None)

    step = step if model.run_eagerly else tf.function(step)

    return [float(step()) for _ in range(steps)]


_SETTINGS = ("steps", "batch_size", "image_size", "filters", "learning_rate", "num_images", "seed", "eager")


def training_run(mode: str, steps: int = 40, batch_size: int = 16, num_devices: int = 2,
                 image_size: tuple = (32, 64), filters: tuple = (8, 16, 32),
                 learning_rate: float = 3e-3, num_images: int = 256, seed: int = 0,
                 eager: bool = False) -> dict:
    """Train one U-Net on one device, then the same data-parallel; return both runs.

    Road scenes (chapter 06), the same initial weights, the same global batches in the
    same order, ``steps`` steps each; the loss of every step and a final loss on fixed
    held-out scenes (``model.evaluate``). Call it in a process of its own (see the
    module docstring): for ``"mirrored"`` the CPU is first split into ``num_devices``
    logical devices, for ``"jax"`` the process must start with ``KERAS_BACKEND=jax`` and
    ``XLA_FLAGS=--xla_force_host_platform_device_count=<num_devices>``.
    For ``"multiworker"``, ``TF_CONFIG`` names this worker; only the distributed run is
    made (compare it with the ``"mirrored"`` run's single-device one).

    Args:
        mode: one of :data:`MODES`.
        steps: training steps, >= 1.
        batch_size: the *global* batch, divisible by the number of replicas.
        num_devices: devices (``"mirrored"``, ``"jax"``); workers come from ``TF_CONFIG``.
        image_size, filters, learning_rate: the scenes and the U-Net.
        num_images: training scenes (seed ``seed``); 64 held-out scenes use seed ``seed + 1``.
        seed: seed of the weights and scenes.
        eager: run the single-device reference eagerly instead of tracing it into a graph:
            slower per step, quicker to start (a check that a few steps run, as in the
            course's fast mode). Distributed runs are always traced: eager collectives of
            two replicas in one process can pair the wrong tensors.

    Returns:
        ``{"mode", "replicas", "devices", "single": {"losses", "final_loss"} or None,
        "parallel": {"losses", "final_loss"}}``.

    Raises:
        ValueError: an unknown mode, a process started without the settings above, or a
            batch that the replicas cannot share equally.
    """
    checks.one_of(mode, "mode", MODES)
    steps = checks.positive_int(steps, "steps")
    batch_size = checks.positive_int(batch_size, "batch_size")
    num_devices = checks.positive_int(num_devices, "num_devices")
    import keras

    backend = keras.backend.backend()
    wanted = "jax" if mode == "jax" else "tensorflow"
    if backend != wanted:
        raise ValueError(f"mode {mode!r} needs the {wanted} backend, this process runs {backend!r}: "
                         f"start it with KERAS_BACKEND={wanted}.")
    if mode != "multiworker":  # one replica per device (multi-worker: counted once the cluster is up)
        _check_share(batch_size, num_devices)
    with runtime.quiet_tensorflow():  # MirroredStrategy logs every all-reduce it sets up
        return _training_run(mode, steps, batch_size, num_devices, tuple(image_size), tuple(filters),
                             learning_rate, num_images, seed, eager)


def _training_run(mode, steps, batch_size, num_devices, image_size, filters, learning_rate, num_images, seed,
                  eager) -> dict:
    import keras

    if mode == "mirrored":
        import tensorflow as tf

        configured = tf.config.get_logical_device_configuration(tf.config.list_physical_devices("CPU")[0])
        if configured is None or len(configured) < num_devices:  # not split yet (this does not start TensorFlow)
            split_cpu(num_devices)
    images, masks = _data(num_images, image_size, seed)
    held_images, held_masks = _data(64, image_size, seed + 1)
    settings = (image_size, filters, learning_rate, seed)

    def result(model, losses):
        # Outside any strategy's scope: the loss of the whole held-out set, on one device.
        # (JAX: a compiled predict; an eager forward pass is slow there.)
        outputs = model.predict(held_images, batch_size=64, verbose=0) if mode == "jax" else model(held_images, training=False)
        final = model.loss(held_masks, outputs)
        return {"losses": losses, "final_loss": float(keras.ops.convert_to_numpy(final).mean())}

    single = None
    if mode != "multiworker":
        model = _model(*settings, eager=bool(eager))
        single = result(model, _fit(model, images, masks, batch_size, steps, mode != "jax"))
    if mode == "jax":
        import jax

        devices = jax.devices()
        if len(devices) != num_devices:
            raise ValueError(f"JAX sees {len(devices)} device(s), {num_devices} wanted: start the process with "
                             f"XLA_FLAGS=--xla_force_host_platform_device_count={num_devices}.")
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        replicas, names = len(devices), [str(device) for device in devices]
        _check_share(batch_size, replicas)
        model = _model(*settings, eager=False)
        parallel = result(model, _fit(model, images, masks, batch_size, steps, False))
        keras.distribution.set_distribution(None)
    else:
        import tensorflow as tf

        if mode == "mirrored":
            strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(num_devices)])
        else:
            if "TF_CONFIG" not in os.environ:
                raise ValueError("mode 'multiworker' needs TF_CONFIG naming the cluster and this worker: "
                                 "use run_in_processes('multiworker'), which sets it.")
            strategy = tf.distribute.MultiWorkerMirroredStrategy()
        replicas = strategy.num_replicas_in_sync
        names = list(strategy.extended.worker_devices)
        _check_share(batch_size, replicas)
        with strategy.scope():
            model = _model(*settings, eager=False)
        if mode == "mirrored":
            losses = _fit(model, images, masks, batch_size, steps, True)
        else:
            losses = _custom_loop(model, strategy, images, masks, batch_size, steps)
        parallel = result(model, losses)
    return {"mode": mode, "replicas": int(replicas), "devices": names, "single": single, "parallel": parallel}


def _check_share(batch_size: int, replicas: int) -> None:
    if batch_size % replicas:
        raise ValueError(f"batch_size {batch_size} cannot be shared equally by {replicas} replicas: "
                         f"use a multiple of {replicas}, e.g. {batch_size + replicas - batch_size % replicas}.")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _processes(mode: str, num_devices: int, settings: dict, folder: Path) -> list[tuple]:
    """(command, environment) of each process of ``mode``; the first writes the result."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    env.pop("TF_CONFIG", None)
    if mode == "jax":
        env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
                   XLA_FLAGS=f"--xla_force_host_platform_device_count={num_devices}")
    else:
        env["KERAS_BACKEND"] = "tensorflow"
    envs = [env]
    if mode == "multiworker":
        cluster = {"worker": [f"localhost:{port}" for port in _free_ports(num_devices)]}
        envs = [dict(env, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}))
                for i in range(num_devices)]
    return [([sys.executable, "-m", "segen_lib.distribute", mode, "--out", str(folder / f"{mode}{i}.json"),
              "--num-devices", str(num_devices), "--settings", json.dumps(settings)], worker_env)
            for i, worker_env in enumerate(envs)]


class Processes:
    """Data-parallel runs started by :func:`start_processes`, to hand to :func:`collect`."""

    def __init__(self, modes: tuple, running: list, folder: tempfile.TemporaryDirectory, timeout: float):
        self.modes, self.running, self.folder, self.timeout = modes, running, folder, timeout
        self.started = time.time()


def start_processes(modes: str | Sequence[str] = MODES, num_devices: int = 2, timeout: float = 600,
                    **settings) -> Processes:
    """Start :func:`training_run` for each mode in fresh processes, all at once; return at once.

    ``"mirrored"``: one TensorFlow process. ``"jax"``: one process with
    ``KERAS_BACKEND=jax`` and ``num_devices`` host devices. ``"multiworker"``:
    ``num_devices`` worker processes, each with its own ``TF_CONFIG`` (a cluster of
    ``localhost`` ports, and this worker's index); worker 0, the *chief*, gives the
    result (in a real cluster it is also the one that writes checkpoints and logs).
    The processes share the machine's cores with each other and with the caller.

    Args:
        modes: one of :data:`MODES` or several.
        num_devices: devices, or workers, of each mode; >= 1.
        timeout: seconds :func:`collect` waits for all of them from now (then stops them).
        **settings: passed to :func:`training_run` (``steps``, ``batch_size``...).

    Returns:
        A :class:`Processes` handle for :func:`collect`.

    Raises:
        ValueError: an unknown mode or setting.
    """
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    for mode in modes:
        checks.one_of(mode, "modes", MODES)
    num_devices = checks.positive_int(num_devices, "num_devices")
    timeout = checks.number(timeout, "timeout", minimum=0, include_minimum=False)
    unknown = set(settings) - set(_SETTINGS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}: training_run takes {', '.join(_SETTINGS)}.")
    _check_share(checks.positive_int(settings.get("batch_size", 16), "batch_size"), num_devices)
    folder = tempfile.TemporaryDirectory()
    jobs = [(mode, *job) for mode in modes for job in _processes(mode, num_devices, settings, Path(folder.name))]
    running = [(mode, subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
               for mode, command, env in jobs]
    return Processes(modes, running, folder, timeout)


def collect(processes: Processes) -> dict[str, dict]:
    """Wait for the runs of :func:`start_processes`; return ``{mode: training_run's result}``.

    Raises:
        RuntimeError: a process failed (the end of its output is in the message) or the
            runs took longer than their timeout (then all are stopped).
    """
    try:
        outputs = [process.communicate(timeout=max(processes.timeout - (time.time() - processes.started), 1))[0]
                   for _, process in processes.running]
        for (mode, process), output in zip(processes.running, outputs):
            if process.returncode:
                tail = "\n".join(output.strip().splitlines()[-15:])
                raise RuntimeError(f"a {mode} process failed (exit status {process.returncode}):\n{tail}")
        folder = Path(processes.folder.name)
        return {mode: json.loads((folder / f"{mode}0.json").read_text()) for mode in processes.modes}
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the runs took more than {processes.timeout:.0f} s and were stopped.") from None
    finally:
        for _, process in processes.running:
            if process.poll() is None:
                process.kill()
                process.wait()
        processes.folder.cleanup()


def run_in_processes(modes: str | Sequence[str] = MODES, num_devices: int = 2, timeout: float = 600,
                     **settings) -> dict[str, dict]:
    """:func:`start_processes`, then :func:`collect`: the runs of ``modes``, all at once."""
    return collect(start_processes(modes, num_devices, timeout, **settings))


def main(argv=None) -> None:
    """``python -m segen_lib.distribute MODE --out FILE [--num-devices N] [--settings JSON]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--out", required=True, help="JSON file for the result")
    parser.add_argument("--num-devices", type=int, default=2)
    parser.add_argument("--settings", default="{}", help="JSON of training_run's keyword arguments")
    args = parser.parse_args(argv)
    settings = json.loads(args.settings)
    result = training_run(args.mode, num_devices=args.num_devices, **settings)
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
