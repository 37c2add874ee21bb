"""Train the small Fashion-MNIST classifier whose features define the course's FID and KID.

Writes ``data/fashion_classifier.keras`` (about 0.5 MB). The classifier takes images
``(batch, 28, 28, 1)`` float32 in [-1, 1] (the GAN convention of chapter 04) and
outputs 10 class logits; its penultimate layer, ``features`` (Dense 128, ReLU), is the
feature space of :func:`segen_lib.metrics.fid`. The Inception network of the original
FID is the same idea at ImageNet scale.

Training is deterministic (fixed seed, TensorFlow op determinism) and uses only the
shipped training split (20,000 images); it takes about 2.5 CPU minutes.
Test accuracy on the shipped test split (4,000 images): 0.883 after 6 epochs
(``--epochs 6``; see benchmarks/RESULTS.md).

Run from the repository root::

    python data/train_feature_extractor.py
    python data/build_data.py --checksums-only fashion_classifier.keras   # then record its SHA-256
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
from keras import layers  # noqa: E402

from segen_lib import runtime  # noqa: E402
from segen_lib.datasets import load_fashion_mnist  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent   # data/, where the trained file is written


def build_classifier(feature_dim: int = 128) -> keras.Model:
    """Conv 32 → pool → Conv 64 → pool → Conv 64 → pool → Dense(feature_dim) 'features' → Dense 10."""
    images = keras.Input((28, 28, 1), name="images")
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(images)
    x = layers.MaxPooling2D()(x)                      # 14×14
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)                      # 7×7
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)                      # 3×3
    x = layers.Flatten()(x)
    features = layers.Dense(feature_dim, activation="relu", name="features")(x)
    x = layers.Dropout(0.3)(features)
    logits = layers.Dense(10, name="logits")(x)
    return keras.Model(images, logits, name="fashion_classifier")


def scale(images):
    """uint8 (n, 28, 28) → float32 (n, 28, 28, 1) in [-1, 1]."""
    return images[..., None].astype("float32") / 127.5 - 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--output", type=Path, default=DATA_DIR / "fashion_classifier.keras")
    args = parser.parse_args()
    runtime.setup(seed=0, deterministic=True)
    x_train, y_train = load_fashion_mnist("train")
    x_test, y_test = load_fashion_mnist("test")
    model = build_classifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(scale(x_train), y_train, epochs=args.epochs, batch_size=128, shuffle=True, verbose=2)
    _, accuracy = model.evaluate(scale(x_test), y_test, verbose=0)
    print(f"test accuracy on the shipped test split ({len(x_test)} images): {accuracy:.4f}")
    # Save the network alone (a clone has no optimizer state to carry).
    clean = keras.models.clone_model(model)
    clean.set_weights(model.get_weights())
    clean.save(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} kB)")
    print(f"record its SHA-256 with: python data/build_data.py --checksums-only {args.output.name}")


if __name__ == "__main__":
    main()
