"""Chapter 06 measured: road-scene segmentation and its robustness, against two references.

Three models train on the same 2,000 drawn road scenes (seed 1) and are tested on the
same 200 unseen layouts (seed 2), exactly as ``notebooks/06_driving_scenes.ipynb`` does on
a CPU (32x64 scenes, 8 epochs, Adam with a cosine-decayed learning rate, batch 16):

- reference 1, **per-pixel colour classifier**: three 1x1 convolutions (a receptive
  field of one pixel), cross-entropy, one epoch of 1,000 scenes: what colour alone can do;
- reference 2, **plain U-Net**: ``build_unet(filters=(16, 32, 64, 128))``, Dice +
  cross-entropy, day/clear scenes;
- the chapter's **augmented U-Net**: the plain U-Net fine-tuned 3 more epochs (a third of
  the learning rate) on the same layouts under randomised conditions, with photometric
  augmentation layers in front;
- the **control**: the plain U-Net fine-tuned the same 3 epochs on the clean scenes,
  without augmentation (is the gain from the data or from the extra epochs?);
- **augmented from scratch**: a fresh U-Net trained the plain model's 8 epochs on the
  augmented data (the comparison at equal epochs, without fine-tuning).

Each is scored on clean test scenes, under the 6 corruptions x 3 severities of
``segen_lib.training_data.corrupt`` and under four rendered conditions (dusk, night, fog, rain);
the generator's speed is measured too. Ratios are against the plain U-Net.

Usage::

    python benchmarks/road_scenes.py                 # the chapter's CPU settings (about 12 min)
    python benchmarks/road_scenes.py --epochs 2 --num-train 500    # a quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from segen_lib import label_spaces, losses, metrics, runtime, synthetic, training_data  # noqa: E402
from segen_lib.models import build_unet  # noqa: E402

SHIFTS = (("dusk", "clear"), ("night", "clear"), ("day", "fog"), ("day", "rain"))


def generator_speed() -> dict[str, float]:
    """Scenes per second of make_road_scenes at the two sizes the course uses."""
    speed = {}
    for size in ((32, 64), (64, 128)):
        start = time.perf_counter()
        synthetic.make_road_scenes(2000, image_size=size, seed=0)
        speed[f"{size[0]}x{size[1]}"] = 2000 / (time.perf_counter() - start)
    return speed


def photometric():
    return training_data.photometric_augmentation(brightness=0.4, contrast=0.7, blur=0.5, noise=0.15)


def score(name, model, seconds, test, shifted, num_classes) -> dict:
    table = metrics.corruption_iou(model, *test, num_classes)
    shift = {f"{l}, {w}": metrics.mean_iou(m, metrics.predict_labels(model, x), num_classes)
             for (l, w), (x, m) in shifted.items()}
    return {"name": name, "seconds": seconds, "clean": table["clean"][0],
            "corruptions": metrics.mean_corruption_iou(table), "table": table, "shift": shift}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-train", type=int, default=2000)
    parser.add_argument("--num-test", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--tune-epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    args = parser.parse_args()
    info = runtime.setup(seed=0)
    size, num_classes = (32, 64), len(label_spaces.CITYSCAPES_CLASS_NAMES)
    speed = generator_speed()
    train = synthetic.make_road_scenes(args.num_train, image_size=size, seed=1)
    mixed = synthetic.make_road_scenes(args.num_train, image_size=size, seed=1,
                                  lighting=("day", "day", "dusk", "night"),
                                  weather=("clear", "clear", "fog", "rain"))
    test = synthetic.make_road_scenes(args.num_test, image_size=size, seed=2)
    shifted = {(l, w): synthetic.make_road_scenes(args.num_test, image_size=size, seed=2, lighting=l, weather=w)
               for l, w in SHIFTS}
    results = []

    keras.utils.set_random_seed(0)
    colour = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(64, 1, activation="relu"),
                               keras.layers.Conv2D(64, 1, activation="relu"),
                               keras.layers.Conv2D(num_classes, 1, activation="softmax")])
    colour.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    start = time.perf_counter()
    colour.fit(train[0][:1000], train[1][:1000], batch_size=16, epochs=1, verbose=0)
    results.append(score("per-pixel colour classifier", colour, time.perf_counter() - start, test, shifted,
                         num_classes))

    def trained(images, masks, augment, epochs, learning_rate, start_from=None):
        keras.utils.set_random_seed(0 if start_from is None else 1)
        unet = build_unet(size + (3,), num_classes=num_classes, filters=(16, 32, 64, 128))
        if start_from is not None:  # fine-tuning: the start's weights, batch norm frozen
            unet.set_weights(start_from.get_weights())
            for layer in unet.layers:
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.trainable = False
        trainer = keras.Sequential([keras.Input(size + (3,)), photometric(), unet]) if augment else unet
        steps = epochs * -(-args.num_train // args.batch_size)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.02)
        trainer.compile(optimizer=keras.optimizers.Adam(schedule), loss=losses.DiceCrossentropy(num_classes),
                        jit_compile=False)
        start = time.perf_counter()
        trainer.fit(images, masks, batch_size=args.batch_size, epochs=epochs, verbose=0)
        return unet, time.perf_counter() - start

    rate, tune = args.learning_rate, args.tune_epochs
    plain_unet, seconds = trained(*train, False, args.epochs, rate)
    results.append(score("plain U-Net", plain_unet, seconds, test, shifted, num_classes))
    runs = (("augmented U-Net (fine-tuned, the chapter's)", mixed, True, tune, rate / 3, plain_unet),
            ("control: plain + the same epochs on clean scenes", train, False, tune, rate / 3, plain_unet),
            ("augmented from scratch, same epochs as plain", mixed, True, args.epochs, rate, None))
    for name, (images, masks), augment, epochs, learning_rate, start_from in runs:
        model, seconds = trained(images, masks, augment, epochs, learning_rate, start_from)
        results.append(score(name, model, seconds, test, shifted, num_classes))
    for r in results:
        print(f"{r['name']}: {r['seconds']:.0f} s, clean {r['clean']:.3f}, corruptions {r['corruptions']:.3f}",
              flush=True)

    plain = results[1]
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"backend {keras.backend.backend()}, gpu={info.gpu}; {args}")
    print("generator: " + ", ".join(f"{k}: {v:.0f} scenes/s" for k, v in speed.items()))
    print("\n| model | train s | clean mean IoU | mean over 18 corruptions | "
          + " | ".join(f"{l}, {w}" for l, w in SHIFTS) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(SHIFTS))
    for r in results:
        print(f"| {r['name']} | {r['seconds']:.0f} | {r['clean']:.3f} ({r['clean'] / plain['clean']:.2f}x) | "
              f"{r['corruptions']:.3f} ({r['corruptions'] / plain['corruptions']:.2f}x) | "
              + " | ".join(f"{v:.3f}" for v in r["shift"].values()) + " |")
    print()
    print(metrics.format_corruption_table({r["name"]: r["table"] for r in results}))
    for r in results[2:]:
        print(f"{r['name']} - plain: corruptions {r['corruptions'] - plain['corruptions']:+.3f}, "
              f"clean {r['clean'] - plain['clean']:+.3f}")


if __name__ == "__main__":
    main()
