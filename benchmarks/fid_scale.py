"""How strict is the course's Fréchet distance? Known distortions of real images, measured.

Each row compares 2,000 shipped training images, distorted, with the 4,000 shipped test
images in the feature space of ``data/fashion_classifier.keras`` (the one every chapter-04
distance uses). It gives the numbers of the GAN benchmark a scale: a generator's FD of 15
is as far from the data as real images blurred by about 0.8 pixel.

Run from the repository root::

    python benchmarks/fid_scale.py
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from scipy.ndimage import gaussian_filter  # noqa: E402

from segen_lib.datasets import load_fashion_mnist  # noqa: E402
from segen_lib.metrics import fid  # noqa: E402


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.clip(np.round(images), 0, 255).astype("uint8")


def main() -> None:
    train_images, train_labels = load_fashion_mnist("train")
    test_images, _ = load_fashion_mnist("test")
    real = train_images[:2000]
    pixels = real.astype("float32")
    rng = np.random.default_rng(0)
    rows = [("real (the floor)", real)]
    for sigma in (0.5, 0.8):
        rows.append((f"Gaussian blur, sigma {sigma} px",
                     to_uint8(np.stack([gaussian_filter(image, sigma) for image in pixels]))))
    for std in (10, 25):
        rows.append((f"Gaussian pixel noise, std {std} of 255", to_uint8(pixels + rng.normal(0, std, pixels.shape))))
    rows.append(("4 grey levels only", to_uint8(np.round(pixels / 85) * 85)))
    rows.append(("5 of the 10 classes only", train_images[train_labels < 5][:2000]))
    rows.append(("uniform noise", rng.integers(0, 256, real.shape, dtype="uint8")))
    print(f"### Scale of the Fréchet distance ({datetime.date.today()})\n")
    print("| 2,000 training images, changed | Fréchet distance to the test split |")
    print("|---|---:|")
    for name, images in rows:
        print(f"| {name} | {fid(images, test_images):.2f} |")


if __name__ == "__main__":
    main()
