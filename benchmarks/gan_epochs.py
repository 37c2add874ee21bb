"""The chapter's DCGAN trained for a number of epochs: Fréchet distance after each epoch.

Where ``gan.py`` fixes the wall-clock budget (quality per CPU minute, noisy when the
machine's speed varies), this script fixes the work: the same images in the same order
for every setting compared, as in learner mode of ``notebooks/04_gan_training.ipynb``
(12 epochs of the 20,000 shipped training images). It compares design choices, e.g. the
loss or Adam's momentum::

    python benchmarks/gan_epochs.py --loss non-saturating
    python benchmarks/gan_epochs.py --beta-1 0.5 --seed 1

After each epoch, 2,000 samples from fixed noise are compared with the 4,000 test
images (:func:`segen_lib.metrics.fid`), from the generator's last weights and from their
moving average (``GAN.averaged_generator``); training seconds exclude the measurement.
"""

from __future__ import annotations

import argparse
import time

import keras
from gan import COURSE, course_gan, scale  # benchmarks/gan.py: the chapter's settings

from segen_lib import runtime
from segen_lib.datasets import load_fashion_mnist
from segen_lib.metrics import fid


class EpochDistance(keras.callbacks.Callback):
    """Measure the Fréchet distance of samples from fixed noise after every epoch."""

    def __init__(self, samples, test_images):
        super().__init__()
        self.samples, self.test_images = samples, test_images
        self.rows, self.seconds, self.start = [], 0.0, None

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds += time.perf_counter() - self.start
        # The same noise every epoch (seed 123), for the last weights and for their average.
        last = fid(self.model.generate(self.samples, seed=123, averaged=False), self.test_images)
        averaged = fid(self.model.generate(self.samples, seed=123, averaged=True), self.test_images)
        self.rows.append((epoch + 1, self.seconds, averaged, last))
        print(f"epoch {epoch + 1}: {self.seconds:.0f} s of training, FD {averaged:.2f} averaged "
              f"generator, {last:.2f} last weights", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loss", default="hinge", choices=["hinge", "non-saturating", "saturating"])
    parser.add_argument("--beta-1", type=float, default=COURSE["beta_1"], help="Adam's beta_1 for both networks")
    parser.add_argument("--epochs", type=int, default=COURSE["epochs"])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    info = runtime.setup(seed=args.seed)
    train_images, _ = load_fashion_mnist("train")
    test_images, _ = load_fashion_mnist("test")
    keras.utils.set_random_seed(args.seed)
    gan = course_gan(args.seed, loss=args.loss, beta_1=args.beta_1)
    tracker = EpochDistance(args.samples, test_images)
    gan.fit(scale(train_images), epochs=args.epochs, batch_size=COURSE["batch_size"], shuffle=True,
            verbose=0, callbacks=[tracker])
    epoch, seconds, averaged, last = tracker.rows[-1]
    print(f"loss {args.loss}, beta_1 {args.beta_1}, seed {args.seed}, {info.device}: FD {averaged:.2f} "
          f"(averaged generator; last weights {last:.2f}) after {epoch} epochs "
          f"({seconds:.0f} s of training, {epoch * len(train_images) / seconds:.0f} images/s)")


if __name__ == "__main__":
    main()
