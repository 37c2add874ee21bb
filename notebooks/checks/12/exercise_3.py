"""Chapter 12, exercise 3: the diffusion loss per noise step."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 2


@test_case(points=1, failure_message="errors: one number per step of probe_steps, in order: draw standard normal "
           "noise of flat's shape, noise `flat` to step t with schedule.add_noise, get the noise the network sees "
           "with diffusion.predicted_noise(x_t, t) and average the squared difference with the noise drawn.")
def test_errors(env):
    import numpy as np

    errors, steps = env.get("errors"), env["probe_steps"]
    assert isinstance(errors, (list, np.ndarray)) and len(errors) == len(steps), \
        "errors does not hold one value per step of probe_steps yet"
    assert all(np.isfinite(e) and e > 0 for e in errors)
    # recompute one step with fresh noise: the mean over the images agrees within a few per cent
    index = len(steps) // 2
    t, flat = int(steps[index]), env["flat"]
    noise = np.random.default_rng(123).standard_normal(flat.shape).astype("float32")
    noisy = env["schedule"].add_noise(flat, np.full(len(flat), t), noise)
    predicted = env["diffusion"].predicted_noise(noisy, t)
    expected = float(np.mean((predicted - noise) ** 2))
    assert abs(errors[index] - expected) <= 0.15 * expected, f"t = {t}: {errors[index]:.4f} against {expected:.4f}"


@test_case(points=1, failure_message="hardest_step: the step of probe_steps with the largest error (np.argmax "
           "gives its index), as an int.")
def test_hardest(env):
    import numpy as np

    hardest = env.get("hardest_step")
    assert isinstance(hardest, (int, np.integer)), "hardest_step is not an integer yet"
    assert hardest == env["probe_steps"][int(np.argmax(env["errors"]))]
