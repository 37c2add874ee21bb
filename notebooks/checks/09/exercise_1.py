"""Chapter 09, exercise 1: the IoU that 2,000 labels add to 20, per drawn class, and the classes ranked by it."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


def _expected(env):
    from segen_lib import synthetic

    curve = env["curve"]
    full, scarce = curve[env["pool_size"]], curve[len(env["labelled"])]
    return {name: full[name]["iou"] - scarce[name]["iou"] for name in synthetic.ROAD_CLASS_NAMES}


@test_case(points=1, failure_message="added_iou: a dict {class name: IoU} over synthetic.ROAD_CLASS_NAMES, the "
           "class's test IoU with all labels (curve[pool_size]) minus its IoU with the 20 labelled scenes "
           "(curve[len(labelled)]).")
def test_added(env):
    import numpy as np

    added, expected = env.get("added_iou"), _expected(env)
    assert isinstance(added, dict) and set(added) == set(expected), \
        "added_iou is not a dict with one value per drawn class yet"
    for name, value in expected.items():
        assert np.isclose(added[name], value), name


@test_case(points=1, failure_message="ranking: every drawn class once, the one whose IoU gains most first "
           "(sorted with a key, largest first).")
def test_ranking(env):
    ranking, expected = env.get("ranking"), _expected(env)
    assert isinstance(ranking, list) and sorted(ranking) == sorted(expected), \
        "ranking is not a list of the drawn classes yet"
    gains = [expected[name] for name in ranking]
    assert gains == sorted(gains, reverse=True)
