"""Chapter 07 measured: nuclei segmented and counted on a held-out quadrant, against no learning.

The chapter's pipeline, exactly as ``notebooks/07_medical_imaging.ipynb`` runs it on a CPU
(a three-class U-Net with filters (8, 16, 32, 64) on fresh random 64x64 tiles of the two
training quadrants, 10 epochs of 512 tiles, batch 16, Adam with a cosine-decayed learning
rate from 3e-3, Dice + cross-entropy, batch norm recalibrated after training), against the
reference without learning on the same held-out quadrant: **Otsu's threshold** (computed
on the training quadrants) followed by the same connected components or watershed.

Reported per run: Dice and IoU of the nucleus class; for each instance pipeline the DSB
score, AP at IoU 0.5, the share of touching nuclei found and the count error; training
time. Ratios are against Otsu + watershed. Seeds vary the U-Net's initialisation and its
tiles; ``--folds`` also holds out each of the other three quadrants in turn (seed 0).

Usage::

    python benchmarks/nuclei.py                       # 3 seeds on the chapter's test quadrant
    python benchmarks/nuclei.py --seeds 0 --folds     # one seed, each quadrant held out once
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from skimage import filters  # noqa: E402

from segen_lib import datasets, losses, medical, metrics, runtime  # noqa: E402
from segen_lib.models import build_unet  # noqa: E402
from segen_lib.models.weight_average import recalibrate_batch_norm  # noqa: E402

# test quadrant: the validation quadrant beside it (the chapter's pair first)
FOLDS = {"bottom-left": "bottom-right", "top-left": "top-right", "top-right": "top-left",
         "bottom-right": "bottom-left"}
MIN_SIZE = 10


def touching_ids(labels: np.ndarray) -> np.ndarray:
    """Ids of the objects that share an edge with another object."""
    found = set()
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        border = (a != b) & (a > 0) & (b > 0)
        found |= set(a[border].tolist()) | set(b[border].tolist())
    return np.array(sorted(found))


def instance_scores(truth: np.ndarray, predicted: np.ndarray) -> dict:
    report = metrics.instance_report(truth, predicted)
    iou, true_ids, _ = metrics.instance_iou(truth, predicted)
    found = iou.max(1) > 0.5 if iou.size else np.zeros(len(true_ids), bool)
    report["touching_found"] = float(found[np.isin(true_ids, touching_ids(truth))].mean())
    return report


def run(test: str, seed: int, args) -> dict:
    image, nuclei = datasets.load_nuclei()
    split = medical.quadrant_split(image, nuclei, test=test, validation=FOLDS[test], tile_size=64, stride=32)
    targets = medical.boundary_targets(nuclei, 2)
    train_pixels = np.concatenate([image[t:b, l:r].ravel() for t, l, b, r in split.train_regions])
    low, high = np.percentile(train_pixels, [1, 99.8])
    scaled = (image.astype(np.float32) - low) / (high - low)
    truth = split.test_mask
    otsu_mask = split.test_image > filters.threshold_otsu(train_pixels)

    keras.utils.set_random_seed(seed)
    sampler = medical.TileSampler(scaled, targets, split.train_regions, tile_size=64,
                               tiles_per_epoch=args.tiles, batch_size=16, intensity=0.3, seed=seed)
    unet = build_unet((64, 64, 1), num_classes=3, filters=tuple(args.filters))
    schedule = keras.optimizers.schedules.CosineDecay(3e-3, args.epochs * len(sampler))
    unet.compile(optimizer=keras.optimizers.Adam(schedule), loss=losses.DiceCrossentropy(3), jit_compile=False)
    start = time.perf_counter()
    unet.fit(sampler, epochs=args.epochs, verbose=0)
    seconds = time.perf_counter() - start
    recalibrate_batch_norm(unet, sampler.images, batch_size=64)
    whole_quadrant = build_unet(split.test_image.shape + (1,), num_classes=3, filters=tuple(args.filters))
    whole_quadrant.set_weights(unet.get_weights())
    classes = whole_quadrant.predict(scaled[split.test_slices][None, ..., None], verbose=0)[0].argmax(-1)
    unet_mask = classes > 0

    def semantic(mask):
        report = metrics.segmentation_report(truth > 0, mask, 2, ["background", "nucleus"])["nucleus"]
        return report["dice"], report["iou"]

    pipelines = {
        "Otsu + components": medical.connected_instances(otsu_mask, MIN_SIZE),
        "Otsu + watershed": medical.watershed_instances(otsu_mask, min_distance=5, min_size=MIN_SIZE),
        "U-Net + components": medical.connected_instances(unet_mask, MIN_SIZE),
        "U-Net + watershed": medical.watershed_instances(unet_mask, min_distance=5, min_size=MIN_SIZE),
        "U-Net boundary class": medical.instances_from_classes(classes, min_size=MIN_SIZE),
    }
    return {"test": test, "seed": seed, "seconds": seconds, "dice": {"Otsu": semantic(otsu_mask),
                                                                     "U-Net": semantic(unet_mask)},
            "instances": {name: instance_scores(truth, labels) for name, labels in pipelines.items()},
            "true_count": len(np.unique(truth)) - 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", action="store_true", help="also hold out each other quadrant (seed 0)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--tiles", type=int, default=512, help="training tiles per epoch")
    parser.add_argument("--filters", type=int, nargs="+", default=[8, 16, 32, 64])
    args = parser.parse_args()
    info = runtime.setup(seed=0)
    plan = [("bottom-left", seed) for seed in args.seeds]
    if args.folds:
        plan += [(test, 0) for test in FOLDS if test != "bottom-left"]
    results = []
    for test, seed in plan:
        r = run(test, seed, args)
        results.append(r)
        ws = r["instances"]["U-Net + watershed"]
        print(f"{test} seed {seed}: {r['seconds']:.0f} s, Dice Otsu {r['dice']['Otsu'][0]:.3f} U-Net "
              f"{r['dice']['U-Net'][0]:.3f}; U-Net + watershed DSB {ws['dsb_score']:.3f} AP50 {ws['ap50']:.3f} "
              f"count {ws['count_error']:+d}", flush=True)

    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"backend {keras.backend.backend()}, gpu={info.gpu}; {args}")
    for r in results:
        reference = r["instances"]["Otsu + watershed"]
        print(f"\n**test quadrant {r['test']}, seed {r['seed']}** ({r['true_count']} nuclei; U-Net trained "
              f"{r['seconds']:.0f} s): Dice Otsu {r['dice']['Otsu'][0]:.3f}, U-Net {r['dice']['U-Net'][0]:.3f} "
              f"({r['dice']['U-Net'][0] / r['dice']['Otsu'][0]:.2f}x); IoU Otsu {r['dice']['Otsu'][1]:.3f}, "
              f"U-Net {r['dice']['U-Net'][1]:.3f}\n")
        print("| pipeline | DSB score | vs Otsu + watershed | AP@0.5 | touching found | count error |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, s in r["instances"].items():
            print(f"| {name} | {s['dsb_score']:.3f} | {s['dsb_score'] / reference['dsb_score']:.2f}x | "
                  f"{s['ap50']:.3f} | {s['touching_found']:.0%} | {s['count_error']:+d} |")
    chapter = [r for r in results if r["test"] == "bottom-left"]
    if len(chapter) > 1:
        print(f"\n**chapter's quadrant, {len(chapter)} seeds: mean ± standard deviation**\n")
        dice = np.array([r["dice"]["U-Net"][0] for r in chapter])
        print(f"U-Net Dice {dice.mean():.3f} ± {dice.std():.3f} (Otsu {chapter[0]['dice']['Otsu'][0]:.3f}); "
              f"training {np.mean([r['seconds'] for r in chapter]):.0f} s\n")
        print("| pipeline | DSB score | AP@0.5 | touching found | count error |\n|---|---:|---:|---:|---:|")
        for name in chapter[0]["instances"]:
            values = {key: np.array([r["instances"][name][key] for r in chapter], float)
                      for key in ("dsb_score", "ap50", "touching_found", "count_error")}
            print(f"| {name} | {values['dsb_score'].mean():.3f} ± {values['dsb_score'].std():.3f} | "
                  f"{values['ap50'].mean():.3f} ± {values['ap50'].std():.3f} | "
                  f"{values['touching_found'].mean():.0%} | {values['count_error'].mean():+.1f} |")


if __name__ == "__main__":
    main()
