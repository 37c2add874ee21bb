"""Chapter 10 measured: the cost table of a U-Net in float32, in int8, and of a distilled student.

The chapter's setting, as ``notebooks/10_model_cost.ipynb`` runs it on a CPU: road
scenes of 32×64 pixels, 1,000 training scenes (``make_road_scenes(seed=1)``), 200 test
scenes (seed 2); U-Nets with logits out, Dice + cross-entropy, Adam with a cosine decay
from 1e-2, batch 16, the same ``--steps`` and the same batches for every model
(``TrainingPairs(seed=0)``), XLA.

- **teacher**: filters (16, 32, 64, 128);
- **student, labels only**: filters (8, 16, 32, 64), same initial weights as the distilled one;
- **student, distilled**: ``keras.distillation.Distiller`` with
  ``LogitsDistillation(temperature, loss=keras.losses.KLDivergence())`` and
  ``student_loss_weight=alpha`` (the chapter's values by default);
- **teacher, int8**: ``deploy.export_litert`` with 100 training scenes as representative
  data, run by ``deploy.LiteRTModel``; **teacher, LiteRT float32** as its reference in
  the same runtime.

One table, one run: parameters, MACs per image (``cost.count_macs``), file size, latency
at batch 1 and time per image at batch 32 (``cost.measure_latency``: 3 warm-up calls,
median and quartiles of 30), test mean IoU; then the ratios the chapter prints (int8 /
float32 in size, latency and IoU; student / teacher). Latencies of Keras models use
``predict_on_batch`` of the model compiled with XLA.

Usage::

    python benchmarks/cost.py                 # 250 steps, the chapter's settings
    python benchmarks/cost.py --steps 600 --alpha 0.5 --temperature 2
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from segen_lib import cost, deploy, label_spaces, losses, metrics, runtime, synthetic, training_data  # noqa: E402
from segen_lib.models import build_unet  # noqa: E402

NUM_CLASSES = len(label_spaces.CITYSCAPES_CLASS_NAMES)
IMAGE_SIZE = (32, 64)


def compiled_unet(filters, steps: int, name: str):
    keras.utils.set_random_seed(0)
    model = build_unet(IMAGE_SIZE + (3,), num_classes=NUM_CLASSES, filters=filters, output="logits", name=name)
    schedule = keras.optimizers.schedules.CosineDecay(1e-2, steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=losses.DiceCrossentropy(NUM_CLASSES, from_logits=True), jit_compile=True)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--temperature", type=float, default=4.0)
    parser.add_argument("--alpha", type=float, default=0.8, help="weight of the labels' loss in distillation")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    runtime.setup(seed=0, verbose=False)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Keras {keras.__version__} "
          f"({keras.backend.backend()}), {time.strftime('%Y-%m-%d')}")
    train_images, train_masks = synthetic.make_road_scenes(1000, image_size=IMAGE_SIZE, seed=1)
    test_images, test_masks = synthetic.make_road_scenes(200, image_size=IMAGE_SIZE, seed=2)

    def pairs():
        return training_data.TrainingPairs(train_images, train_masks, batch_size=16, steps=args.steps, seed=0)

    def iou(model):
        return metrics.mean_iou(test_masks, metrics.predict_labels(model, test_images, batch_size=32), NUM_CLASSES)

    seconds = {}
    start = time.time()
    teacher = compiled_unet((16, 32, 64, 128), args.steps, "teacher")
    teacher.fit(pairs(), epochs=1, verbose=0)
    seconds["teacher"] = time.time() - start
    start = time.time()
    plain = compiled_unet((8, 16, 32, 64), args.steps, "student_labels")
    plain.fit(pairs(), epochs=1, verbose=0)
    seconds["student, labels only"] = time.time() - start
    start = time.time()
    student = compiled_unet((8, 16, 32, 64), args.steps, "student_distilled")
    distiller = keras.distillation.Distiller(
        teacher=teacher, student=student, student_loss_weight=args.alpha,
        distillation_losses=keras.distillation.LogitsDistillation(temperature=args.temperature,
                                                                  loss=keras.losses.KLDivergence()))
    schedule = keras.optimizers.schedules.CosineDecay(1e-2, args.steps, alpha=0.02)
    distiller.compile(optimizer=keras.optimizers.Adam(schedule),
                      loss=losses.DiceCrossentropy(NUM_CLASSES, from_logits=True), jit_compile=True)
    distiller.fit(pairs(), epochs=1, verbose=0)
    seconds["student, distilled"] = time.time() - start

    folder = Path(tempfile.mkdtemp())
    rows = {}
    for name, model in (("teacher, Keras float32", teacher), ("student, labels only", plain),
                        ("student, distilled", student)):
        path = folder / f"{model.name}.keras"
        model.save(path)
        rows[name] = (model, model.predict_on_batch, path, cost.count_macs(model), model.count_params())
    start = time.time()
    for precision in ("float32", "int8"):
        representative = train_images[:100] if precision == "int8" else None
        path = deploy.export_litert(teacher, folder / f"teacher_{precision}.tflite", representative_images=representative)
        runner = deploy.LiteRTModel(path)
        rows[f"teacher, LiteRT {precision}"] = (runner, runner, path, cost.count_macs(teacher), teacher.count_params())
    seconds["two LiteRT exports"] = time.time() - start

    table = {}
    print("\n| model | parameters | MACs per image | file | latency, batch 1 (quartiles) | ms per image, batch 32 | test mean IoU |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (model, predict, path, macs, params) in rows.items():
        single = cost.measure_latency(predict, test_images[:1], warmup=3, repeats=args.repeats)
        batch = cost.measure_latency(predict, test_images[:32], warmup=3, repeats=args.repeats)
        table[name] = {"MB": path.stat().st_size / 1e6, "b1": single.median_ms, "b32": batch.median_ms / 32,
                       "iou": iou(model)}
        print(f"| {name} | {params:,} | {macs / 1e6:.1f} M | {table[name]['MB']:.3f} MB | {single.median_ms:.2f} ms "
              f"({single.q1_ms:.2f}–{single.q3_ms:.2f}) | {batch.median_ms / 32:.3f} | {table[name]['iou']:.3f} |")
    f32, i8 = table["teacher, LiteRT float32"], table["teacher, LiteRT int8"]
    print(f"\nint8 / float32 (LiteRT): size ×{i8['MB'] / f32['MB']:.3f} ({f32['MB'] / i8['MB']:.2f}× smaller), "
          f"latency batch 1 ×{i8['b1'] / f32['b1']:.2f}, batch 32 ×{i8['b32'] / f32['b32']:.2f}, "
          f"IoU {i8['iou'] - f32['iou']:+.4f}")
    keras_teacher = table["teacher, Keras float32"]
    for name in ("student, labels only", "student, distilled"):
        print(f"{name} / teacher (Keras): IoU {table[name]['iou'] - keras_teacher['iou']:+.3f}, "
              f"time per image at batch 32 ×{table[name]['b32'] / keras_teacher['b32']:.2f}, "
              f"MACs ×{rows[name][3] / rows['teacher, Keras float32'][3]:.3f}")
    print("\nseconds: " + ", ".join(f"{name} {value:.0f}" for name, value in seconds.items()))


if __name__ == "__main__":
    main()
