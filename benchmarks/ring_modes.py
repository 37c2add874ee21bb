"""Mode collapse on the ring of 8 Gaussians: a plain GAN against fixes, over seeds.

Chapter 03's protocol (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): 8
Gaussians on a ring (radius 2, standard deviation 0.05, as in the chapter), 2,500
generated samples, and the three numbers of ``segen_lib.metrics.count_modes``: modes
captured (at least 1 % of the samples within 3 std), the share of high-quality samples
(within 3 std of a mode) and the reverse KL of the mode histogram. The generator is that
of the ring experiment of Metz et al. (2017): two ReLU layers of 128 units; the
discriminator two LeakyReLU(0.2) layers of 128 units. The non-saturating loss, Adam with
beta_1 = 0.5, batches of 256, 5,000 steps compiled with XLA (100 steps per call) through
``segen_lib.models.GAN``.

Configurations (``--configs``, comma-separated; "noise" is the generator's input size):

- ``papers``: chapter 03's plain GAN, the settings of the papers: 256-dimensional noise
  (Metz et al. 2017) and both players at Adam 2e-4, beta_1 0.5 (Radford et al. 2016);
- ``papers-fast-average``: the same noise, both players at 1e-3, sampling from a moving
  average of the generator's weights (momentum 0.999);
- ``papers-pacgan``: the papers' settings with PacGAN's packing (the discriminator judges 4
  samples at once);
- ``noise2``: 2-dimensional noise, otherwise the papers' settings;
- ``noise2-fast``: 2-dimensional noise, both players at 1e-3;
- ``noise2-fast-average``: the same, sampling from the weight average (chapter 03's fix).

Usage (one seed per process keeps each run short)::

    .venv/bin/python benchmarks/ring_modes.py --seeds 0
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402

from segen_lib import checks, metrics, synthetic  # noqa: E402
from segen_lib.models import GAN  # noqa: E402

RADIUS, STD, NUM_MODES, NUM_EVAL = 2.0, 0.05, 8, 2500
CONFIGS = {  # name: (noise size, pack, discriminator learning rate, generator learning rate, weight average)
    "papers": (256, 1, 2e-4, 2e-4, None),
    "papers-fast-average": (256, 1, 1e-3, 1e-3, 0.999),
    "papers-pacgan": (256, 4, 2e-4, 2e-4, None),
    "noise2": (2, 1, 2e-4, 2e-4, None),
    "noise2-fast": (2, 1, 1e-3, 1e-3, None),
    "noise2-fast-average": (2, 1, 1e-3, 1e-3, 0.999),
}


class PointGAN(GAN):
    """``GAN`` on 2-D points: the samples are checked for NaN, not for an image scale."""

    def check_data(self, images, labels=None):
        checks.finite(images, "samples")


class Pack(layers.Layer):
    """PacGAN's packing: ``(batch, dim)`` to ``(batch / pack, pack * dim)``, consecutive rows together.

    ``GAN.discriminator_loss`` stacks the real batch over the generated one and splits the
    logits in halves, so with a batch divisible by ``pack`` each pack is all real or all
    generated, as in Lin et al. (2018).
    """

    def __init__(self, pack: int, **kwargs):
        super().__init__(**kwargs)
        self.pack = pack

    def call(self, x):
        return ops.reshape(x, (-1, self.pack * x.shape[-1]))

    def compute_output_shape(self, shape):
        return (None, self.pack * shape[-1])


def build_generator(latent_dim=256, units=128):
    noise = keras.Input((latent_dim,))
    hidden = layers.Dense(units, activation="relu")(noise)
    hidden = layers.Dense(units, activation="relu")(hidden)
    return keras.Model(noise, layers.Dense(2)(hidden))


def build_discriminator(pack=1, units=128):
    samples = keras.Input((2,))
    hidden = Pack(pack)(samples)
    for _ in range(2):
        hidden = layers.LeakyReLU(0.2)(layers.Dense(units)(hidden))
    return keras.Model(samples, layers.Dense(1)(hidden))


def run(config: str, seed: int, steps: int, batch_size: int):
    latent_dim, pack, d_rate, g_rate, average = CONFIGS[config]
    keras.utils.set_random_seed(seed)
    epochs = 10
    samples = synthetic.sample_ring(steps * batch_size // epochs, num_modes=NUM_MODES, radius=RADIUS,
                               std=STD, seed=seed)
    gan = PointGAN(build_generator(latent_dim), build_discriminator(pack), seed=seed)
    ema = {} if average is None else {"use_ema": True, "ema_momentum": average}
    gan.compile(d_optimizer=keras.optimizers.Adam(d_rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(g_rate, beta_1=0.5, **ema),
                loss="non-saturating", steps_per_execution=100)
    start = time.perf_counter()
    gan.fit(samples, epochs=epochs, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - start
    generated = gan.generate(NUM_EVAL, seed=123, averaged=average is not None)
    result = metrics.count_modes(generated, synthetic.ring_centres(NUM_MODES, RADIUS), threshold=3 * STD,
                                 min_fraction=0.01)
    return result, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)
    print("| configuration | seed | modes captured | high-quality | reverse KL | seconds |")
    print("|---|---:|---:|---:|---:|---:|")
    summary = {}
    for config in args.configs.split(","):
        rows = []
        for seed in map(int, args.seeds.split(",")):
            result, seconds = run(config, seed, args.steps, args.batch_size)
            rows.append((result.modes_covered, result.high_quality_fraction, result.reverse_kl, seconds))
            print(f"| {config} | {seed} | {result.modes_covered} | {result.high_quality_fraction:.1%} | "
                  f"{result.reverse_kl:.3f} | {seconds:.1f} |", flush=True)
        summary[config] = np.array(rows)
    print("\n| configuration | mean modes | min modes | mean high-quality | min high-quality | mean reverse KL | mean seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for config, rows in summary.items():
        print(f"| {config} | {rows[:, 0].mean():.1f} | {rows[:, 0].min():.0f} | {rows[:, 1].mean():.1%} | "
              f"{rows[:, 1].min():.1%} | {rows[:, 2].mean():.3f} | {rows[:, 3].mean():.1f} |")


if __name__ == "__main__":
    main()
