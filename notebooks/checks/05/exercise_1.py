"""Chapter 05, exercise 1: the conditional GAN's agreement with the classifier, class by class."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 3


@test_case(points=1, failure_message="per_class: for each class c from 0 to 9, keep the samples whose requested "
           "class is c (requested == c) and take the share of them that the classifier predicted as c.")
def test_per_class(env):
    import numpy as np

    per_class = env.get("per_class")
    assert isinstance(per_class, np.ndarray) and per_class.shape == (10,), "per_class is not an array of 10 values yet"
    requested, predicted = np.asarray(env["requested"]), np.asarray(env["predicted"])
    expected = [np.mean(predicted[requested == c] == c) for c in range(10)]
    np.testing.assert_allclose(per_class, expected, atol=1e-9)


@test_case(points=1, failure_message="mean_of_classes: the plain mean of per_class. It should equal agreement, "
           "because every class was requested equally often.")
def test_mean(env):
    import numpy as np

    mean_of_classes = env.get("mean_of_classes")
    assert isinstance(mean_of_classes, (float, np.floating)), "mean_of_classes is not a number yet"
    assert np.isclose(mean_of_classes, np.mean(env["per_class"])) and np.isclose(mean_of_classes, env["agreement"])


@test_case(points=1, failure_message="best_class and worst_class: the names (datasets.FASHION_MNIST_CLASSES) of "
           "the classes with the highest and the lowest value of per_class.")
def test_best_worst(env):
    import numpy as np
    from segen_lib import datasets

    names = list(datasets.FASHION_MNIST_CLASSES)
    for key in ("best_class", "worst_class"):
        assert env.get(key) in names, f"{key} is not a class name yet"
    per_class = np.asarray(env["per_class"])
    assert per_class[names.index(env["best_class"])] == per_class.max()
    assert per_class[names.index(env["worst_class"])] == per_class.min()
