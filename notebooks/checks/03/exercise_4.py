"""Chapter 03, exercise 4: modes covered and high-quality samples of two made-up generators."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 3


def _coverage(points, env):
    from segen_lib import metrics

    return metrics.count_modes(points, env["centres"], threshold=3 * env["ring_std"], min_fraction=0.01)


@test_case(points=1, failure_message="exact: coverage of num_eval points that all sit on the 8 centres (np.repeat "
           "repeats each centre num_eval // 8 times), with the centres and ring_std.")
def test_exact(env):
    import numpy as np
    from segen_lib import metrics

    exact = env.get("exact")
    assert isinstance(exact, metrics.ModeCoverage), "exact is not what coverage returns yet"
    expected = _coverage(np.repeat(env["centres"], env["num_eval"] // 8, axis=0), env)
    assert (exact.modes_covered, exact.high_quality_fraction) == (expected.modes_covered, expected.high_quality_fraction)


@test_case(points=1, failure_message="spread: the points at the given angles on the circle of radius 2, "
           "2·(cos θ, sin θ) stacked into a (num_eval, 2) array, passed to coverage.")
def test_spread(env):
    import numpy as np
    from segen_lib import metrics

    spread, angles = env.get("spread"), env["angles"]
    assert isinstance(spread, metrics.ModeCoverage), "spread is not what coverage returns yet"
    expected = _coverage(2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1), env)
    assert spread.modes_covered == expected.modes_covered
    assert np.isclose(spread.high_quality_fraction, expected.high_quality_fraction)


@test_case(points=1, failure_message="arc_share: around each centre the high-quality points form an arc of the "
           "circle about 2·3σ long (3σ on each side); there are 8 such arcs, out of a circle of length 2π·2.")
def test_arc_share(env):
    import numbers

    import numpy as np

    radius, half_chord = 2.0, 3 * env["ring_std"]
    exact_arcs = 8 * 2 * radius * 2 * np.arcsin(half_chord / (2 * radius)) / (2 * np.pi * radius)
    assert isinstance(env.get("arc_share"), numbers.Real), "arc_share is not a number yet"
    assert np.isclose(env["arc_share"], exact_arcs, rtol=0.01)
