"""Chapter 07, exercise 3: one-to-one matching at IoU 0.3 with the Hungarian algorithm."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 3


def _matched_pairs(iou, threshold=0.3):
    from scipy.optimize import linear_sum_assignment

    above = iou > threshold
    rows, cols = linear_sum_assignment(above, maximize=True)
    return int(above[rows, cols].sum())


@test_case(points=1, failure_message="double_candidates: the true nuclei (rows of watershed_iou) with more "
           "than one prediction above IoU 0.3: count the True values of each row of `above`.")
def test_double_candidates(env):
    import numbers

    import numpy as np

    answer = env.get("double_candidates")
    assert isinstance(answer, numbers.Integral), "double_candidates is not a whole number yet"
    assert answer == int(np.sum(np.sum(env["watershed_iou"] > 0.3, axis=1) > 1))


@test_case(points=1, failure_message="tp_03, fp_03, fn_03: linear_sum_assignment(above, maximize=True) returns "
           "the rows and columns of the pairs it matches; tp_03 counts those that are above 0.3 (some may not "
           "be), fp_03 the predictions (columns) left unmatched, fn_03 the true nuclei (rows).")
def test_counts(env):
    import numbers

    iou = env["watershed_iou"]
    counts = [env.get(name) for name in ("tp_03", "fp_03", "fn_03")]
    assert all(isinstance(n, numbers.Integral) for n in counts), "tp_03, fp_03 and fn_03 are not all whole numbers yet"
    tp = _matched_pairs(iou)
    assert tuple(counts) == (tp, iou.shape[1] - tp, iou.shape[0] - tp)


@test_case(points=1, failure_message="library_03: metrics.match_instances(test_nuclei, watershed_labels, 0.3), the "
           "library's one-to-one matching of the same objects at the same threshold; compare its tp, fp and fn "
           "with yours.")
def test_library(env):
    from segen_lib import metrics

    match = env.get("library_03")
    assert isinstance(match, metrics.InstanceMatch), "library_03 is not the result of metrics.match_instances yet"
    expected = metrics.match_instances(env["test_nuclei"], env["watershed_labels"], 0.3)
    assert (match.threshold, match.tp, match.fp, match.fn) == (expected.threshold, expected.tp, expected.fp, expected.fn)
