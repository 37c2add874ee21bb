"""Chapter 04, exercise 2: the classes the DCGAN over- and under-produces, by the shipped classifier."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


@test_case(points=1, failure_message="generated_shares and real_shares: classify class_samples and test_inputs "
           "with classifier.predict, take argmax(1) for the class of each image, count each class with "
           "np.bincount(..., minlength=10) and divide by the number of images.")
def test_shares(env):
    import numpy as np

    for key in ("generated_shares", "real_shares"):
        value = env.get(key)
        assert isinstance(value, np.ndarray) and value.shape == (10,), f"{key} is not an array of 10 shares yet"
    classifier = env["classifier"]
    for images, key in ((env["class_samples"], "generated_shares"), (env["test_inputs"], "real_shares")):
        predicted = classifier.predict(images, verbose=0).argmax(1)
        np.testing.assert_allclose(env[key], np.bincount(predicted, minlength=10) / len(images), atol=1e-6)


@test_case(points=1, failure_message="most_over and most_under: divide each class's share among the samples by "
           "its share in the test set; the largest ratio is over-produced, the smallest under-produced. "
           "Give class names, from datasets.FASHION_MNIST_CLASSES.")
def test_over_under(env):
    import numpy as np
    from segen_lib import datasets

    names = list(datasets.FASHION_MNIST_CLASSES)
    for key in ("most_over", "most_under"):
        assert env.get(key) in names, f"{key} is not a class name yet"
    ratio = np.asarray(env["generated_shares"]) / np.asarray(env["real_shares"])
    assert ratio[names.index(env["most_over"])] == ratio.max()
    assert ratio[names.index(env["most_under"])] == ratio.min()
