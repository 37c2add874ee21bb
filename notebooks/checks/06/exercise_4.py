"""Chapter 06, exercise 4: the class fog costs the plain model most, and what the augmented model keeps."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 2


def _iou(env, model, name):
    from segen_lib import label_spaces, metrics

    report = metrics.segmentation_report(env["test_masks"], metrics.predict_labels(model, env["foggy"]),
                                         env["num_classes"], label_spaces.CITYSCAPES_CLASS_NAMES)
    return report[name]["iou"]


@test_case(points=1, failure_message="fog_reports and hardest: metrics.segmentation_report of each model's "
           "predictions on foggy (the class names as for clean_report); then, for each name in "
           "synthetic.ROAD_CLASS_NAMES, the clean IoU minus the plain model's foggy IoU: hardest has the largest drop "
           "(a NaN IoU, a class absent from both, is no drop).")
def test_hardest(env):
    import numpy as np
    from segen_lib import synthetic

    reports = env.get("fog_reports")
    assert isinstance(reports, dict) and set(reports) == {"plain", "augmented"}, \
        "fog_reports is not a dict with the keys 'plain' and 'augmented' yet"
    assert env.get("hardest") in synthetic.ROAD_CLASS_NAMES, "hardest is not a drawn class's name yet"
    clean = env["clean_report"]
    drop = {name: np.nan_to_num(clean[name]["iou"] - reports["plain"][name]["iou"], nan=-1)
            for name in synthetic.ROAD_CLASS_NAMES}
    assert drop[env["hardest"]] == max(drop.values())
    hardest_iou = _iou(env, env["unet"], env["hardest"])
    assert np.isclose(reports["plain"][env["hardest"]]["iou"], hardest_iou, atol=1e-6, equal_nan=True)


@test_case(points=1, failure_message="kept: the augmented model's IoU on the class hardest, in its report on "
           "foggy: fog_reports[\"augmented\"][hardest][\"iou\"].")
def test_kept(env):
    import numpy as np

    kept = env.get("kept")
    assert isinstance(kept, (float, np.floating)), "kept is not a number yet"
    assert np.isclose(kept, _iou(env, env["robust_unet"], env["hardest"]), atol=1e-6, equal_nan=True)
