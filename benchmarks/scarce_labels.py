"""Chapter 09 measured: the label-efficiency curve and what each remedy recovers at the scarce end.

The chapter's setting, as ``notebooks/09_scarce_labels.ipynb`` runs it on a CPU: road scenes
of 32×64 pixels, a pool of 2,000 scenes (``make_road_scenes(seed=1)``), 200 test scenes
(seed 2) and 100 validation scenes (seed 3, used only to choose the generated-pair ratio
and the two remedies combined), the U-Net with filters (8, 16, 32, 64), Dice +
cross-entropy, Adam with a cosine decay from 1e-2, batch 16 and **the same number of steps
for every run** (``TrainingPairs``), XLA. One compiled model is restarted for every run
(``restart_training``) from the same initial weights of the seed.

1. **The curve**: labelled fractions 1, 3, 10, 30 and 100 % of the pool
   (``fraction_split``, nested, split seed = the run's seed).
2. **Remedies** at the scarce fraction (default 1 %: 20 scenes):
   - **augmentation**: paired geometric (flip, 10 % shift, ±7° rotation; filled pixels
     ignored) and photometric (brightness 0.2, contrast 0.3, blur 0.3, noise 0.05);
   - **generated pairs**: pix2pix (chapter 08: U-Net generator (16, 32, 64, 128),
     PatchGAN (32, 64, 128), lambda 100, Adam 1e-3, beta_1 0.5, batch 8) trained on the
     labelled pairs only, then asked for scenes of new layouts (``make_road_scenes(seed=4)``
     masks: a layout costs nothing to draw); the segmenter trains on real + generated
     pairs at each ``--ratios`` (generated per real pair, ``mix_pairs``);
   - **pseudo-labels**: the plain scarce model labels the rest of the pool; pixels with a
     probability >= ``--threshold`` are kept, the rest ignored (``pseudo_labels``); a
     fresh model trains on labelled + pseudo-labelled scenes;
   - **FixMatch** (Sohn et al., 2020; ``training_data.FixMatch``): from the augmentation
     run's weights, ``--fm-steps`` steps of 16 augmented labelled pairs + ``--unlabelled-batch``
     unlabelled scenes (weak view: a flip; strong view: brightness, contrast, noise and a
     cut-out box on the same flipped scene), pseudo-labels where the weak view's
     probability >= ``--fm-threshold``, loss = Dice + cross-entropy + ``--unlabelled-weight``
     × masked cross-entropy of the strong view, the whole batch in training mode;
   - **FixMatch's control** ("augmentation, longer"): the same start, schedule and
     labelled batches as FixMatch, without the unlabelled views, so that FixMatch's gain
     over augmentation can be split into the extra steps' and the unlabelled scenes';
   - **the combination** of the two remedies best on the validation scenes (of
     augmentation, generated pairs and pseudo-labels).

``--no-generated`` leaves out pix2pix, the generated pairs and the combination (a seed then
takes about half the time).

Reported: test mean IoU of every run, the share of the gap between the scarce and the
full-label model that each remedy closes, ``(remedy - scarce) / (full - scarce)``, mean and
spread over the seeds, and the seconds of each phase.

Usage::

    python benchmarks/scarce_labels.py                       # seeds 0 1 2, 300 steps per run
    python benchmarks/scarce_labels.py --seeds 0 --ratios 0.5 1 2 4 8
    python benchmarks/scarce_labels.py --seeds 1 --no-generated     # curve, augmentation, pseudo-labels, FixMatch
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from segen_lib import label_spaces, losses, metrics, runtime, synthetic, training_data  # noqa: E402
from segen_lib.callbacks import restart_training  # noqa: E402
from segen_lib.models import Pix2Pix, build_patch_discriminator, build_pix2pix_generator, build_unet  # noqa: E402

SIZE, CLASSES = (32, 64), len(label_spaces.CITYSCAPES_CLASS_NAMES)
NAMES = label_spaces.CITYSCAPES_CLASS_NAMES


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=300, help="training steps of every segmenter run")
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.01, 0.03, 0.1, 0.3, 1.0])
    parser.add_argument("--scarce", type=float, default=0.01, help="the fraction the remedies start from")
    parser.add_argument("--ratios", type=float, nargs="+", default=[1, 4], help="generated pairs per real pair")
    parser.add_argument("--threshold", type=float, default=0.9, help="pseudo-label confidence threshold")
    parser.add_argument("--gen-steps", type=int, default=150, help="pix2pix training steps")
    parser.add_argument("--l1-only", action="store_true", help="generator without discriminator (L1 alone)")
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    parser.add_argument("--filters", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--fm-steps", type=int, default=150, help="FixMatch steps, from the augmented model")
    parser.add_argument("--fm-threshold", type=float, default=0.95, help="FixMatch confidence threshold tau")
    parser.add_argument("--unlabelled-batch", type=int, default=16, help="FixMatch unlabelled scenes per step")
    parser.add_argument("--unlabelled-weight", type=float, default=1.0, help="FixMatch lambda_u")
    parser.add_argument("--no-generated", action="store_true", help="leave out pix2pix, generated pairs, combination")
    return parser.parse_args()


class Segmenter:
    """One compiled U-Net, restarted from the same initial weights for every run."""

    def __init__(self, seed: int, steps: int, learning_rate: float, filters):
        keras.utils.set_random_seed(seed)
        self.model = build_unet(SIZE + (3,), num_classes=CLASSES, filters=tuple(filters))
        self.learning_rate = learning_rate
        self.compile(steps)
        self.initial, self.steps, self.seed = self.model.get_weights(), steps, seed
        self.geometric = training_data.paired_augmentation(flip=True, shift=0.1, rotation=0.02, seed=seed)
        self.photometric = training_data.photometric_augmentation(brightness=0.2, contrast=0.3, blur=0.3, noise=0.05,
                                                         seed=seed)

    def compile(self, steps: int):
        """Adam with a cosine decay from the learning rate over ``steps``, Dice + cross-entropy, XLA."""
        schedule = keras.optimizers.schedules.CosineDecay(self.learning_rate, steps, alpha=0.02)
        self.model.compile(optimizer=keras.optimizers.Adam(schedule), loss=losses.DiceCrossentropy(CLASSES),
                           jit_compile=True)

    def train(self, images, masks, augment: bool = False):
        restart_training(self.model, self.initial)
        pairs = training_data.TrainingPairs(images, masks, batch_size=16, steps=self.steps, seed=self.seed,
                                   augment=self.geometric if augment else None,
                                   photometric=self.photometric if augment else None)
        self.model.fit(pairs, epochs=1, verbose=0)
        return self.model

    def iou(self, images, masks) -> float:
        return metrics.mean_iou(masks, metrics.predict_labels(self.model, images), CLASSES)


def generated_pairs(images, masks, layouts, steps: int, seed: int, l1_only: bool):
    """pix2pix trained on the labelled pairs, drawing a scene for every layout."""
    keras.utils.set_random_seed(seed)
    generator = build_pix2pix_generator(SIZE + (CLASSES,), 3, filters=(16, 32, 64, 128))
    discriminator = None if l1_only else build_patch_discriminator(SIZE + (CLASSES,), SIZE + (3,),
                                                                   filters=(32, 64, 128))
    model = Pix2Pix(generator, discriminator, num_classes=CLASSES, l1_weight=1.0 if l1_only else 100.0, seed=seed)
    model.compile(learning_rate=1e-3, beta_1=0.5, jit_compile=True)
    epochs = max(1, round(steps * 8 / len(images)))
    model.fit(masks, images * 2 - 1, batch_size=8, epochs=epochs, verbose=0)
    return (model.translate(layouts) + 1) / 2


def run(seed: int, args, pool, test, val, layouts) -> tuple[dict, dict]:
    (pool_images, pool_masks), (test_images, test_masks), (val_images, val_masks) = pool, test, val
    seconds, results, val_iou = {}, {}, {}
    start = time.time()
    segmenter = Segmenter(seed, args.steps, args.learning_rate, args.filters)
    teacher = None
    for fraction in args.fractions:
        labelled, unlabelled = training_data.fraction_split(len(pool_images), fraction, seed=seed)
        segmenter.train(pool_images[labelled], pool_masks[labelled])
        results[f"{fraction:.0%} labels"] = segmenter.iou(test_images, test_masks)
        print(f"  seed {seed}, {len(labelled)} labels: {results[f'{fraction:.0%} labels']:.3f}", flush=True)
        if np.isclose(fraction, args.scarce):
            scarce_set, rest = labelled, unlabelled
            teacher = segmenter.model.predict(pool_images[rest], batch_size=128, verbose=0)
    seconds["curve"] = time.time() - start
    images, masks = pool_images[scarce_set], pool_masks[scarce_set]
    scarce, full = results[f"{args.scarce:.0%} labels"], results["100% labels"]

    def remedy(name, train_images, train_masks, augment=False):
        segmenter.train(train_images, train_masks, augment)
        results[name] = segmenter.iou(test_images, test_masks)
        val_iou[name] = segmenter.iou(val_images, val_masks)
        print(f"  seed {seed}, {name}: {results[name]:.3f} (validation {val_iou[name]:.3f})", flush=True)

    start = time.time()
    remedy("augmentation", images, masks, augment=True)
    seconds["augmentation"] = time.time() - start
    augmented = segmenter.model.get_weights()

    start = time.time()
    segmenter.model.set_weights(augmented)
    fixmatch = training_data.FixMatch(segmenter.model, 16, args.unlabelled_batch, threshold=args.fm_threshold,
                                      unlabelled_weight=args.unlabelled_weight)
    schedule = keras.optimizers.schedules.CosineDecay(args.learning_rate, args.fm_steps, alpha=0.02)
    fixmatch.compile(optimizer=keras.optimizers.Adam(schedule), loss=losses.DiceCrossentropy(CLASSES),
                     jit_compile=True)
    pairs = training_data.TrainingPairs(images, masks, batch_size=16, steps=args.fm_steps, seed=seed,
                                        augment=segmenter.geometric, photometric=segmenter.photometric)
    history = fixmatch.fit(training_data.UnlabelledBatches(pairs, pool_images[rest], args.unlabelled_batch, seed=seed),
                           epochs=1, verbose=0)
    results["FixMatch"] = segmenter.iou(test_images, test_masks)
    val_iou["FixMatch"] = segmenter.iou(val_images, val_masks)
    results["FixMatch kept pixels"] = float(history.history["kept"][-1])
    print(f"  seed {seed}, FixMatch: {results['FixMatch']:.3f} (validation {val_iou['FixMatch']:.3f}, "
          f"kept {results['FixMatch kept pixels']:.0%})", flush=True)
    seconds["FixMatch"] = time.time() - start

    # The control: the same start, schedule and labelled batches as FixMatch, without the unlabelled views.
    start = time.time()
    segmenter.model.set_weights(augmented)
    segmenter.compile(args.fm_steps)
    segmenter.model.fit(pairs, epochs=1, verbose=0)
    results["augmentation, longer"] = segmenter.iou(test_images, test_masks)
    val_iou["augmentation, longer"] = segmenter.iou(val_images, val_masks)
    print(f"  seed {seed}, augmentation, longer (FixMatch's control): {results['augmentation, longer']:.3f} "
          f"(validation {val_iou['augmentation, longer']:.3f})", flush=True)
    seconds["control"] = time.time() - start
    segmenter.compile(args.steps)   # back to the remedies' schedule

    if args.no_generated:
        pseudo = training_data.pseudo_labels(teacher, args.threshold)
        results["kept pixels"] = float((pseudo != label_spaces.IGNORE_LABEL).mean())
        remedy("pseudo-labels", np.concatenate([images, pool_images[rest]]), np.concatenate([masks, pseudo]))
        results["gap"] = {name: (value - scarce) / (full - scarce) for name, value in results.items()
                          if isinstance(value, float) and name in val_iou}
        results["combination of"] = "(left out)"
        return results, seconds

    start = time.time()
    drawn = generated_pairs(images, masks, layouts, args.gen_steps, seed, args.l1_only)
    seconds["generator"] = time.time() - start
    start = time.time()
    for ratio in args.ratios:
        mixed_images, mixed_masks, _ = training_data.mix_pairs(images, masks, drawn, layouts, ratio, seed=seed)
        remedy(f"generated ×{ratio:g}", mixed_images, mixed_masks)
    seconds["generated"] = time.time() - start
    best_ratio = max(args.ratios, key=lambda r: val_iou[f"generated ×{r:g}"])

    start = time.time()
    pseudo = training_data.pseudo_labels(teacher, args.threshold)
    results["kept pixels"] = float((pseudo != label_spaces.IGNORE_LABEL).mean())
    remedy("pseudo-labels", np.concatenate([images, pool_images[rest]]), np.concatenate([masks, pseudo]))
    seconds["pseudo-labels"] = time.time() - start

    start = time.time()
    candidates = ["augmentation", f"generated ×{best_ratio:g}", "pseudo-labels"]
    best_two = sorted(candidates, key=val_iou.get)[-2:]
    combo_images, combo_masks = images, masks
    if best_two[0].startswith("generated") or best_two[1].startswith("generated"):
        combo_images, combo_masks, _ = training_data.mix_pairs(images, masks, drawn, layouts, best_ratio, seed=seed)
    if "pseudo-labels" in best_two:
        combo_images = np.concatenate([combo_images, pool_images[rest]])
        combo_masks = np.concatenate([combo_masks, pseudo])
    remedy("combination", combo_images, combo_masks, augment="augmentation" in best_two)
    results["combination of"] = " + ".join(sorted(best_two))
    seconds["combination"] = time.time() - start
    results["gap"] = {name: (value - scarce) / (full - scarce) for name, value in results.items()
                      if isinstance(value, float) and name in val_iou}
    return results, seconds


def main():
    args = parse_args()
    info = runtime.setup(seed=0)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {info}")
    print(f"# args: {vars(args)}")
    pool = synthetic.make_road_scenes(args.pool, image_size=SIZE, seed=1)
    test = synthetic.make_road_scenes(200, image_size=SIZE, seed=2)
    val = synthetic.make_road_scenes(100, image_size=SIZE, seed=3)
    # As many layouts as the chapter draws: the largest ratio times the scarce set's size.
    scarce_size = max(1, int(np.floor(args.scarce * args.pool + 0.5)))
    layouts = synthetic.make_road_scenes(int(np.ceil(max(args.ratios) * scarce_size)), image_size=SIZE, seed=4)[1]
    runs = []
    for seed in args.seeds:
        start = time.time()
        results, seconds = run(seed, args, pool, test, val, layouts)
        runs.append(results)
        print(f"\n## seed {seed}: {time.time() - start:.0f} s "
              f"({', '.join(f'{k} {v:.0f} s' for k, v in seconds.items())})")
        for name, value in results.items():
            if isinstance(value, float):
                gap = results["gap"].get(name)
                print(f"{name:>18}: {value:.3f}" + (f"   gap closed {gap:+.0%}" if gap is not None else ""))
        print(f"    combination of: {results['combination of']}")
    print(f"\n| run | test mean IoU, mean ± std over {len(runs)} seed(s) | min–max | gap closed (mean, min–max) |")
    print("|---|---:|---:|---:|")
    for name, value in runs[0].items():
        if not isinstance(value, float) or name.endswith("kept pixels"):
            continue
        values = np.array([r[name] for r in runs])
        gaps = np.array([r["gap"][name] for r in runs]) if name in runs[0]["gap"] else None
        gap = "" if gaps is None else f"{gaps.mean():+.0%} ({gaps.min():+.0%} to {gaps.max():+.0%})"
        print(f"| {name} | {values.mean():.3f} ± {values.std():.3f} | {values.min():.3f}–{values.max():.3f} | {gap} |")
    print(f"\npseudo-labels kept {np.mean([r['kept pixels'] for r in runs]):.0%} of the pixels; "
          f"combinations: {[r['combination of'] for r in runs]}")


if __name__ == "__main__":
    main()
