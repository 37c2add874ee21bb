"""Chapter 09, exercise 2: the share of the person pixels that each pseudo-label threshold keeps."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2

THRESHOLDS = (0.5, 0.7, 0.9)


def _expected(env):
    import numpy as np
    from segen_lib import label_spaces, synthetic, training_data

    person_id = synthetic.ROAD_TRAIN_IDS[list(synthetic.ROAD_CLASS_NAMES).index("person")]
    person = env["pool_truth"] == person_id
    probabilities = np.asarray(env["teacher_probabilities"])[person][:, None, None, :]   # the person pixels
    return {t: float(np.mean(training_data.pseudo_labels(probabilities, t) != label_spaces.IGNORE_LABEL))
            for t in THRESHOLDS}


@test_case(points=1, failure_message="person_kept: a dict {threshold: share} for 0.5, 0.7 and 0.9. For each, "
           "training_data.pseudo_labels(teacher_probabilities, t) marks the pixels it drops with "
           "label_spaces.IGNORE_LABEL; the share is the mean of 'kept' over the person pixels only.")
def test_person_kept(env):
    import numpy as np

    kept = env.get("person_kept")
    assert isinstance(kept, dict) and set(kept) == set(THRESHOLDS), \
        "person_kept is not a dict with the keys 0.5, 0.7 and 0.9 yet"
    for t, share in _expected(env).items():
        assert np.isclose(kept[t], share), f"threshold {t}"


@test_case(points=1, failure_message="keep_half: a list of the thresholds (keys of person_kept) whose share is "
           "at least one half.")
def test_keep_half(env):
    answer = env.get("keep_half")
    assert isinstance(answer, list), "keep_half is not a list yet"
    assert sorted(answer) == [t for t, share in _expected(env).items() if share >= 0.5]
