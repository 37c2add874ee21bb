"""Chapter 12, exercise 1: DDIM with eta = 1 at the smallest step count, and its FID."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


@test_case(points=1, failure_message="stochastic and fid_stochastic: diffusion.sample(num_fid, steps=..., eta=..., "
           "seed=3) with the smallest of ddim_steps and eta = 1 (the table's samples used seed 3 too); then the "
           "Fréchet distance between the features of these images (metrics.extract_features) and test_features.")
def test_fid(env):
    import numpy as np
    from segen_lib import metrics

    images, fid = env.get("stochastic"), env.get("fid_stochastic")
    assert isinstance(images, np.ndarray) and images.shape == (env["num_fid"], 28, 28, 1), \
        "stochastic is not an array of num_fid images yet"
    few = env["samples"][f"DDIM {env['ddim_steps'][0]}"]
    assert not np.allclose(images, few), "stochastic holds the eta = 0 samples: set eta=1.0"
    assert isinstance(fid, (float, np.floating)), "fid_stochastic is not a number yet"
    np.testing.assert_allclose(fid, metrics.frechet_distance(metrics.extract_features(images), env["test_features"]),
                               rtol=1e-6)


@test_case(points=1, failure_message="stochastic_is_better: True if fid_stochastic is lower than the FID of eta = 0 "
           "at the same step count (table[f'DDIM {ddim_steps[0]}']['FID']; lower is better), else False.")
def test_comparison(env):
    import numpy as np

    better = env.get("stochastic_is_better")
    assert isinstance(better, (bool, np.bool_)), "stochastic_is_better is not True or False yet"
    assert better == (env["fid_stochastic"] < env["table"][f"DDIM {env['ddim_steps'][0]}"]["FID"])
