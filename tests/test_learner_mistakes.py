"""The modules of chapters 06-12 under a learner's mistakes: each row a mistake, by kind.

Every mistake must give the right value or a ``ValueError`` that names the argument and
the fix; never a silent wrong number, a crash from deep inside NumPy or a backend, or a
message that points the wrong way. The kinds: wrong rank or shape, wrong dtype or scale
(0..255 images, [0, 1] where [-1, 1] is expected), channels first, one-hot where ids are
expected (and the reverse), label ids where train ids are, probabilities where logits
are, strings where objects are, empty and degenerate inputs, NaN. The tests of each
module hold more of its own cases; this table is the sweep across the chapters.
"""

import keras
import numpy as np
import pytest

from segen_lib import cost, label_spaces, losses, medical, synthetic
from segen_lib.metrics import instances, robustness, translation
from segen_lib.models import (Diffusion, Pix2Pix, build_noise_predictor, build_patch_discriminator,
                              build_pix2pix_generator, build_unet, one_hot_images, receptive_field)
from segen_lib.models.diffusion_process import NoiseSchedule, ddim_step, ddim_timesteps
from segen_lib.synthetic import road_edits
from segen_lib.training_data import augmentation, corrupt, scarce_labels


@pytest.fixture(scope="module")
def scenes():
    return synthetic.make_road_scenes(4, (32, 64), seed=0)


@pytest.fixture(scope="module")
def networks():
    keras.utils.set_random_seed(0)
    return {"pix2pix": build_pix2pix_generator((32, 64, 19), filters=(8, 16)),
            "unet": build_unet((32, 64, 3), num_classes=19, filters=(4, 8)),
            "noise": build_noise_predictor((8, 8, 1), filters=(4, 8), time_dim=8)}


def _objects():
    labels = np.zeros((16, 16), np.int32)
    labels[2:6, 2:6], labels[8:12, 8:14] = 1, 2
    return labels


