"""Generation quality per CPU minute: the course's DCGAN against the TensorFlow tutorial's.

Both are trained for the same wall-clock budget on the same data (the shipped
Fashion-MNIST training split, 20,000 images, scaled to [-1, 1]) in one run, one after
the other; then 2,000 samples of each are compared with the shipped test split by the
Fréchet distance in the shipped classifier's feature space
(:func:`segen_lib.metrics.fid`). The course's samples come from its averaged generator
(``GAN.averaged_generator``, as in the notebook); the distance of its last weights is
printed too. The real-vs-real floor is 2,000 training images against the same test
split.

With ``--compare defaults`` the two models are the library's defaults (``GAN(build_generator(),
build_discriminator()).compile()`` and ``fit`` with no batch size) and the chapter's recipe
spelled out as the notebook spells it: the defaults must be the recipe, so their distances
should agree within the run-to-run spread (target: within 10 %).

Also measured (skip with ``--skip-cgan``): class control of the conditional GAN
trained with the learner-mode settings of ``notebooks/04_gan_training.ipynb``: the
shipped classifier's agreement with the requested class on 1,000 samples.

Run from the repository root::

    python benchmarks/gan.py                 # 180 s each, prints a Markdown table
    python benchmarks/gan.py --budget 60 --skip-cgan
    python benchmarks/gan.py --skip-dcgan    # the conditional GAN's class control only
    python benchmarks/gan.py --compare defaults --skip-cgan   # library defaults vs the recipe

The target (COURSE.md and the chapter-04 issue): the course's DCGAN at most 1/20 of
the reference's distance after 180 s on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import reference_dcgan  # noqa: E402
from budget import TimeBudget  # noqa: E402

from segen_lib import runtime  # noqa: E402
from segen_lib.datasets import load_fashion_mnist  # noqa: E402
from segen_lib.metrics import fid  # noqa: E402
from segen_lib.metrics.fid import load_classifier  # noqa: E402
from segen_lib.models import GAN, ConditionalGAN, build_discriminator, build_generator  # noqa: E402

# The chapter's DCGAN (keep in step with notebooks/04_gan_training.ipynb).
COURSE = dict(latent_dim=64, g_filters=(128, 64), d_filters=(32, 64), batch_size=32, learning_rate=1e-3,
              beta_1=0.0, ema_momentum=0.998, loss="hinge", epochs=12, steps_per_execution=8,
              jit_compile=True)
# The chapter's conditional GAN, learner mode: a leaner generator, to fit the chapter's time.
CGAN = dict(COURSE, g_filters=(64, 32), epochs=5)


def scale(images: np.ndarray) -> np.ndarray:
    return images[..., None].astype("float32") / 127.5 - 1.0


def train_for(gan, images, batch_size, budget):
    """Train for ``budget`` seconds; ``batch_size=None`` leaves it to fit's default (32)."""
    timer = TimeBudget(budget, batch_size or 32)
    gan.fit(images, epochs=10_000, batch_size=batch_size, shuffle=True, verbose=0, callbacks=[timer])
    # Count the steps run from the optimizer: with steps_per_execution > 1, callbacks see
    # only every n-th step.
    steps = int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations))
    return timer.elapsed, steps * (batch_size or 32)


def course_gan(seed: int, loss: str = COURSE["loss"], beta_1: float = COURSE["beta_1"]) -> GAN:
    """The chapter's DCGAN, compiled with its recipe spelled out as the notebook does."""
    gan = GAN(generator=build_generator(COURSE["latent_dim"], filters=COURSE["g_filters"]),
              discriminator=build_discriminator(filters=COURSE["d_filters"]), seed=seed)
    gan.compile(loss=loss, learning_rate=COURSE["learning_rate"], beta_1=beta_1,
                ema_momentum=COURSE["ema_momentum"], steps_per_execution=COURSE["steps_per_execution"],
                jit_compile=COURSE["jit_compile"])
    return gan


def defaults_gan(seed: int) -> GAN:
    """What a learner gets from the library with no arguments beyond the seed."""
    gan = GAN(generator=build_generator(), discriminator=build_discriminator(), seed=seed)
    gan.compile()
    return gan


def reference_gan(seed: int) -> GAN:
    gan = GAN(generator=reference_dcgan.make_generator_model(),
              discriminator=reference_dcgan.make_discriminator_model(), seed=seed)
    d_optimizer, g_optimizer = reference_dcgan.make_optimizers()
    # The tutorial's cross-entropy losses, one step per call and no XLA: a step of 256
    # images takes about 2 s on 2 CPU cores, so calling several at once would save nothing
    # and overrun the budget.
    gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, loss="non-saturating",
                steps_per_execution=1, jit_compile=False)
    return gan


