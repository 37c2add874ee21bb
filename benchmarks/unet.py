"""Segmentation quality per CPU budget: the course's U-Net vs the source article's (repaired).

Both models train for the same wall-clock budget on the same freshly drawn digit
scenes (chapter 02's data), with the same loss (cross-entropy + Dice), optimiser
(Adam, cosine-decayed learning rate) and batch size; only the architecture differs:

- course: ``build_unet(filters=(16, 32, 64))`` with batch norm and transposed convolutions
  (chapter 02's CPU setting);
- reference: the article's U-Net with its concatenation bug fixed
  (``build_article_unet(fixed=True)``: 64-128-256-512 filters, ``UpSampling2D``), given an
  11-class softmax head.

The clock starts after one warm-up step (graph tracing) and stops at the first batch
that ends past the budget. Then both are scored on the same 1,000 test scenes built from
unseen MNIST digits.

Usage::

    python benchmarks/unet.py                      # 180 s each, 32x32 scenes (chapter 02 on CPU)
    python benchmarks/unet.py --budget 60 --image-size 64 --digit-size 28
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from budget import TimeBudget  # noqa: E402

from segen_lib import losses, metrics, runtime, synthetic  # noqa: E402
from segen_lib.models import build_article_unet, build_unet  # noqa: E402


def train_for(model, budget: float, args) -> dict:
    scenes = synthetic.digit_scene_dataset(args.scenes_per_epoch, batch_size=args.batch_size,
                                      image_size=args.image_size, digit_size=args.digit_size, seed=1000)
    x, y = scenes[0]
    # Throughput probe to size the cosine schedule to the budget, then a fresh model state.
    probe = keras.models.clone_model(model)
    probe.compile(optimizer="adam", loss=losses.DiceCrossentropy(num_classes=11))
    probe.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(3):
        probe.train_on_batch(x, y)
    per_step = (time.perf_counter() - start) / 3
    decay_steps = max(10, int(budget / per_step))
    schedule = keras.optimizers.schedules.CosineDecay(args.learning_rate, decay_steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=losses.DiceCrossentropy(num_classes=11))
    model.train_on_batch(x, y)  # warm-up: traces the training step outside the budget
    budget_callback = TimeBudget(budget, args.batch_size)
    model.fit(scenes, epochs=10_000, callbacks=[budget_callback], verbose=0)
    seconds = budget_callback.elapsed
    test_images, test_masks = synthetic.make_digit_scenes(args.num_test, image_size=args.image_size,
                                                     digit_size=args.digit_size, seed=123, split="test")
    predicted = model.predict(test_images, batch_size=64, verbose=0).argmax(-1)
    report = metrics.segmentation_report(test_masks, predicted, 11)
    return {"mean_iou": report["mean"]["iou"], "images_per_s": budget_callback.images / seconds,
            "steps": int(model.optimizer.iterations), "seconds": seconds,
            "parameters": model.count_params()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=180.0, help="training seconds per model")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--digit-size", type=int, default=14)
    parser.add_argument("--scenes-per-epoch", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--num-test", type=int, default=1000)
    parser.add_argument("--filters", type=str, default="16,32,64", help="course U-Net filters")
    args = parser.parse_args()
    info = runtime.setup(seed=0, verbose=False)
    shape = (args.image_size, args.image_size, 1)
    filters = tuple(int(f) for f in args.filters.split(","))
    results = {}
    for name, build in (("course U-Net " + str(filters), lambda: build_unet(shape, 11, filters)),
                        ("article U-Net, repaired (64-128-256-512)",
                         lambda: build_article_unet(shape, fixed=True, num_classes=11))):
        keras.utils.set_random_seed(0)
        results[name] = train_for(build(), args.budget, args)
        print(f"{name}: {results[name]}", flush=True)
    course, reference = results.values()
    print(f"\nbudget {args.budget:.0f} s per model, {args.image_size}x{args.image_size} scenes, "
          f"{args.digit_size}-px digits, batch {args.batch_size}; {info.device} ({os.cpu_count()} cores), "
          f"{platform.processor() or platform.machine()}, Keras {info.keras_version} / {info.backend}; "
          f"{time.strftime('%Y-%m-%d')}\n")
    print("| model | parameters | images/s | steps | test mean IoU (11 classes) |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['parameters']:,} | {r['images_per_s']:.1f} | {r['steps']} | {r['mean_iou']:.3f} |")
    print(f"\nratio course / reference: mean IoU x{course['mean_iou'] / reference['mean_iou']:.2f}, "
          f"throughput x{course['images_per_s'] / reference['images_per_s']:.1f}")


if __name__ == "__main__":
    main()
