r"""Is my run normal? Each chapter's key results against the range they usually fall in.

A chapter ends with :func:`check_results`: it prints every key result beside the range
expected for the learner's mode and device, says whether it is inside, and for a result
outside says what usually explains it. It also prints the ``SEGEN_METRIC`` line of each result
(:func:`segen_lib.runtime.report_metric`) and a ``SEGEN_CHECK name=inside|outside`` line,
which the course runner (``python -m segen_course run``) puts in ``build/report.md``.

The ranges in :data:`EXPECTED` were read from learner-mode runs of each chapter on a 2-core
x86-64 CPU, over several seeds where a chapter was checked that way, widened by a margin:
what a learner's CPU run gives, not the best any run gave. A GPU picks larger settings (each
chapter's ``GPU`` branch), so its results differ; a range for it is added once measured,
and until then a GPU result is shown without a verdict. Fast mode (``SEGEN_FAST=1``) trains
on tiny data: its numbers mean nothing and are never judged. The figures behind each range
are in ``benchmarks/RESULTS.md``.

Introduced in ``notebooks/00_setup.ipynb``; used at the end of every chapter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from segen_lib.runtime import RuntimeInfo, report_metric

__all__ = ["EXPECTED", "Expected", "Verdict", "check_results", "verdict"]

CHECK_PREFIX = "SEGEN_CHECK"


@dataclass(frozen=True)
class Expected:
    """The usual range of one result: ``(low, high)`` per device (``"CPU"``, ``"GPU"``), and why not.

    ``low``/``high`` may be ``-inf``/``inf`` for a one-sided range. ``explain`` says what
    usually puts a result outside it.
    """

    cpu: tuple[float, float] | None
    explain: str
    gpu: tuple[float, float] | None = None

    def range_for(self, device: str) -> tuple[float, float] | None:
        return self.gpu if device == "GPU" else self.cpu


EXPECTED: dict[str, dict[str, Expected]] = {
    "00_setup": {
        "data_files_verified": Expected(
            (8, 8), "fewer: a data file is missing or changed; the cell above names it, and "
                    "`cd data && sha256sum -c SHA256SUMS` checks them all."),
    },
    "01_cnn_basics": {
        "test_accuracy": Expected(
            (0.87, 0.92), "lower: fewer epochs or a changed learning rate in the constants cell, or a "
                          "layer removed; much lower (about 0.1): the labels and images were shuffled apart."),
        "train_seconds": Expected(None, "depends on the machine and its load: not judged."),
    },
    "02_unet_segmentation": {
        "digit_test_mean_iou": Expected(
            (0.85, 0.95), "lower: fewer epochs, or the skips or batch normalisation taken out of the "
                          "U-Net; the per-class table shows which digits pull the mean down."),
    },
    "03_gan_theory": {
        "modes_plain_gan": Expected(
            (0, 3), "more: the plain GAN's noise size or learning rates were changed in the constants cell; "
                    "a plain GAN that covers the ring is not wrong, only not the collapse this chapter shows."),
        "modes_fixed_gan": Expected(
            (8, 8), "fewer: the fix's settings were changed, or training was cut short; the figure shows "
                    "which modes are empty."),
        "high_quality_fixed_gan": Expected(
            (0.90, 0.97), "lower: the weight average was turned off or the run cut short: samples land "
                          "between the modes."),
    },
    "04_gan_training": {
        "dcgan_fid": Expected(
            (3.5, 7.0), "higher: fewer epochs, another learning rate or momentum (beta_1) in the constants "
                        "cell, or the weight average turned off; the FID-per-epoch plot shows where it stalled."),
    },
    "05_gan_variants": {
        "cgan_class_agreement": Expected(
            (0.75, 0.95), "lower: fewer epochs; the per-class table shows which classes the generator "
                          "confuses (shirts, pullovers and coats look alike)."),
        "wgan_gp_fid": Expected(
            (50.0, 75.0), "higher: fewer generator steps or a changed gradient-penalty weight; the critic's "
                          "Wasserstein estimate per epoch should fall."),
        "dcgan_fid_equal_generator_steps": Expected(
            (65.0, 90.0), "lower: more generator steps than the WGAN-GP's; higher: a changed recipe."),
    },
    "06_driving_scenes": {
        "road_test_mean_iou": Expected(
            (0.80, 0.92), "lower: fewer steps or a smaller U-Net in the constants cell; the classes "
                          "drawn in few pixels (poles, signs, people) are the first to drop."),
        "road_mean_corruption_iou_plain": Expected(
            (0.30, 0.55), "higher: milder corruptions than the chapter's; lower: a weaker clean model "
                          "(its clean mean IoU, above, is lower too)."),
        "road_mean_corruption_iou_augmented": Expected(
            (0.45, 0.68), "lower: the augmentation was weakened or taken out, or fewer training steps."),
        "road_corruption_gain": Expected(
            (0.05, math.inf), "lower: the augmentation was weakened or taken out; at severities beyond "
                              "those it was trained on, augmentation helps less."),
    },
    "07_medical_imaging": {
        "test_dice": Expected(
            (0.88, 0.95), "lower: fewer tiles or steps; the held-out quadrant has clusters of touching "
                          "nuclei where a weak model merges them."),
        "dsb_score": Expected(
            (0.35, 0.65), "lower: min_distance changed from the value chosen on validation, or a weaker "
                          "mask; the IoU-threshold table shows where the matches are lost."),
        "ap50": Expected(
            (0.6, 0.9), "lower: nuclei merged (count error negative) or split (positive); try the "
                        "min_distance values of the validation table."),
        "count_error": Expected(
            (-8, 8), "far below 0: touching nuclei merged; far above: nuclei split in two; both point at "
                     "min_distance or a weak boundary in the mask."),
    },
    "08_image_to_image": {
        "fcn_score_ratio": Expected(
            (0.65, 1.0), "lower: a shorter training budget, or a texture phase that pulled the layout apart (a "
                         "lower lambda, a faster discriminator); the small objects (signs, poles) go first."),
        "fcn_score_generated": Expected(
            (0.6, 0.9), "lower: a shorter training budget (see fcn_score_ratio, which divides by the real "
                        "scenes' score)."),
        "fcn_score_l1_alone": Expected(
            (0.6, 0.9), "lower: a shorter layout phase; the thin classes (pole, sign, person) go first."),
        "energy_ratio_l1_alone": Expected(
            (0.0, 0.5), "higher: L1 alone trained longer than the chapter's budget starts to draw edges."),
        "energy_ratio_pix2pix": Expected(
            (0.15, 1.0), "lower: the adversarial term too weak to add texture (a higher lambda, fewer texture "
                         "epochs); higher: the discriminator won and the generator paints noise."),
        "energy_gain": Expected(
            (1.25, 6.0), "near 1: pix2pix paints no more detail than L1 alone (lambda too high, too few texture "
                        "epochs, or a discriminator that stopped learning)."),
        "reverse_pix2pix_mean_iou": Expected(None, "not judged yet: no range measured over seeds."),
        "reverse_unet_mean_iou": Expected(None, "not judged yet: no range measured over seeds."),
    },
    "09_scarce_labels": {
        "scarce_mean_iou": Expected(
            (0.40, 0.48), "lower: fewer steps; the 20 labelled scenes miss some classes entirely, so their "
                          "IoU is 0 whatever the model."),
        "full_mean_iou": Expected(
            (0.52, 0.60), "lower: fewer steps for every point; at this budget the full set is seen less "
                          "often per scene than the small ones, which is why it does not lead the curve "
                          "(the ceiling, trained longer, does)."),
        "ceiling_mean_iou": Expected(
            (0.74, 0.88), "lower: fewer steps for the ceiling, or a changed learning rate; the thin classes "
                          "(pole, person, traffic sign) are the last to be learnt."),
        "best_remedy_gap_closed": Expected(
            (0.30, 0.95), "lower: a remedy's setting changed (augmentation, FixMatch's threshold or "
                          "unlabelled weight, the control's extra steps), or FixMatch was trained from "
                          "scratch instead of from the augmented model."),
    },
    "10_model_cost": {
        "teacher_mean_iou": Expected(
            (0.50, 0.62), "lower: fewer training steps or a smaller teacher; the road classes drawn in few "
                          "pixels drop first."),
        "distilled_student_mean_iou": Expected(
            (0.48, 0.60), "lower: a weaker teacher (see its IoU), or a changed temperature or loss weight."),
        "int8_size_ratio": Expected(
            (3.0, 4.2), "near 1: the model was exported in float32; near 4 is the rule, weights of 4 bytes "
                        "stored in 1."),
        "int8_iou_change": Expected(
            (-0.02, 0.02), "a larger drop: a representative data set too small or unlike the test images, so "
                           "the ranges chosen for the activations clip them."),
    },
    "11_several_devices": {
        "data_parallel_loss_gap": Expected(
            (0.0, 0.01), "larger: the loss was reduced to one number per replica instead of one value per "
                         "image, or the global batch was not split as the chapter does."),
        "multiworker_mirrored_loss_difference": Expected(
            (0.0, 1e-5), "larger: the two worker processes did not start from the same weights, or their "
                         "batches differ."),
    },
    "12_diffusion": {
        "diffusion_fid": Expected(
            (5.0, 16.0), "higher: fewer training seconds or sampling steps than the chapter's, a network "
                         "with fewer levels than the chapter's three, or the network predicting the noise "
                         "instead of v; the checkpoints' figure shows whether shapes have formed at all."),
        "diffusion_seconds_per_1000": Expected(None, "depends on the machine and its load: not judged."),
        "dcgan_fid_same_seconds": Expected(
            (3.0, 15.0), "higher: a slower machine gives the DCGAN fewer steps in the same seconds; "
                         "the run's step count is printed beside it."),
        "shipped_diffusion_fid": Expected(
            (3.0, 8.0), "higher: the file in data/ is not the one data/train_diffusion.py wrote for "
                        "this chapter's network, or it was sampled with fewer DDIM steps or other settings "
                        "than the chapter's."),
    },
}


@dataclass(frozen=True)
class Verdict:
    """One result judged: ``status`` is ``"inside"``, ``"outside"`` or ``"unchecked"`` (no range)."""

    name: str
    value: float
    low: float | None
    high: float | None
    status: str
    explain: str = ""


def verdict(chapter: str, name: str, value: float, device: str = "CPU", fast: bool = False) -> Verdict:
    """Judge one result of ``chapter`` (a notebook's stem, e.g. ``"01_cnn_basics"``).

    Args:
        chapter: the chapter's file stem.
        name: the result's name, as given to :func:`check_results`.
        value: the result, a finite number.
        device: ``"CPU"`` or ``"GPU"``.
        fast: fast mode: never judged.

    Returns:
        A :class:`Verdict`; ``"unchecked"`` in fast mode (where tiny data may even give NaN), or
        where no range is recorded for this chapter, result and device; ``"outside"`` for NaN
        or infinity where a range applies (a diverged run).

    Raises:
        ValueError: for a value that is not a number, or a device other than CPU/GPU.

    Example:
        >>> verdict("01_cnn_basics", "test_accuracy", 0.89).status
        'inside'
        >>> verdict("01_cnn_basics", "test_accuracy", 0.89, fast=True).status
        'unchecked'
    """
    if device not in ("CPU", "GPU"):
        raise ValueError(f"device must be 'CPU' or 'GPU', received {device!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"the result {name!r} must be a number, received {value!r}.") from None
    expected = EXPECTED.get(chapter, {}).get(name)
    bounds = None if fast or expected is None else expected.range_for(device)
    if bounds is None:
        return Verdict(name, number, None, None, "unchecked")
    if not math.isfinite(number):
        return Verdict(name, number, *bounds, "outside",
                       f"{number} means the run diverged or a ratio divided by zero; run the chapter "
                       "again from the top, and if it recurs lower the learning rate in its constants cell.")
    low, high = bounds
    inside = low <= number <= high
    return Verdict(name, number, low, high, "inside" if inside else "outside",
                   "" if inside else expected.explain)


def _range_text(v: Verdict) -> str:
    if v.low is None:
        return "—"
    if v.high == math.inf:
        return f"≥ {v.low:g}"
    if v.low == -math.inf:
        return f"≤ {v.high:g}"
    return f"{v.low:g} to {v.high:g}"


def check_results(chapter: str, results: dict[str, float], info: RuntimeInfo) -> list[Verdict]:
    """Print each result beside its usual range, and what explains one outside it.

    Also prints, for the course runner, the ``SEGEN_METRIC`` line of every result and a
    ``SEGEN_CHECK name=inside|outside`` line for each judged one.

    Args:
        chapter: the chapter's file stem, e.g. ``"01_cnn_basics"``.
        results: ``{name: value}``, the chapter's key results (finite numbers).
        info: what :func:`segen_lib.runtime.setup` returned (mode and device).

    Returns:
        One :class:`Verdict` per result, in order.

    Raises:
        ValueError: no results, an unknown chapter, a name :data:`EXPECTED` does not know
            for this chapter (a typo would silently skip the check), or a value that is not a
            number.
    """
    if not results:
        raise ValueError("results is empty: pass the chapter's key results as {name: value}.")
    if chapter not in EXPECTED:
        raise ValueError(f"no expected results are recorded for chapter {chapter!r}; known chapters: "
                         f"{', '.join(sorted(EXPECTED))}.")
    unknown = [name for name in results if name not in EXPECTED[chapter]]
    if unknown:
        raise ValueError(f"chapter {chapter!r} records no range for {unknown}; its results are "
                         f"{sorted(EXPECTED[chapter])}.")
    verdicts = [verdict(chapter, name, value, info.device, info.fast) for name, value in results.items()]
    if info.fast:
        print("Fast mode: the numbers below come from tiny data and mean nothing; no range applies.")
    width = max(len(v.name) for v in verdicts)
    print(f"{'result':<{width}}  {'yours':>10}  {'usual on a ' + info.device:<22}  verdict")
    for v in verdicts:
        mark = {"inside": "inside the usual range", "outside": "OUTSIDE the usual range",
                "unchecked": "no range for this mode and device"}[v.status]
        print(f"{v.name:<{width}}  {v.value:>10.4g}  {_range_text(v):<22}  {mark}")
    for v in verdicts:
        if v.status == "outside":
            print(f"- {v.name}: {v.explain}")
    for v in verdicts:
        report_metric(v.name, v.value)
        if v.status != "unchecked":
            print(f"{CHECK_PREFIX} {v.name}={v.status}")
    return verdicts