def class_control(train_images, train_labels, seed: int, epochs: int) -> tuple[float, float]:
    """Train the chapter's conditional GAN (learner settings); return (agreement, seconds)."""
    cgan = ConditionalGAN(
        generator=build_generator(CGAN["latent_dim"], filters=CGAN["g_filters"], num_classes=10),
        discriminator=build_discriminator(filters=CGAN["d_filters"], num_classes=10),
        num_classes=10, seed=seed)
    cgan.compile(loss=CGAN["loss"], learning_rate=CGAN["learning_rate"], beta_1=CGAN["beta_1"],
                 ema_momentum=CGAN["ema_momentum"], steps_per_execution=CGAN["steps_per_execution"],
                 jit_compile=CGAN["jit_compile"])
    start = time.perf_counter()
    cgan.fit(train_images, train_labels, epochs=epochs, batch_size=CGAN["batch_size"],
             shuffle=True, verbose=0)
    seconds = time.perf_counter() - start
    requested = np.repeat(np.arange(10), 100)
    samples = cgan.generate(len(requested), seed=seed, labels=requested, averaged=True)
    predicted = load_classifier().predict(samples, verbose=0, batch_size=500).argmax(axis=1)
    return float(np.mean(predicted == requested)), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=180.0, help="seconds of training for each model")
    parser.add_argument("--samples", type=int, default=2000, help="samples per model for the distance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", choices=["reference", "defaults"], default="reference",
                        help="what the chapter's DCGAN is compared with: the TF tutorial's DCGAN, or "
                             "the library's defaults")
    parser.add_argument("--skip-cgan", action="store_true", help="skip the conditional-GAN measurement")
    parser.add_argument("--skip-dcgan", action="store_true",
                        help="skip the DCGAN comparison (measure the conditional GAN only)")
    parser.add_argument("--cgan-epochs", type=int, default=CGAN["epochs"],
                        help="conditional-GAN epochs (default: the notebook's learner setting)")
    args = parser.parse_args()
    info = runtime.setup(seed=args.seed)
    train_images, train_labels = load_fashion_mnist("train")
    test_images, _ = load_fashion_mnist("test")
    x_train = scale(train_images)
    floor = fid(train_images[:args.samples], test_images)
    print(f"real vs real floor (train {args.samples} vs test {len(test_images)}): {floor:.3f}", flush=True)

    other = (("TF tutorial DCGAN (reference)", reference_gan, reference_dcgan.BATCH_SIZE)
             if args.compare == "reference" else ("library defaults", defaults_gan, None))
    models = [] if args.skip_dcgan else [("course DCGAN (the chapter's recipe)", course_gan,
                                          COURSE["batch_size"]), other]
    rows = []
    for name, make, batch_size in models:
        keras.utils.set_random_seed(args.seed)
        gan = make(args.seed)
        seconds, seen = train_for(gan, x_train, batch_size, args.budget)
        # The chapter samples from the averaged generator; its last weights are measured too.
        averaging = gan.g_optimizer.use_ema
        distance = fid(gan.generate(args.samples, seed=args.seed), test_images)
        params = gan.generator.count_params() + gan.discriminator.count_params()
        rows.append((name, params, batch_size or 32, seconds, seen, distance))
        print(f"{name}: FD {distance:.2f} after {seconds:.0f} s, {seen} images "
              f"({seen / seconds:.0f} images/s)", flush=True)
        if averaging:
            last = fid(gan.generate(args.samples, seed=args.seed, averaged=False), test_images)
            print(f"{name}: FD {last:.2f} from the last weights instead of their average", flush=True)

    if rows:
        print_table(rows, floor, args, info, len(test_images))
    if not args.skip_cgan:
        agreement, seconds = class_control(x_train, train_labels, args.seed, args.cgan_epochs)
        print(f"Conditional GAN ({args.cgan_epochs} epochs, batch {CGAN['batch_size']}, {seconds:.0f} s): "
              f"the shipped classifier agrees with the requested class on {agreement:.1%} of 1,000 "
              f"samples (target ≥ 80%: {'met' if agreement >= 0.8 else 'NOT met'}).")


def print_table(rows, floor, args, info, num_test) -> None:
    """Print the Markdown table of the DCGAN comparison and the distance ratio."""
    course, reference = rows[0][-1], rows[1][-1]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print()
    print(f"### GAN quality per CPU minute ({datetime.date.today()}, budget {args.budget:.0f} s each)")
    print()
    print(f"`python benchmarks/gan.py --budget {args.budget:.0f} --compare {args.compare}` on {platform.processor() or platform.machine()}, "
          f"{cores} CPU core(s) available, {info.device}, Keras {keras.__version__} "
          f"({info.backend}); Fréchet distance of {args.samples} samples vs the {num_test} "
          "test images, features of data/fashion_classifier.keras.")
    print()
    print("| model | parameters (G+D) | batch | seconds | images seen | images/s | Fréchet distance | × floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, params, batch_size, seconds, seen, distance in rows:
        print(f"| {name} | {params:,} | {batch_size} | {seconds:.0f} | {seen:,} | {seen / seconds:.0f} "
              f"| {distance:.2f} | {distance / floor:.1f} |")
    print(f"| real vs real (train vs test) | | | | | | {floor:.2f} | 1.0 |")
    print()
    if args.compare == "reference":
        print(f"Ratio course / reference: {course / reference:.4f} (1/{reference / course:.1f}); "
              f"target ≤ 1/20: {'met' if course <= reference / 20 else 'NOT met'}.")
    else:
        print(f"Ratio library defaults / the chapter's recipe: {reference / course:.3f}; target within "
              f"10 %: {'met' if abs(reference / course - 1) <= 0.10 else 'NOT met'}.")


if __name__ == "__main__":
    main()
