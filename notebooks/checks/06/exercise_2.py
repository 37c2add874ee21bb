"""Chapter 06, exercise 2: a class-weighted cross-entropy, and inverse pixel-frequency weights."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 3


def _reference(labels, probabilities, weights, ignore_label=255):
    # the sum over valid pixels of weight[label] * -log p[label], divided by the sum of those weights
    import numpy as np

    valid = labels != ignore_label
    flat_labels, flat_probs = labels[valid].astype(int), probabilities[valid]
    pixel_weights = np.asarray(weights)[flat_labels]
    picked = flat_probs[np.arange(len(flat_labels)), flat_labels]
    return -(pixel_weights * np.log(picked)).sum() / pixel_weights.sum()


@test_case(points=1, failure_message="weighted_crossentropy: as masked_crossentropy, pick each valid pixel's "
           "probability of its true class; multiply each -log(p) by weights[label], sum, and divide by the sum "
           "of the same weights (pixels labelled ignore_label count in neither sum).")
def test_function(env):
    import keras
    import numpy as np

    function = env.get("weighted_crossentropy")
    assert callable(function), "weighted_crossentropy is not defined yet"
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(5), size=(2, 3, 4)).astype("float32")
    labels = rng.integers(0, 5, size=(2, 3, 4)).astype("uint8")
    labels[:, 0] = 255
    weights = rng.uniform(0.5, 3.0, size=5)
    value = function(labels, probs, weights)
    assert value is not None, "weighted_crossentropy returns nothing yet"
    assert np.isclose(float(value), _reference(labels, probs, weights), rtol=1e-5)
    keras_ce = float(keras.losses.SparseCategoricalCrossentropy(ignore_class=255)(labels, probs))
    assert np.isclose(float(function(labels, probs, np.full(5, 2.0))), keras_ce, rtol=1e-5)   # equal weights


@test_case(points=1, failure_message="equal_weights_loss: call weighted_crossentropy on tiny_labels and tiny_probs "
           "with the same weight for every class (np.ones(num_classes)); it should equal masked_crossentropy.")
def test_equal_weights(env):
    import numpy as np

    value = env.get("equal_weights_loss")
    assert isinstance(value, (float, np.floating)), "equal_weights_loss is not a number yet"
    assert np.isclose(value, env["masked_crossentropy"](env["tiny_labels"], env["tiny_probs"]), rtol=1e-5)


@test_case(points=1, failure_message="class_weights: one weight per class (num_classes), proportional to "
           "1 / share for the classes with pixels and 0 for the others (avoid dividing by zero); heaviest: the "
           "name of the class with the largest weight, from label_spaces.CITYSCAPES_CLASS_NAMES.")
def test_weights(env):
    import numpy as np
    from segen_lib import label_spaces

    share = np.asarray(env["share"])
    weights = env.get("class_weights")
    assert isinstance(weights, np.ndarray) and weights.shape == share.shape, \
        "class_weights is not an array of one weight per class yet"
    present = share > 0
    assert np.all(weights[~present] == 0), "a class without pixels should get the weight 0"
    products = weights[present] * share[present]   # constant when the weights are proportional to 1 / share
    assert products.min() > 0 and np.allclose(products, products[0], rtol=1e-6)
    rarest = int(np.argmin(np.where(present, share, np.inf)))
    assert env.get("heaviest") == label_spaces.CITYSCAPES_CLASS_NAMES[rarest]
