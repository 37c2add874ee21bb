"""Chapter 08, exercise 1: per drawn class, the FCN IoU of generated scenes relative to real ones."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


@test_case(points=1, failure_message="ratios: a dict {class name: fake_report[name]['iou'] / "
           "real_report[name]['iou']} over synthetic.ROAD_CLASS_NAMES, leaving out the classes whose "
           "real-scene IoU is 0 (no ratio there).")
def test_ratios(env):
    import numpy as np
    from segen_lib import synthetic

    real, fake, ratios = env["real_report"], env["fake_report"], env.get("ratios")
    expected = {name: fake[name]["iou"] / real[name]["iou"] for name in synthetic.ROAD_CLASS_NAMES
                if real[name]["iou"] > 0}
    assert isinstance(ratios, dict) and ratios, "ratios is not a dict of classes yet"
    assert set(ratios) == set(expected)
    for name, value in expected.items():
        assert np.isclose(ratios[name], value), name


@test_case(points=1, failure_message="worst: the class (a key of ratios) with the lowest ratio, the one pix2pix "
           "renders worst relative to real scenes.")
def test_worst(env):
    ratios = env.get("ratios")
    assert isinstance(ratios, dict) and ratios, "ratios is not a dict of classes yet"
    assert env.get("worst") in ratios, "worst is not one of the classes in ratios yet"
    assert ratios[env["worst"]] == min(ratios.values())
