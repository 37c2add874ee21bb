"""Chapter 10, exercise 4: bytes per parameter of each file of section 3, and Adam's state."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 2


@test_case(points=1, failure_message="per_parameter: a dict with one entry per file of `runtimes` (name → (model, "
           "path)): the file's size in bytes (path.stat().st_size) divided by the teacher's count_params(). Under "
           "JAX, section 3 saves no file and the dict stays empty.")
def test_per_parameter(env):
    import numpy as np

    per_parameter = env.get("per_parameter")
    assert isinstance(per_parameter, dict), "per_parameter is not a dict yet"
    runtimes, params = env["runtimes"], env["teacher"].count_params()
    assert set(per_parameter) == set(runtimes)
    for file_name, (_, path) in runtimes.items():
        np.testing.assert_allclose(per_parameter[file_name], path.stat().st_size / params, rtol=1e-9)


@test_case(points=1, failure_message="adam_state: how many numbers the teacher's optimizer keeps, the sum of the "
           "sizes of teacher.optimizer.variables leaving out the scalars (len(v.shape) == 0: the step count, the "
           "learning rate). Compare it with teacher.count_params().")
def test_adam_state(env):
    import numpy as np

    state = env.get("adam_state")
    assert isinstance(state, (int, np.integer)), "adam_state is not an integer yet"
    # the weights training updated: all but batch normalisation's moving statistics (the distiller of section 5
    # froze the teacher afterwards, so teacher.trainable_weights is empty now)
    updated = sum(int(np.prod(weight.shape)) for weight in env["teacher"].weights
                  if not weight.path.endswith(("moving_mean", "moving_variance")))
    expected = 2 * updated   # Adam: a first and a second moment per weight it updates
    assert state == expected
