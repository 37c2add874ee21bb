"""Chapter 12, exercise 4: FID and KID of real images against the test images, with 200 and num_fid samples."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 2


@test_case(points=1, failure_message="fid_by_size and kid_by_size: dicts with one entry for n = 200 and one for "
           "n = num_fid: the FID (metrics.frechet_distance) and the KID mean (metrics.kernel_distance(..., "
           "subset_size=min(n, 500))[0]) of the features of x_train[:n] against test_features.")
def test_values(env):
    import numpy as np
    from segen_lib import metrics

    fid, kid = env.get("fid_by_size"), env.get("kid_by_size")
    sizes = {200, env["num_fid"]}
    assert isinstance(fid, dict) and set(fid) == sizes, "fid_by_size is not filled yet (keys 200 and num_fid)"
    assert isinstance(kid, dict) and set(kid) == sizes, "kid_by_size is not filled yet (keys 200 and num_fid)"
    features = metrics.extract_features(env["x_train"][:200])
    np.testing.assert_allclose(fid[200], metrics.frechet_distance(features, env["test_features"]), rtol=1e-6)
    np.testing.assert_allclose(kid[200], metrics.kernel_distance(features, env["test_features"], subset_size=200)[0],
                               rtol=1e-6, atol=1e-9)


@test_case(points=1, failure_message="moves_with_size: 'FID' or 'KID', the one that changes with the number of "
           "samples even for two samples of one distribution; compare fid_by_size[200] with fid_by_size[num_fid], "
           "and the same for KID. The exercise's first sentence says which one should move.")
def test_biased(env):
    import numpy as np
    from segen_lib import metrics

    moves = env.get("moves_with_size")
    assert moves in ("FID", "KID"), "moves_with_size is not 'FID' or 'KID' yet"
    # two samples of one Gaussian: the biased metric is far from 0 with few samples, the unbiased one is not
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 2000, 16))
    fid_few, fid_many = metrics.frechet_distance(a[:50], b), metrics.frechet_distance(a, b)
    kid_few, kid_spread = metrics.kernel_distance(a[:50], b, subset_size=50)
    biased = "FID" if fid_few > 3 * fid_many and abs(kid_few) < 3 * kid_spread else "KID"
    assert moves == biased
