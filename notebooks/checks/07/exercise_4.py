"""Chapter 07, exercise 4: the bone area of ct_chest from 300 HU and from 150 HU, and the pixels added."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 3


def _areas(env):
    from segen_lib import datasets, medical

    chest = env["slices"]["ct_chest"]
    return medical.tissue_areas(medical.tissue_labels(chest), datasets.medical_pixel_spacing("ct_chest"))


@test_case(points=1, failure_message="bone_300: the pixels of chest at 300 HU or more, times the area of one "
           "pixel in mm² (the product of the two spacings).")
def test_bone_300(env):
    import numbers

    import numpy as np

    assert isinstance(env.get("bone_300"), numbers.Real), "bone_300 is not a number yet"
    assert np.isclose(env["bone_300"], _areas(env)["bone"])


@test_case(points=1, failure_message="bone_150: the same area with the edge at 150 HU: every pixel of chest at "
           "150 HU or more, in mm².")
def test_bone_150(env):
    import numbers

    import numpy as np

    assert isinstance(env.get("bone_150"), numbers.Real), "bone_150 is not a number yet"
    areas = _areas(env)
    assert np.isclose(env["bone_150"], areas["bone"] + areas["unclassified"])


@test_case(points=1, failure_message="added: a boolean array of chest's shape, True where a pixel is at least "
           "150 HU but under 300 HU (bone with the new edge, not with the old one).")
def test_added(env):
    import numpy as np
    from segen_lib import medical

    chest = env["slices"]["ct_chest"]
    added = env.get("added")
    assert isinstance(added, np.ndarray) and added.shape == chest.shape and added.dtype == bool, \
        "added is not a boolean array of ct_chest's shape yet"
    unclassified = medical.HU_TISSUE_NAMES.index("unclassified")
    assert np.array_equal(added, medical.tissue_labels(chest) == unclassified)
