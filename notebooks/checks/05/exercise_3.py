"""Chapter 05, exercise 3: a hinge-loss checkpoint loaded into a non-saturating GAN."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 2


@test_case(points=1, failure_message="other: call other.compile(loss=\"non-saturating\", jit_compile=False) "
           "before loading (load_gan_checkpoint needs a compiled GAN).")
def test_other(env):
    from segen_lib.models import GAN

    other = env.get("other")
    assert isinstance(other, GAN), "other is not a GAN yet"
    assert getattr(other, "loss_name", None) == "non-saturating"


@test_case(points=1, failure_message="refused and refusal: call load_gan_checkpoint(other, path) inside "
           "try: ... except ValueError as error: ..., set refused to whether it raised, and refusal to "
           "str(error). Then read the message: what does a checkpoint remember besides the weights?")
def test_refused(env):
    from segen_lib.callbacks import load_gan_checkpoint

    assert isinstance(env.get("refused"), bool), "refused is not True or False yet"
    assert isinstance(env.get("refusal"), str), "refusal is not a string yet"
    try:   # refused before anything is assigned, so trying again changes nothing
        load_gan_checkpoint(env["other"], env["path"])
        expected = ""
    except ValueError as error:
        expected = str(error)
    assert env["refused"] is True and env["refusal"] == expected
