"""Chapter 11, exercise 2: what each of four replicas divides its summed losses by."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


@test_case(points=1, failure_message="divisor and divided_by_global: the replicas' results are added (the "
           "all-reduce) and must give the mean loss of the whole batch, as on one device (section 2). What must "
           "each replica divide the sum of its four losses by? divided_by_global adds the four quotients.")
def test_divided(env):
    import numpy as np

    divisor, added = env.get("divisor"), env.get("divided_by_global")
    assert isinstance(divisor, (int, float, np.number)), "divisor is not a number yet"
    assert isinstance(added, (float, np.floating)), "divided_by_global is not a number yet"
    losses = np.arange(16.0)
    expected_sum, expected_divisor = losses.mean(), losses.size   # one device: the mean over the global batch
    assert added == expected_sum
    assert divisor == expected_divisor


@test_case(points=1, failure_message="own_means_added: each replica's own mean (its four losses summed and divided "
           "by 4: shares.mean(axis=1)), added over the four replicas. Compare it with the mean of the 16 losses.")
def test_own_means(env):
    import numpy as np

    added = env.get("own_means_added")
    assert isinstance(added, (float, np.floating)), "own_means_added is not a number yet"
    expected = np.arange(16.0).reshape(4, 4).mean(axis=1).sum()
    assert added == expected
