"""Chapter 11, exercise 4: a training step in float32 and in mixed bfloat16, timed."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 2


@test_case(points=1, failure_message="step_ms: a dict with the keys 'float32' and 'mixed_bfloat16', each the median "
           "in milliseconds of the timed train_on_batch calls (time.perf_counter() around each call, after `warmup` "
           "untimed ones). step_speedup: float32's time divided by mixed_bfloat16's.")
def test_times(env):
    import numpy as np

    step_ms, speedup = env.get("step_ms"), env.get("step_speedup")
    assert isinstance(step_ms, dict), "step_ms is not a dict yet"
    assert set(step_ms) == {"float32", "mixed_bfloat16"}
    assert all(np.isfinite(ms) and ms > 0 for ms in step_ms.values())
    assert isinstance(speedup, (float, np.floating)), "step_speedup is not a number yet"
    np.testing.assert_allclose(speedup, step_ms["float32"] / step_ms["mixed_bfloat16"], rtol=1e-9)


@test_case(points=1, failure_message="step_gains_less: True if the training step's speed-up is smaller than the "
           "matrix product's (`speedup`, section 1), else False.")
def test_comparison(env):
    import numpy as np

    gains_less = env.get("step_gains_less")
    assert isinstance(gains_less, (bool, np.bool_)), "step_gains_less is not True or False yet"
    assert gains_less == (env["step_speedup"] < env["speedup"])