# (kind, mistake, call(images, masks, networks), regex of the ValueError)
MISTAKES = [
    # --- wrong rank or shape
    ("rank", "make_road_scenes(image_size=32)", lambda i, m, n: synthetic.make_road_scenes(2, 32),
     r"image_size must be \(height, width\), received 32"),
    ("rank", "objects_of(a batch)", lambda i, m, n: road_edits.objects_of(m),
     r"pass maps\[i\], not the whole batch"),
    ("rank", "one_hot_images(one map)", lambda i, m, n: one_hot_images(m[0], 19), r"maps must be masks \(n, height, width\)"),
    ("rank", "Pix2Pix.translate(one map)", lambda i, m, n: Pix2Pix(n["pix2pix"]).translate(one_hot_images(m, 19)[0]),
     r"inputs must have 4 axes"),
    ("rank", "build_patch_discriminator((32, 64))", lambda i, m, n: build_patch_discriminator((32, 64), (32, 64, 3)),
     r"input_shape must be \(height, width, channels\)"),
    ("rank", "instance_iou(a batch)", lambda i, m, n: instances.instance_iou(_objects()[None], _objects()[None]),
     r"one 2-D label image .* one image at a time"),
    ("rank", "laplacian_energy(one image)", lambda i, m, n: translation.laplacian_energy(i[0]), r"\(n, H, W, C\)"),
    ("rank", "predict_labels(one image)", lambda i, m, n: robustness.predict_labels(n["unet"], i[0]),
     r"images must have shape \(batch, height, width, 3\)"),
    ("rank", "Diffusion.fit(3-D images)", lambda i, m, n: _fit_diffusion(n, np.zeros((8, 8, 8), "float32")),
     r"images must have 4 axes"),
    ("shape", "instance_iou(shapes differ)", lambda i, m, n: instances.instance_iou(_objects(), _objects()[:8]),
     r"same shape.*crop or resize"),
    ("shape", "fcn_score(counts differ)", lambda i, m, n: translation.fcn_score(i * 2 - 1, m[:2]),
     r"same n, H and W"),
    ("shape", "ddim_step(3-channel noise for 1-channel images)",
     lambda i, m, n: ddim_step(np.zeros((1, 4, 4, 1)), np.zeros((1, 4, 4, 3)), 5, 3, NoiseSchedule(10)),
     r"output channels must equal the images' channels"),
    ("shape", "add_noise(one step for three images)",
     lambda i, m, n: NoiseSchedule(10).add_noise(np.zeros((2, 2, 2, 1)), np.array([3, 4, 5]), np.zeros((2, 2, 2, 1))),
     r"t must hold one step per image, 2"),
    ("shape", "distillation_loss(class counts differ)",
     lambda i, m, n: losses.distillation_loss(np.zeros((2, 3)), np.zeros((2, 4))), r"same shape"),
    ("shape", "format_corruption_table(uneven tables)",
     lambda i, m, n: robustness.format_corruption_table({"a": {"clean": [0.9], "fog": [0.5, 0.4]},
                                                         "b": {"clean": [0.9], "fog": [0.5]}}),
     r"same corruptions and severities"),
    # --- wrong dtype or scale
    ("scale", "make_road_scenes(2.0)", lambda i, m, n: synthetic.make_road_scenes(2.0, (32, 64)),
     r"num_images must be an integer >= 1, received 2.0"),
    ("scale", "move_object(a float map)", lambda i, m, n: road_edits.move_object(m[0] + 0.5, (0, 1)),
     r"argmax"),
    ("scale", "one_hot_images(fractions)", lambda i, m, n: one_hot_images(m.astype("float32") / 18, 19), r"argmax"),
    ("scale", "Pix2Pix.translate(one-hot in 0/255)",
     lambda i, m, n: Pix2Pix(n["pix2pix"]).translate(one_hot_images(m, 19) * 255), r"x / 127.5 - 1"),
    ("scale", "instance_iou(float ids)", lambda i, m, n: instances.instance_iou(_objects() + 0.5, _objects()),
     r"integer object ids.*skimage.measure.label"),
    ("scale", "fcn_score(images in [0, 1])", lambda i, m, n: translation.fcn_score(i, m), r"x \* 2 - 1"),
    ("scale", "fcn_score(uint8 images)", lambda i, m, n: translation.fcn_score((i * 255).astype("uint8"), m),
     r"x / 127.5 - 1"),
    ("scale", "corruption_iou(uint8 images)",
     lambda i, m, n: robustness.corruption_iou(n["unet"], (i * 255).astype("uint8"), m, 19), r"x / 255"),
    ("scale", "add_noise(images in 0..255)",
     lambda i, m, n: NoiseSchedule(10).add_noise(np.full((1, 2, 2, 1), 200.0), np.array([3]), np.zeros((1, 2, 2, 1))),
     r"x_0 in \[-1, 1\].*x / 127.5 - 1"),
    ("scale", "Diffusion.fit(images in [0, 1])",
     lambda i, m, n: _fit_diffusion(n, np.random.default_rng(0).random((8, 8, 8, 1)).astype("float32")),
     r"x \* 2 - 1"),
    ("scale", "NoiseSchedule(10.0)", lambda i, m, n: NoiseSchedule(10.0), r"num_steps must be an integer"),
    ("scale", "RandomGaussianNoise(uint8 images)",
     lambda i, m, n: augmentation.RandomGaussianNoise(0.1)((i * 255).astype("uint8"), training=True),
     r"images must be floats in \[0, 1\], received dtype uint8.*x / 255"),
    ("scale", "mix_pairs(generated in [-1, 1])",
     lambda i, m, n: scarce_labels.mix_pairs(i, m, i * 2 - 1, m, 1.0), r"\(x \+ 1\) / 2"),
    ("scale", "colorize(palette in [0, 1])",
     lambda i, m, n: label_spaces.colorize(m[0], palette=label_spaces.CITYSCAPES_PALETTE / 255), r"multiply by 255"),
    # --- channels first
    ("channels first", "Pix2Pix.translate(channels first)",
     lambda i, m, n: Pix2Pix(n["pix2pix"]).translate(np.moveaxis(one_hot_images(m, 19), -1, 1)),
     r"must have 19 channels"),
    ("channels first", "corrupt(channels first)", lambda i, m, n: corrupt(np.moveaxis(i, -1, 1), "fog", 1),
     r"channels first\? move them last"),
    ("rank", "quadrant_slices(a batch's shape)", lambda i, m, n: medical.quadrant_slices((2, 512, 512), "top-left"),
     r"one image's \(height, width\)"),
    ("one-hot", "boundary_targets(a binary mask of several objects)",
     lambda i, m, n: medical.boundary_targets((_objects() > 0).astype(np.int32)), r"a binary mask, .* skimage.measure.label"),
    ("scale", "apply_window(values already windowed)",
     lambda i, m, n: medical.apply_window(np.array([0.1, 0.5, 0.9]), *medical.WINDOWS["lung"]), r"already windowed"),
    ("scale", "to_hounsfield(values already in HU)",
     lambda i, m, n: medical.to_hounsfield(np.array([-1000, 40, 700])), r"already look like Hounsfield units"),
    ("channels first", "pseudo_labels(channels first)",
     lambda i, m, n: scarce_labels.pseudo_labels(np.moveaxis(np.eye(19)[m] * 0.9 + 0.1 / 19, -1, 1)),
     r"classes are on axis 1 .* np.moveaxis"),
    # --- one-hot where ids are expected, ids where one-hot or probabilities are
    ("one-hot", "move_object(a one-hot map)", lambda i, m, n: road_edits.move_object(np.eye(19)[m[0]], (0, 1)),
     r"one-hot or class scores\? take argmax"),
    ("one-hot", "one_hot_images(already one-hot)", lambda i, m, n: one_hot_images(np.eye(19)[m], 19),
     r"maps must have shape \(n, height, width\)"),
    ("one-hot", "fcn_score(one-hot maps)", lambda i, m, n: translation.fcn_score(i * 2 - 1, np.eye(19)[m]),
     r"maps \(n, H, W\) label maps"),
    ("one-hot", "corruption_iou(one-hot masks)",
     lambda i, m, n: robustness.corruption_iou(n["unet"], i, np.eye(19)[m], 19, corruptions=["fog"]),
     r"looks one-hot"),
    ("one-hot", "TrainingPairs(one-hot masks)",
     lambda i, m, n: scarce_labels.TrainingPairs(i, np.eye(19, dtype=np.uint8)[m]), r"masks \(n, height, width\)"),
    ("one-hot", "colorize(one-hot masks)", lambda i, m, n: label_spaces.colorize(np.eye(19, dtype=np.uint8)[m]),
     r"look one-hot .* argmax"),
    ("one-hot", "pseudo_labels(class ids)", lambda i, m, n: scarce_labels.pseudo_labels(m),
     r"probabilities must be \(n, height, width, num_classes\)"),
    # --- label ids where train ids are expected
    ("label ids", "one_hot_images(label ids)", lambda i, m, n: one_hot_images(np.full((1, 4, 4), 33), 19),
     r"LABEL_ID_TO_TRAIN_ID"),
    ("label ids", "colorize(label ids)", lambda i, m, n: label_spaces.colorize(np.full((2, 2), 26)),
     r"LABEL_ID_TO_TRAIN_ID"),
    # --- probabilities where logits are expected, and the reverse
    ("probabilities", "distillation_loss(teacher probabilities)",
     lambda i, m, n: losses.distillation_loss(np.eye(3)[[0, 1]] * 0.7 + 0.1, np.zeros((2, 3))),
     r"teacher_logits must be logits.*keras.ops.log\(probabilities\)"),
    ("probabilities", "pseudo_labels(logits)",
     lambda i, m, n: scarce_labels.pseudo_labels(np.random.default_rng(0).normal(size=(1, 4, 4, 3))),
     r"logits\? apply keras.ops.softmax"),
    ("probabilities", "pseudo_labels(independent sigmoids)",
     lambda i, m, n: scarce_labels.pseudo_labels(np.full((1, 4, 4, 3), 0.9)), r"independent sigmoid outputs"),
    # --- strings or other objects where objects are expected
    ("object", "make_road_scenes(lighting='Night')", lambda i, m, n: synthetic.make_road_scenes(1, (32, 64), lighting="Night"),
     r"lighting must be one of 'day', 'dusk', 'night'"),
    ("object", "objects_of(class 'car')", lambda i, m, n: road_edits.objects_of(m[0], "car"),
     r"class_id must be an integer"),
    ("object", "move_object(shift=5)", lambda i, m, n: road_edits.move_object(m[0], 5),
     r"shift must be \(rows, columns\)"),
    ("object", "Pix2Pix('unet')", lambda i, m, n: Pix2Pix("unet"), r"generator must be a keras.Model"),
    ("object", "Diffusion('unet')", lambda i, m, n: Diffusion("unet"), r"network must be a keras.Model .* received str"),
    ("object", "Diffusion(network, schedule='cosine')", lambda i, m, n: Diffusion(n["noise"], "cosine"),
     r"schedule must be a NoiseSchedule"),
    ("object", "ddim_step(schedule='cosine')",
     lambda i, m, n: ddim_step(np.zeros((1, 2, 2, 1)), np.zeros((1, 2, 2, 1)), 5, 3, "cosine"),
     r"schedule must be a NoiseSchedule"),
    ("object", "receptive_field([model])", lambda i, m, n: receptive_field([n["unet"]]), r"must be a Keras model"),
    ("object", "predict_labels('unet')", lambda i, m, n: robustness.predict_labels("unet", i),
     r"model must be a Keras model \(with predict\), received str"),
    ("object", "mean_corruption_iou([0.5])", lambda i, m, n: robustness.mean_corruption_iou([0.5]),
     r"table must be what corruption_iou returns"),
    ("object", "format_costs(model)", lambda i, m, n: cost.format_costs(n["unet"]),
     r"format_costs\(layer_costs\(model\)\)"),
    ("object", "count_macs('unet')", lambda i, m, n: cost.count_macs("unet"), r"received str"),
    ("object", "count_macs(a Sequential without an input)",
     lambda i, m, n: cost.count_macs(keras.Sequential([keras.layers.Conv2D(4, 3)])), r"keras.Input\(shape\)"),
    ("object", "output_size(padding='Same')", lambda i, m, n: cost.output_size(8, 3, 1, "Same"),
     r"'valid', 'same' \(lower case"),
    ("object", "measure_latency(not callable)", lambda i, m, n: cost.measure_latency("f", i),
     r"predict must be callable"),
    ("object", "distillation_loss(temperature='2')",
     lambda i, m, n: losses.distillation_loss([[1.0, 0.0]], [[0.0, 1.0]], "2"), r"temperature must be a number"),
    ("object", "paired_augmentation(shift='0.1')", lambda i, m, n: augmentation.paired_augmentation(shift="0.1"),
     r"shift must be a number"),
    ("object", "colorize(strings)", lambda i, m, n: label_spaces.colorize(np.array([["road"]])), r"dtype <U4"),
    # --- empty and degenerate inputs
    ("degenerate", "make_road_scenes(0)", lambda i, m, n: synthetic.make_road_scenes(0, (32, 64)),
     r"num_images must be an integer >= 1"),
    ("degenerate", "make_road_scenes(lighting=[])", lambda i, m, n: synthetic.make_road_scenes(1, (32, 64), lighting=[]),
     r"non-empty sequence"),
    ("degenerate", "make_road_scenes(height 15)", lambda i, m, n: synthetic.make_road_scenes(1, (15, 64)),
     r"height must be an integer >= 16"),
    ("degenerate", "move_object(rank=0)", lambda i, m, n: road_edits.move_object(m[0], (0, 1), rank=0), r"rank"),
    ("degenerate", "add_person(height=0)", lambda i, m, n: road_edits.add_person(m[0], 20, 10, 0), r"height"),
    ("degenerate", "widen_road(fraction=2)", lambda i, m, n: road_edits.widen_road(m[0], 2.0), r"fraction"),
    ("degenerate", "build_pix2pix_generator(height 30)", lambda i, m, n: build_pix2pix_generator((30, 64, 19)),
     r"not divisible by 8"),
    ("degenerate", "match_instances(threshold=1.5)",
     lambda i, m, n: instances.match_instances(_objects(), _objects(), 1.5), r"threshold must be a number in \[0, 1\)"),
    ("degenerate", "dsb_score(thresholds=[])", lambda i, m, n: instances.dsb_score(_objects(), _objects(), []),
     r"at least one IoU threshold"),
    ("degenerate", "laplacian_energy(no image)", lambda i, m, n: translation.laplacian_energy(np.zeros((0, 8, 8, 3))),
     r"non-empty"),
    ("degenerate", "corruption_iou(corruptions=[])",
     lambda i, m, n: robustness.corruption_iou(n["unet"], i, m, 19, corruptions=[]), r"non-empty list of names"),
    ("degenerate", "mean_corruption_iou({})", lambda i, m, n: robustness.mean_corruption_iou({}), r"no corruption"),
    ("degenerate", "format_corruption_table({})", lambda i, m, n: robustness.format_corruption_table({}),
     r"tables must map model names"),
    ("degenerate", "NoiseSchedule(10, 'linear') with DDPM's 1000-step range",
     lambda i, m, n: NoiseSchedule(10, "linear", beta_start=1e-4, beta_end=0.02), r"more steps"),
    ("degenerate", "NoiseSchedule(max_beta=1)", lambda i, m, n: NoiseSchedule(10, max_beta=1.0), r"max_beta"),
    ("degenerate", "ddim_timesteps(10, 0)", lambda i, m, n: ddim_timesteps(10, 0), r"steps must be an integer >= 1"),
    ("degenerate", "add_noise(t=T)",
     lambda i, m, n: NoiseSchedule(10).add_noise(np.zeros((1, 2, 2, 1)), np.array([10]), np.zeros((1, 2, 2, 1))),
     r"counted from 0"),
    ("degenerate", "Diffusion.sample(0)", lambda i, m, n: Diffusion(n["noise"], NoiseSchedule(10)).sample(0),
     r"num_images"),
    ("degenerate", "build_noise_predictor(filters=())", lambda i, m, n: build_noise_predictor((8, 8, 1), filters=()),
     r"two levels"),
    ("degenerate", "output_size(kernel larger than the input)", lambda i, m, n: cost.output_size(3, 5),
     r"does not fit"),
    ("degenerate", "measure_latency(repeats=0)", lambda i, m, n: cost.measure_latency(lambda b: b, i, repeats=0),
     r"repeats"),
    ("degenerate", "paired_augmentation(shift=2)", lambda i, m, n: augmentation.paired_augmentation(shift=2.0),
     r"shift"),
    ("degenerate", "RandomGaussianNoise(-1)", lambda i, m, n: augmentation.RandomGaussianNoise(-1.0), r"max_stddev"),
    ("degenerate", "fraction_split(fraction=0)", lambda i, m, n: scarce_labels.fraction_split(10, 0.0), r"fraction"),
    ("degenerate", "mix_pairs(ratio above what was generated)",
     lambda i, m, n: scarce_labels.mix_pairs(i, m, i[:1], m[:1], 3.0), r"generate more, or lower the ratio"),
    ("degenerate", "TrainingPairs(no pairs)", lambda i, m, n: scarce_labels.TrainingPairs(i[:0], m[:0]), r"empty"),
    ("degenerate", "TrainingPairs(masks all 255)",
     lambda i, m, n: scarce_labels.TrainingPairs(i, np.full_like(m, 255)), r"the loss would see no pixel"),
    ("degenerate", "colorize(ignore_colour=(300, 0, 0))",
     lambda i, m, n: label_spaces.colorize(m[0], ignore_colour=(300, 0, 0)), r"ignore_colour must be one RGB"),
    # --- NaN
    ("NaN", "widen_road(fraction=nan)", lambda i, m, n: road_edits.widen_road(m[0], float("nan")), r"fraction"),
    ("NaN", "laplacian_energy(NaN)", lambda i, m, n: translation.laplacian_energy(np.full((1, 8, 8, 3), np.nan)),
     r"NaN"),
    ("NaN", "mean_corruption_iou(NaN)", lambda i, m, n: robustness.mean_corruption_iou({"fog": [float("nan")]}),
     r"IoUs in \[0, 1\]"),
    ("NaN", "distillation_loss(NaN logits)", lambda i, m, n: losses.distillation_loss([[np.nan, 0.0]], [[0.0, 2.0]]),
     r"teacher_logits holds 1 NaN"),
    ("NaN", "ddim_step(NaN images)",
     lambda i, m, n: ddim_step(np.full((1, 2, 2, 1), np.nan), np.zeros((1, 2, 2, 1)), 5, 3, NoiseSchedule(10)),
     r"x_t holds 4 NaN"),
]


