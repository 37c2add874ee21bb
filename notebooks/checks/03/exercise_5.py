"""Chapter 03, exercise 5: the ring GAN with 2-D noise alone (the papers' rate, no weight average)."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_5"
points = 3


@test_case(points=1, failure_message="noise_only_settings: the keyword arguments of train_on_ring for this run: "
           "noise_dim of the data's dimension, the papers' learning rate (paper_learning_rate), and no average "
           "(leave average out, or None).")
def test_settings(env):
    settings = env.get("noise_only_settings")
    assert isinstance(settings, dict), "noise_only_settings is not a dict yet"
    assert settings.get("noise_dim") == 2 and settings.get("learning_rate") == env["paper_learning_rate"]
    assert settings.get("average") is None


@test_case(points=1, failure_message="noise_only_history: train_on_ring(**noise_only_settings), the list of "
           "(step, samples) snapshots; noise_only: coverage of the last snapshot's samples, with centres and ring_std.")
def test_coverage(env):
    import numpy as np
    from segen_lib import metrics

    history, result = env.get("noise_only_history"), env.get("noise_only")
    assert isinstance(history, list) and len(history) == 5, "noise_only_history is not train_on_ring's snapshots yet"
    step, samples = history[-1]
    assert step == env["ring_steps"] and np.shape(samples) == (env["num_eval"], 2)
    assert isinstance(result, metrics.ModeCoverage), "noise_only is not what coverage returns yet"
    expected = metrics.count_modes(samples, env["centres"], threshold=3 * env["ring_std"], min_fraction=0.01)
    assert (result.modes_covered, result.high_quality_fraction) == (expected.modes_covered,
                                                                    expected.high_quality_fraction)


@test_case(points=1, failure_message="below_fixed: True when noise_only's high_quality_fraction is smaller than the "
           "fixed GAN's (fixed, section 6), else False.")
def test_comparison(env):
    import numpy as np

    assert isinstance(env.get("below_fixed"), (bool, np.bool_)), "below_fixed is not True or False yet"
    assert env["below_fixed"] == (env["noise_only"].high_quality_fraction < env["fixed"].high_quality_fraction)
