"""Chapter 08, exercise 2: the receptive field of PatchGANs with 2, 3 and 4 stages."""
import functools

from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 3


@functools.lru_cache(maxsize=1)
def _fields():
    """{stages: receptive field} of the three PatchGANs, built once per check."""
    from segen_lib.models import build_patch_discriminator, receptive_field

    return {stages: receptive_field(build_patch_discriminator((32, 64, 19), (32, 64, 3),
                                                              filters=tuple(8 * 2 ** i for i in range(stages))))
            for stages in (2, 3, 4)}


@test_case(points=1, failure_message="fields_by_hand: chapter 01's rule layer by layer, r += (k - 1) * j then "
           "j *= s, for every convolution of the PatchGAN: 4×4 kernels, stride 2 in all stages but the last, "
           "stride 1 in the last stage and in the one-channel logits layer.")
def test_by_hand(env):
    fields = env.get("fields_by_hand")
    assert isinstance(fields, dict) and set(fields) == {2, 3, 4}, "fields_by_hand is not a dict {2: .., 3: .., 4: ..} yet"
    assert fields == dict(_fields())


@test_case(points=1, failure_message="fields_keras: for each number of stages, build_patch_discriminator((32, 64, "
           "19), (32, 64, 3), filters=...) with that many filters, and receptive_field of the model.")
def test_keras(env):
    fields = env.get("fields_keras")
    assert isinstance(fields, dict) and set(fields) == {2, 3, 4}, "fields_keras is not a dict {2: .., 3: .., 4: ..} yet"
    assert fields == dict(_fields())


@test_case(points=1, failure_message="whole_scene_stages: the fewest stages whose field covers the scene in both "
           "directions (a 32×64 scene: its width is the larger side).")
def test_whole_scene(env):
    fields = _fields()
    assert env.get("whole_scene_stages") in fields, "whole_scene_stages is not 2, 3 or 4 yet"
    assert env["whole_scene_stages"] == min(stages for stages, field in fields.items() if field >= 64)
