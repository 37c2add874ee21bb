"""How long the course's main models take to start: build, first training step, first predict.

Each (backend, model, cache state) is measured in a fresh Python process, as a notebook's
kernel meets it: the time to build the model, to run its first ``fit`` step (the training
step traced and compiled) and its first ``predict`` on a small batch. The models, at the
sizes the chapters use on a CPU:

- ``unet``: chapter 06's road U-Net, ``build_unet((32, 64, 3), num_classes=19, filters=(8, 16))``;
- ``dcgan``: chapter 04's generator and discriminator in a ``GAN``;
- ``pix2pix``: chapter 08's U-Net generator and PatchGAN in ``Pix2Pix``;
- ``noise_predictor``: chapter 12's noise predictor in ``Diffusion``.

Under JAX, every first use of an operation on a new shape is compiled by XLA, the random
initialisers of each layer included. ``runtime.enable_compilation_cache`` keeps those
compilations on disk; ``cold`` runs with an empty cache folder, ``warm`` runs again with the
folder the cold run filled. TensorFlow is measured once per model (its graph compilation is
not cached across processes). Printed: seconds per phase and the ratio JAX / TensorFlow.

Under JAX the course's builders, and every model once ``runtime.setup`` has run, draw their
initial weights with NumPy (:mod:`segen_lib.initial_weights`): a cold build compiles no
initialiser.

Run from the repository root (about 3 minutes on 2 CPU cores per repeat)::

    python benchmarks/startup.py
    python benchmarks/startup.py --models unet --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

MODELS = ("unet", "dcgan", "pix2pix", "noise_predictor")

CHILD = r"""
import json, os, sys, time
start = time.perf_counter()
import keras
import numpy as np
from segen_lib import runtime
runtime.setup(seed=0, verbose=False)
imported = time.perf_counter()
name = sys.argv[1]
rng = np.random.default_rng(0)
if name == "unet":
    from segen_lib.models import build_unet
    model = build_unet((32, 64, 3), num_classes=19, filters=(8, 16))
    built = time.perf_counter()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = rng.random((8, 32, 64, 3), dtype=np.float32), rng.integers(0, 19, (8, 32, 64)).astype("uint8")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    trained = time.perf_counter()
    model.predict(x[:2], verbose=0)
elif name == "dcgan":
    from segen_lib.models import GAN, build_discriminator, build_generator
    model = GAN(build_generator(64), build_discriminator(), seed=0)
    built = time.perf_counter()
    model.compile(steps_per_execution=1)
    x = rng.uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    model.fit(x, batch_size=32, epochs=1, verbose=0)
    trained = time.perf_counter()
    model.generator.predict(rng.normal(size=(2, 64)).astype("float32"), verbose=0)
elif name == "pix2pix":
    from segen_lib.models import Pix2Pix, build_patch_discriminator, build_pix2pix_generator
    generator = build_pix2pix_generator((32, 64, 19), output_channels=3, filters=(16, 32, 64, 128))
    model = Pix2Pix(generator, build_patch_discriminator((32, 64, 19), (32, 64, 3), filters=(32, 64, 128)),
                    num_classes=19, seed=0)
    built = time.perf_counter()
    model.compile(steps_per_execution=1)
    maps = rng.integers(0, 19, (8, 32, 64)).astype("uint8")
    targets = rng.uniform(-1, 1, (8, 32, 64, 3)).astype("float32")
    model.fit(maps, targets, batch_size=8, epochs=1, verbose=0)
    trained = time.perf_counter()
    model.translate(maps[:2])
elif name == "noise_predictor":
    from segen_lib.models.diffusion import Diffusion, NoiseSchedule, build_noise_predictor
    network = build_noise_predictor((28, 28, 1), filters=(32, 64, 128), time_dim=64, patch_size=2)
    model = Diffusion(network, NoiseSchedule(1000, "cosine"), ema_momentum=0.995, seed=0)
    built = time.perf_counter()
    model.compile(learning_rate=2e-3, steps_per_execution=1)
    x = rng.uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    model.fit(x, batch_size=32, epochs=1, verbose=0)
    trained = time.perf_counter()
    model.sample(2, steps=2, seed=0)
done = time.perf_counter()
print(json.dumps({"import": imported - start, "build": built - imported, "first_step": trained - built,
                  "first_predict": done - trained, "total": done - start}))
"""


def measure(backend: str, model: str, cache_dir: str | None) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu"}
    if cache_dir is None:
        env["SEGEN_JAX_CACHE"] = "off"
    else:
        env["SEGEN_JAX_CACHE"] = cache_dir
    result = subprocess.run([sys.executable, "-c", CHILD, model], env=env, capture_output=True, text=True,
                            check=False)
    if result.returncode:
        raise RuntimeError(f"{backend} {model} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--repeats", type=int, default=1,
                        help="measure each run this many times (fresh processes, a fresh cache folder "
                             "for each cold run) and print the median of each phase")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    rows = []
    header = f"{'model':16s} {'run':16s} {'build':>7s} {'1st step':>9s} {'1st predict':>11s} {'total':>7s}"
    print(header)
    for model in args.models:
        samples = {"tensorflow": [], "jax, no cache": [], "jax, cold cache": [], "jax, warm cache": []}
        for _ in range(args.repeats):
            samples["tensorflow"].append(measure("tensorflow", model, None))
            samples["jax, no cache"].append(measure("jax", model, None))
            with tempfile.TemporaryDirectory() as cache:
                samples["jax, cold cache"].append(measure("jax", model, cache))
                samples["jax, warm cache"].append(measure("jax", model, cache))
        runs = {run: {phase: statistics.median(times[phase] for times in measured) for phase in measured[0]}
                for run, measured in samples.items()}
        tf = runs["tensorflow"]
        for run, times in runs.items():
            ratio = times["build"] / tf["build"]
            print(f"{model:16s} {run:16s} {times['build']:7.2f} {times['first_step']:9.2f} "
                  f"{times['first_predict']:11.2f} {times['total']:7.2f}"
                  + ("" if run == "tensorflow" else f"   build {ratio:.1f}x, total {times['total'] / tf['total']:.1f}x TF"))
            rows.append({"model": model, "run": run, **times})
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
