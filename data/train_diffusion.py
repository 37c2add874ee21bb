"""Train the diffusion model that chapter 12 shows beside its three-minute one.

Writes ``data/diffusion_noise_predictor.keras`` (about 2 MB). The network is chapter 12's
noise predictor (``build_noise_predictor`` with the chapter's sizes) trained by
``Diffusion`` as the chapter trains it (cosine schedule, T = 1000, v-prediction,
min-SNR weights, Adam, batch 32, a weight average), on the 20,000 shipped Fashion-MNIST training
images, only for longer: ``--epochs`` epochs (about three times the steps the chapter affords),
with the learning rate decayed along a cosine and a slower weight average for the longer
run. The file holds the averaged weights, a plain functional model: it takes
``[x_t (batch, 28, 28, 1) float32, t (batch,) int32]`` and returns the predicted velocity
``v`` (sample with ``Diffusion(network, NoiseSchedule(1000, "cosine"), ema_momentum=None,
prediction="v")``).
Load it through :func:`segen_lib.datasets.shipped.noise_predictor_path`, which checks
its SHA-256 first.

Training takes about 10 minutes on a 2-core CPU (XLA). Run from the repository root::

    python data/train_diffusion.py
    python data/build_data.py --checksums-only diffusion_noise_predictor.keras   # then record its SHA-256
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402

from segen_lib import datasets, metrics, runtime  # noqa: E402
from segen_lib.models.diffusion import Diffusion, NoiseSchedule, build_noise_predictor  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent   # data/, where the trained file is written

# The chapter's network and training (keep in step with notebooks/12_diffusion.ipynb's constants).
FILTERS, PATCH_SIZE, TIME_DIM = (32, 64, 128), 2, 64
NUM_STEPS, SCHEDULE, PREDICTION, BATCH_SIZE, LEARNING_RATE, MIN_SNR_GAMMA = 1000, "cosine", "v", 32, 2e-3, 5.0
EMA_MOMENTUM = 0.999   # the chapter's 0.995 suits its few thousand steps; this run makes three times more


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--output", type=Path, default=DATA_DIR / "diffusion_noise_predictor.keras")
    args = parser.parse_args()
    runtime.setup(seed=0)
    images, _ = datasets.load_fashion_mnist("train")
    x_train = (images.astype("float32") / 127.5 - 1.0)[..., None]
    network = build_noise_predictor((28, 28, 1), filters=FILTERS, time_dim=TIME_DIM, patch_size=PATCH_SIZE)
    schedule = NoiseSchedule(NUM_STEPS, SCHEDULE)
    steps = args.epochs * -(-len(x_train) // BATCH_SIZE)
    optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(LEARNING_RATE, steps, alpha=0.05),
                                      use_ema=True, ema_momentum=EMA_MOMENTUM)
    model = Diffusion(network, schedule, min_snr_gamma=MIN_SNR_GAMMA, prediction=PREDICTION, seed=0)
    model.compile(optimizer=optimizer, jit_compile=True, steps_per_execution=8)
    start = time.perf_counter()
    model.fit(x_train, batch_size=BATCH_SIZE, epochs=args.epochs, shuffle=True, verbose=2)
    print(f"{steps} steps in {time.perf_counter() - start:.0f} s")
    averaged = model.averaged_network()
    test_images, _ = datasets.load_fashion_mnist("test", limit=2000)
    sampler = Diffusion(averaged, schedule, ema_momentum=None, prediction=PREDICTION)
    drawn = sampler.sample(1000, steps=50, seed=3, averaged=False)
    distance = metrics.frechet_distance(metrics.extract_features(drawn), metrics.extract_features(test_images))
    print(f"FID of 1,000 DDIM-50 samples (seed 3) against 2,000 test images: {distance:.2f}")
    # Save a plain functional model (no optimizer state).
    keras.Model(averaged.inputs, averaged.output, name="noise_predictor").save(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} kB)")
    print(f"record its SHA-256 with: python data/build_data.py --checksums-only {args.output.name}")


if __name__ == "__main__":
    main()
