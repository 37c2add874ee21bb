"""Chapter 08's settings, chosen by measurement: one pix2pix run per call, scored per epoch.

Trains pix2pix (or the L1-only generator) on the chapter's data for a number of epochs
and prints, after each epoch, the FCN-score of 100 test maps and the high-frequency
energy ratio, then the final FCN-score per class on 200 test maps. It trains in one phase
from a random start (the chapter's design until 2026-12-06: no batch normalisation, batch 8,
Adam 1e-3 with beta_1 0.5, lambda 100, 4 epochs); the chapter now trains the layout with L1
first and the texture after, as ``benchmarks/pix2pix.py --phases`` measures.

Usage::

    python benchmarks/pix2pix_settings.py                        # the chapter's settings
    python benchmarks/pix2pix_settings.py --batch-norm --batch 16  # the paper's normalisation
    python benchmarks/pix2pix_settings.py --l1 10                  # a lighter L1 term
    python benchmarks/pix2pix_settings.py --no-discriminator       # L1 alone
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from segen_lib import label_spaces, metrics, runtime, synthetic  # noqa: E402
from segen_lib.models import (Pix2Pix, build_patch_discriminator, build_pix2pix_generator,
                              recalibrate_batch_norm)

SIZE, CLASSES = (32, 64), len(label_spaces.CITYSCAPES_CLASS_NAMES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--scenes", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--beta1", type=float, default=0.5)
    parser.add_argument("--l1", type=float, default=100.0, help="lambda")
    parser.add_argument("--loss", default="non-saturating")
    parser.add_argument("--no-discriminator", action="store_true", help="L1 alone")
    parser.add_argument("--batch-norm", action="store_true", help="generator with batch normalisation "
                        "(recalibrated on 1,024 training maps after training)")
    parser.add_argument("--d-filters", default="32,64,128")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    runtime.setup(seed=args.seed)
    scenes, maps = synthetic.make_road_scenes(args.scenes, image_size=SIZE, seed=1)
    test_scenes, test_maps = synthetic.make_road_scenes(200, image_size=SIZE, seed=2)
    test_targets = test_scenes * 2 - 1
    generator = build_pix2pix_generator(SIZE + (CLASSES,), 3, batch_norm=args.batch_norm)
    discriminator = None if args.no_discriminator else build_patch_discriminator(
        SIZE + (CLASSES,), SIZE + (3,), filters=tuple(int(f) for f in args.d_filters.split(",")))
    model = Pix2Pix(generator, discriminator, num_classes=CLASSES, l1_weight=args.l1, seed=0)
    model.compile(loss=args.loss, learning_rate=args.lr, beta_1=args.beta1, jit_compile=True)
    real_energy = metrics.laplacian_energy(test_targets[:100])

    class PerEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            images = model.translate(test_maps[:100])
            report = metrics.fcn_score(images, test_maps[:100])
            small = {name: round(report[name]["iou"], 2) for name in ("pole", "traffic sign", "person", "car")}
            print(f"epoch {epoch + 1}: FCN mean IoU {report['mean']['iou']:.3f} {small} "
                  f"energy {metrics.laplacian_energy(images) / real_energy:.3f}", flush=True)

    start = time.time()
    model.fit(maps, scenes * 2 - 1, batch_size=args.batch, epochs=args.epochs, callbacks=[PerEpoch()], verbose=0)
    seconds = time.time() - start
    if args.batch_norm:
        recalibrate_batch_norm(generator, keras.ops.convert_to_numpy(keras.ops.one_hot(maps[:1024], CLASSES)))
    generated = model.translate(test_maps)
    real = metrics.fcn_score(test_targets, test_maps)["mean"]["iou"]
    report = metrics.fcn_score(generated, test_maps)
    print({name: round(report[name]["iou"], 2) for name in synthetic.ROAD_CLASS_NAMES})
    print(f"{vars(args)}: trained in {seconds:.0f} s; FCN mean IoU {report['mean']['iou']:.3f} (real "
          f"{real:.3f}, ratio {report['mean']['iou'] / real:.3f}); energy "
          f"{metrics.laplacian_energy(generated) / metrics.laplacian_energy(test_targets):.3f}")


if __name__ == "__main__":
    main()
