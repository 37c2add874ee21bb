"""Chapter 12's comparison: the diffusion model against chapter 04's DCGAN at the same CPU seconds.

One seed per run (``--seed``), as the chapter runs it in learner mode: the diffusion
model (``notebooks/12_diffusion.ipynb``'s settings, :data:`DIFFUSION`) is trained for
``--budget`` seconds in ``--checkpoints`` equal parts; after each part the loss of its
last epoch and the Fréchet distance of 500 DDIM samples are recorded, which is the
chapter's section 5 (the loss flattens while the samples keep improving). Then
chapter 04's DCGAN (the library's defaults) gets the same seconds. Both are measured on
1,000 samples against 2,000 shipped test images in the shipped classifier's feature
space (:func:`segen_lib.metrics.frechet_distance`): DDIM with 10, 20 and 50 steps and
η = 0, DDIM 50 with η = 1, the DCGAN, and the model shipped in ``data/`` (trained longer
by ``data/train_diffusion.py``) if present, with DDIM 50 at η = 0 and η = 1. The target:
the diffusion model's FID within 2× of the DCGAN's; both ratios are printed.

Run from the repository root, one seed per command::

    python benchmarks/diffusion.py --seed 0
    python benchmarks/diffusion.py --seed 1 --budget 60
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from segen_lib import datasets, metrics, runtime  # noqa: E402
from segen_lib.callbacks import TimeBudget  # noqa: E402
from segen_lib.datasets.shipped import DataFileError, noise_predictor_path  # noqa: E402
from segen_lib.models import GAN, build_discriminator, build_generator  # noqa: E402
from segen_lib.models.diffusion import Diffusion, NoiseSchedule, build_noise_predictor  # noqa: E402

# The chapter's diffusion model (keep in step with notebooks/12_diffusion.ipynb's constants).
DIFFUSION = dict(filters=(32, 64, 128), patch_size=2, time_dim=64, num_steps=1000, schedule="cosine", batch_size=32,
                 learning_rate=2e-3, ema_momentum=0.995, min_snr_gamma=5.0, prediction="v")


def fid_of(images, test_features) -> float:
    return float(metrics.frechet_distance(metrics.extract_features(images), test_features))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=180.0, help="training seconds of each model")
    parser.add_argument("--checkpoints", type=int, default=4)
    parser.add_argument("--skip-dcgan", action="store_true")
    args = parser.parse_args()
    runtime.setup(seed=args.seed)
    d = DIFFUSION
    images, _ = datasets.load_fashion_mnist("train")
    x_train = (images.astype("float32") / 127.5 - 1.0)[..., None]
    test_images, _ = datasets.load_fashion_mnist("test", limit=2000)
    test_features = metrics.extract_features(test_images)
    classifier = metrics.load_classifier()
    row = {"seed": args.seed, "budget_s": args.budget, "date": datetime.date.today().isoformat(),
           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "backend": keras.backend.backend()}

    keras.utils.set_random_seed(args.seed)
    network = build_noise_predictor((28, 28, 1), filters=d["filters"], time_dim=d["time_dim"],
                                    patch_size=d["patch_size"])
    schedule = NoiseSchedule(d["num_steps"], d["schedule"])
    model = Diffusion(network, schedule, ema_momentum=d["ema_momentum"], min_snr_gamma=d["min_snr_gamma"],
                      prediction=d["prediction"], seed=args.seed)
    model.compile(learning_rate=d["learning_rate"], jit_compile=True, steps_per_execution=8)
    progress = []
    for _ in range(args.checkpoints):
        history = model.fit(x_train, batch_size=d["batch_size"], epochs=1000, shuffle=True, verbose=0,
                            callbacks=[TimeBudget(args.budget / args.checkpoints, batch_size=d["batch_size"])])
        steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        progress.append({"steps": steps, "loss": round(float(history.history["loss"][-1]), 4),
                         "fid500": round(fid_of(model.sample(500, steps=50, seed=3), test_features), 2)})
        print("checkpoint", progress[-1], flush=True)
    row["diffusion_progress"] = progress
    samples = {}
    for steps in (10, 20, 50):
        start = time.perf_counter()
        samples[f"ddim{steps}"] = model.sample(1000, steps=steps, seed=3)
        row[f"ddim{steps}_s_per_1000"] = round(time.perf_counter() - start, 2)
    samples["ddim50_eta1"] = model.sample(1000, steps=50, eta=1.0, seed=3)
    if not args.skip_dcgan:
        keras.utils.set_random_seed(args.seed)
        gan = GAN(build_generator(64), build_discriminator(), seed=args.seed)
        gan.compile()
        budget = TimeBudget(args.budget, batch_size=32)
        gan.fit(x_train, batch_size=32, epochs=1000, shuffle=True, verbose=0, callbacks=[budget])
        row["dcgan_steps"] = int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations))
        samples["dcgan"] = gan.generate(1000, seed=3)
    try:
        shipped = Diffusion(keras.saving.load_model(noise_predictor_path(), compile=False),
                            NoiseSchedule(d["num_steps"], d["schedule"]), ema_momentum=None,
                            prediction=d["prediction"])
        samples["shipped_ddim50"] = shipped.sample(1000, steps=50, seed=3, averaged=False)
        samples["shipped_ddim50_eta1"] = shipped.sample(1000, steps=50, eta=1.0, seed=3, averaged=False)
    except DataFileError as error:
        print("no shipped model:", error)
    for name, drawn in samples.items():
        shares = np.bincount(np.argmax(classifier.predict(drawn, verbose=0), axis=-1), minlength=10) / len(drawn)
        row[f"{name}_fid"] = round(fid_of(drawn, test_features), 2)
        row[f"{name}_min_class_share"] = round(float(shares.min()), 3)
    if "dcgan_fid" in row:
        row["ratio_ddim50_to_dcgan"] = round(row["ddim50_fid"] / row["dcgan_fid"], 2)
        row["ratio_ddim50_eta1_to_dcgan"] = round(row["ddim50_eta1_fid"] / row["dcgan_fid"], 2)
    print("RESULT", json.dumps(row))


if __name__ == "__main__":
    main()
