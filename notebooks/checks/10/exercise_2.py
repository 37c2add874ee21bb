"""Chapter 10, exercise 2: the wide U-Net's layer with the most activation memory, and the one with the most parameters."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_2"
points = 2


def _largest(env):
    """The names of the wide U-Net's layers with the most activation memory and the most parameters."""
    from segen_lib import cost

    costs = cost.layer_costs(env["wide"])
    return (max(costs, key=lambda layer: layer.activation_bytes).name,
            max(costs, key=lambda layer: layer.params).name)


@test_case(points=1, failure_message="most_memory and most_params: the names (strings) of the layers of `costs` "
           "with the largest activation_bytes and the largest params; max(costs, key=...) picks a layer, .name "
           "gives its name.")
def test_layers(env):
    most_memory, most_params = env.get("most_memory"), env.get("most_params")
    assert isinstance(most_memory, str) and isinstance(most_params, str), "most_memory or most_params is not a layer name yet"
    expected_memory, expected_params = _largest(env)
    assert most_memory == expected_memory
    assert most_params == expected_params


@test_case(points=1, failure_message="same_layer: True if one layer holds both the most activation memory and the "
           "most parameters, else False (compare the two names).")
def test_same(env):
    same = env.get("same_layer")
    assert isinstance(same, bool), "same_layer is not True or False yet"
    expected_memory, expected_params = _largest(env)
    expected = expected_memory == expected_params
    assert same == expected
