"""Chapter 08 measured: pix2pix (L1 + GAN) against the L1-only generator at an equal CPU budget.

The chapter's setting, as ``notebooks/08_image_to_image.ipynb`` runs it on a CPU: label maps
→ road scenes of 32×64 pixels, 2,000 training pairs (``make_road_scenes(seed=1)``), the
U-Net generator with filters (16, 32, 64, 128) and a ``tanh`` head, batch 8, Adam(1e-3,
beta_1=0.5), XLA. The models differ only in the loss:

- **reference, L1 alone**: ``Pix2Pix(generator, None)``, a plain regression;
- **pix2pix**: the same generator with the conditional PatchGAN (filters (32, 64, 128),
  receptive field 34) and ``l1_weight=100`` (the paper's lambda; ``--l1-weights`` adds others).

Each trains for the same wall-clock budget (``TimeBudget``; compilation included); the
generator has no batch normalisation (``--batch-norm`` adds it, with its statistics
recalibrated on 1,024 training maps after training). Reported on 200 test
maps (seed 2): the FCN-score (mean IoU of the shipped road segmenter on the generated
scenes, and its ratio to the segmenter's IoU on the real scenes), the high-frequency
energy ratio (mean squared Laplacian, generated / real), the L1 distance to the real
scene, the steps trained, and ratios pix2pix / reference in the same run.

``--phases`` runs chapter 08's comparison instead: a generator that upsamples by resizing
(``upsampling="resize"``) trains ``--layout-epochs`` with L1 alone; from those weights, two
continuations train ``--texture-epochs`` each with fresh optimizers, one with L1 alone and one
with L1 + GAN (the 16-pixel PatchGAN, filters (32, 64), without batch normalisation unless
``--d-batch-norm``, the hinge loss, ``--texture-l1-weight`` lambda). Both keep a moving average
of the generator's weights (momentum ``--ema``, 0 for none) and are scored with it. Same steps,
same start, same average: only the adversarial term differs. One table row per model and
seed; ``--out`` appends the table to a markdown file.

Usage::

    python benchmarks/pix2pix.py                              # 180 s per model, seeds 0 and 1
    python benchmarks/pix2pix.py --seconds 150 --seeds 0 --l1-weights 100 10
    python benchmarks/pix2pix.py --phases --seeds 0           # chapter 08's comparison, one seed
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from segen_lib import label_spaces, metrics, runtime, synthetic  # noqa: E402
from segen_lib.callbacks import TimeBudget  # noqa: E402
from segen_lib.models import (Pix2Pix, build_patch_discriminator, build_pix2pix_generator,
                              recalibrate_batch_norm)

SIZE, CLASSES = (32, 64), len(label_spaces.CITYSCAPES_CLASS_NAMES)


def train_and_score(l1_weight: float | None, seconds: float, seed: int, maps, targets, test_maps, test_targets,
                    batch_norm: bool = False, batch_size: int = 8) -> dict:
    """Train one generator for ``seconds``; ``l1_weight=None``: L1 alone (no discriminator)."""
    keras.utils.set_random_seed(seed)
    generator = build_pix2pix_generator(SIZE + (CLASSES,), 3, filters=(16, 32, 64, 128), batch_norm=batch_norm)
    discriminator = (build_patch_discriminator(SIZE + (CLASSES,), SIZE + (3,), filters=(32, 64, 128))
                     if l1_weight is not None else None)
    model = Pix2Pix(generator, discriminator, num_classes=CLASSES, l1_weight=l1_weight or 1.0, seed=seed)
    model.compile(learning_rate=1e-3, beta_1=0.5, jit_compile=True)
    budget = TimeBudget(seconds, batch_size=batch_size)
    model.fit(maps, targets, batch_size=batch_size, epochs=10_000, callbacks=[budget], verbose=0)
    elapsed = budget.elapsed
    if batch_norm:
        one_hot = keras.ops.convert_to_numpy(keras.ops.one_hot(maps[:1024], CLASSES))
        recalibrate_batch_norm(generator, one_hot)
    generated = model.translate(test_maps)
    report = metrics.fcn_score(generated, test_maps)
    return {"seconds": elapsed, "steps": int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)),
            "fcn": report["mean"]["iou"], "accuracy": report["mean"]["pixel_accuracy"],
            "energy": metrics.laplacian_energy(generated) / metrics.laplacian_energy(test_targets),
            "l1": float(np.abs(generated - test_targets).mean()),
            "small": {name: report[name]["iou"] for name in ("pole", "traffic sign", "person", "car")}}


def phases(seed: int, maps, targets, test_maps, test_targets, layout_epochs: int = 3,
           texture_epochs: int = 3, l1_weight: float = 30.0, loss: str = "hinge",
           d_filters=(32, 64), batch_size: int = 8, d_batch_norm: bool = False, ema: float = 0.99) -> dict:
    """Chapter 08's comparison: L1 for the layout, then L1 alone or L1 + GAN from the same weights."""
    def generator():
        return build_pix2pix_generator(SIZE + (CLASSES,), 3, filters=(16, 32, 64, 128), upsampling="resize")

    keras.utils.set_random_seed(seed)
    layout_generator = generator()
    layout = Pix2Pix(layout_generator, None, num_classes=CLASSES, l1_weight=1.0, seed=seed)
    layout.compile(learning_rate=1e-3, beta_1=0.5, jit_compile=True)
    start = time.time()
    layout.fit(maps, targets, batch_size=batch_size, epochs=layout_epochs, verbose=0)
    rows = {"layout (phase 1)": (layout_generator, time.time() - start)}
    for kind in ("L1 alone", "pix2pix"):
        continued = generator()
        continued.set_weights(layout_generator.get_weights())
        keras.utils.set_random_seed(seed + 1)
        discriminator = (build_patch_discriminator(SIZE + (CLASSES,), SIZE + (3,), filters=d_filters,
                                                   batch_norm=d_batch_norm)
                         if kind == "pix2pix" else None)
        model = Pix2Pix(continued, discriminator, num_classes=CLASSES,
                        l1_weight=l1_weight if discriminator is not None else 1.0, seed=seed)
        average = {"use_ema": True, "ema_momentum": ema} if ema > 0 else {}
        model.compile(loss=loss, g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, **average),
                      learning_rate=1e-3, beta_1=0.5, jit_compile=True)
        start = time.time()
        model.fit(maps, targets, batch_size=batch_size, epochs=texture_epochs, verbose=0)
        if ema > 0:   # score the average, as the chapter does
            model.g_optimizer.finalize_variable_values(continued.trainable_variables)
        rows[kind] = (continued, time.time() - start)
    real_energy = metrics.laplacian_energy(test_targets)
    results = {}
    for kind, (network, seconds) in rows.items():
        generated = Pix2Pix(network, None, num_classes=CLASSES).translate(test_maps)
        report = metrics.fcn_score(generated, test_maps)
        results[kind] = {"seconds": seconds, "fcn": report["mean"]["iou"],
                         "energy": metrics.laplacian_energy(generated) / real_energy,
                         "l1": float(np.abs(generated - test_targets).mean())}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="training budget per model")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--l1-weights", type=float, nargs="+", default=[100.0],
                        help="lambda of each pix2pix model (the reference, L1 alone, always runs)")
    parser.add_argument("--batch-norm", action="store_true", help="generator with batch normalisation")
    parser.add_argument("--phases", action="store_true", help="chapter 08's comparison (see the module)")
    parser.add_argument("--layout-epochs", type=int, default=3)
    parser.add_argument("--texture-epochs", type=int, default=3)
    parser.add_argument("--texture-l1-weight", type=float, default=30.0)
    parser.add_argument("--d-batch-norm", action="store_true", help="--phases: PatchGAN with batch normalisation")
    parser.add_argument("--ema", type=float, default=0.99, help="--phases: generator weight average (0: none)")
    parser.add_argument("--out", help="markdown file the --phases table is appended to")
    args = parser.parse_args()
    info = runtime.setup(seed=0)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {info.backend}, "
          f"Keras {info.keras_version}, {time.strftime('%Y-%m-%d')}")
    scenes, maps = synthetic.make_road_scenes(2000, image_size=SIZE, seed=1)
    test_scenes, test_maps = synthetic.make_road_scenes(200, image_size=SIZE, seed=2)
    targets, test_targets = scenes * 2 - 1, test_scenes * 2 - 1
    real = metrics.fcn_score(test_targets, test_maps)["mean"]["iou"]
    print(f"FCN-score of the real test scenes (the ceiling): {real:.3f}")
    if args.phases:
        lines = [f"`python benchmarks/pix2pix.py --phases --seeds {' '.join(map(str, args.seeds))}` "
                 f"(layout {args.layout_epochs} epochs, texture {args.texture_epochs} epochs, lambda "
                 f"{args.texture_l1_weight:g}, PatchGAN batch norm {args.d_batch_norm}, average {args.ema:g}; "
                 f"{os.cpu_count()}-core CPU, {time.strftime('%Y-%m-%d')}); real "
                 f"scenes' FCN-score {real:.3f}", "",
                 "| seed | model | s | FCN mean IoU | HF energy / real | L1 |", "|---|---|---:|---:|---:|---:|"]
        print("\n".join(lines), flush=True)
        for seed in args.seeds:
            results = phases(seed, maps, targets, test_maps, test_targets, args.layout_epochs,
                             args.texture_epochs, args.texture_l1_weight, batch_size=args.batch_size,
                             d_batch_norm=args.d_batch_norm, ema=args.ema)
            for kind, row in results.items():
                lines.append(f"| {seed} | {kind} | {row['seconds']:.0f} | {row['fcn']:.3f} | {row['energy']:.3f} | "
                             f"{row['l1']:.3f} |")
                print(lines[-1], flush=True)
            gain = results["pix2pix"]["energy"] / results["L1 alone"]["energy"]
            lines.append(f"| {seed} | pix2pix / L1 alone | | {results['pix2pix']['fcn'] / results['L1 alone']['fcn']:.3f} "
                         f"| {gain:.2f} | |")
            print(lines[-1], flush=True)
        if args.out:
            with open(args.out, "a") as file:
                file.write("\n".join(lines) + "\n\n")
        return
    print("| seed | model | s | steps | FCN mean IoU | / real | pixel acc. | HF energy / real | L1 | "
          "pole | sign | person | car |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    weights = {"L1 alone": None, **{f"pix2pix, lambda {w:g}": w for w in args.l1_weights}}
    results = {kind: [] for kind in weights}
    for seed in args.seeds:
        for kind, weight in weights.items():
            row = train_and_score(weight, args.seconds, seed, maps, targets, test_maps, test_targets,
                                  args.batch_norm, args.batch_size)
            results[kind].append(row)
            small = " | ".join(f"{value:.2f}" for value in row["small"].values())
            print(f"| {seed} | {kind} | {row['seconds']:.0f} | {row['steps']} | {row['fcn']:.3f} | "
                  f"{row['fcn'] / real:.2f} | {row['accuracy']:.3f} | {row['energy']:.2f} | {row['l1']:.3f} | "
                  f"{small} |", flush=True)
    for kind in list(weights)[1:]:
        for key in ("fcn", "energy", "l1", "steps"):
            ratios = [p[key] / r[key] for p, r in zip(results[kind], results["L1 alone"])]
            print(f"{kind} / L1 alone, {key}: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))


if __name__ == "__main__":
    main()