def _fit_diffusion(networks, images):
    model = Diffusion(networks["noise"], NoiseSchedule(10))
    model.compile()
    return model.fit(images, epochs=1, verbose=0)


@pytest.mark.parametrize("kind, mistake, call, match", MISTAKES, ids=[f"{k}: {name}" for k, name, _, _ in MISTAKES])
def test_a_mistake_gets_a_value_error_that_names_the_fix(kind, mistake, call, match, scenes, networks):
    images, masks = scenes
    with pytest.raises(ValueError, match=match):
        call(images, masks, networks)


def test_unusual_but_valid_inputs_give_the_right_value():
    objects = _objects()
    # A binary mask is a label image with one object: it covers the larger object with IoU
    # 24 / 40 = 0.6, so it matches it at 0.5 and nothing at 0.7.
    merged = (objects > 0).astype(np.int32)
    assert [instances.match_instances(objects, merged, t)[1:4] for t in (0.5, 0.7)] == [(1, 0, 1), (0, 1, 2)]
    # A threshold of 0 matches any overlap, still one to one.
    assert instances.match_instances(objects, objects, 0.0).tp == 2
    # Nothing to find and nothing found is a perfect score.
    assert instances.dsb_score(np.zeros((4, 4), int), np.zeros((4, 4), int)) == 1.0
    # Logits that happen to be small are still logits; a linear schedule of few steps ends in noise.
    assert float(losses.distillation_loss([[0.2, 0.3]], [[0.2, 0.3]])) == 0.0
    assert NoiseSchedule(10, "linear").alpha_bars[-1] < 1e-3
