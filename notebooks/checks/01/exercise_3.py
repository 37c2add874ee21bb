"""Chapter 01, exercise 3: batch normalisation in training mode on a batch of one row."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 1


@test_case(points=1, failure_message="one_row_output: call one_row_norm on one_row with training=True (in "
           "training mode the layer normalises with the batch's own mean and variance) and convert the result "
           "to NumPy. Then look at it: what is x minus the mean of a batch of one?")
def test_output(env):
    import numpy as np

    output, layer = env.get("one_row_output"), env.get("one_row_norm")
    assert isinstance(output, np.ndarray) and output.shape == (1, 6), "one_row_output is not a (1, 6) array yet"
    expected = np.asarray(layer.beta)[None, :]   # the layer's own offset
    assert np.allclose(output, expected, atol=1e-3)
