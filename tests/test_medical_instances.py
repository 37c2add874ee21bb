"""segen_lib.medical.instances: connected components, watershed and the three-class targets, on
small hand-made masks whose objects are known."""

import numpy as np
import pytest

from segen_lib.medical.instances import (BACKGROUND, BOUNDARY, BOUNDARY_CLASS_NAMES, INTERIOR,
                                         boundary_targets, connected_instances, instances_from_classes,
                                         watershed_instances)


def _two_touching_discs():
    """Two discs of radius 8 whose centres are 14 pixels apart: one connected blob with a neck."""
    yy, xx = np.mgrid[:24, :44]
    left = (yy - 12) ** 2 + (xx - 14) ** 2 < 64
    right = (yy - 12) ** 2 + (xx - 28) ** 2 < 64
    return left | right, (12, 14), (12, 28)


def _two_touching_rectangles():
    """Object 1 on columns 1..8, object 2 on columns 9..16, rows 1..10: they share an edge."""
    instances = np.zeros((12, 18), np.int64)
    instances[1:11, 1:9] = 1
    instances[1:11, 9:17] = 2
    return instances


def test_touching_discs_are_one_object_connected_and_two_by_watershed():
    mask, left, right = _two_touching_discs()
    connected = connected_instances(mask)
    assert connected.dtype == np.int32 and connected.shape == mask.shape
    assert set(np.unique(connected)) == {0, 1}
    assert np.array_equal(connected > 0, mask)

    split = watershed_instances(mask)
    assert split.dtype == np.int32 and split.shape == mask.shape
    assert set(np.unique(split)) == {0, 1, 2}
    assert np.array_equal(split > 0, mask)  # every foreground pixel goes to one disc
    assert split[left] != split[right]
    sizes = np.bincount(split.ravel())[1:]
    assert abs(int(sizes[0]) - int(sizes[1])) <= 0.1 * sizes.sum()  # split at the neck
    # The border follows the neck: columns left of the neck belong to the left disc only.
    assert set(np.unique(split[:, :19])) - {0} == {split[left]}
    assert set(np.unique(split[:, 24:])) - {0} == {split[right]}


def test_connected_instances_uses_4_connectivity_and_numbers_objects_from_one():
    mask = np.array([[1, 0, 0, 0],
                     [0, 1, 0, 1],
                     [0, 0, 0, 1]], np.uint8)  # diagonal neighbours are separate objects
    labels = connected_instances(mask)
    assert labels.tolist() == [[1, 0, 0, 0],
                               [0, 2, 0, 3],
                               [0, 0, 0, 3]]
    assert np.array_equal(connected_instances(mask.astype(bool)), labels)
    assert connected_instances(np.zeros((3, 3), bool)).max() == 0


def test_min_size_drops_small_objects_and_renumbers():
    mask = np.zeros((8, 12), bool)
    mask[1:4, 1] = True       # 3 pixels
    mask[1:3, 4:6] = True     # 4 pixels
    mask[5:8, 7:12] = True    # 15 pixels
    assert connected_instances(mask).max() == 3
    kept = connected_instances(mask, min_size=4)  # an object of exactly min_size stays
    assert kept.max() == 2 and sorted(np.bincount(kept.ravel())[1:]) == [4, 15]
    assert not kept[1:4, 1].any()
    kept = connected_instances(mask, min_size=5)
    assert kept.max() == 1 and kept[5:8, 7:12].all() and (kept > 0).sum() == 15


def test_watershed_min_size_drops_small_objects_after_the_split():
    yy, xx = np.mgrid[:30, :50]
    mask = (yy - 15) ** 2 + (xx - 15) ** 2 < 64
    mask[3:5, 40:42] = True  # a 4-pixel speck
    labels = watershed_instances(mask)
    assert labels.max() == 2 and sorted(np.bincount(labels.ravel())[1:])[0] == 4
    labels = watershed_instances(mask, min_size=5)
    assert labels.max() == 1  # ids renumbered 1..n
    assert not labels[3:5, 40:42].any()
    assert np.array_equal(labels > 0, (yy - 15) ** 2 + (xx - 15) ** 2 < 64)


def test_watershed_with_given_markers_splits_where_the_markers_say():
    mask = np.zeros((6, 20), bool)
    mask[1:5, 1:19] = True  # one bar, no neck: the distance maxima cannot split it
    markers = np.zeros(mask.shape, np.int32)
    markers[2, 3] = 5
    markers[2, 16] = 9
    markers[0, 10] = 7  # outside the mask: ignored
    labels = watershed_instances(mask, markers=markers, smoothing=0)
    assert set(np.unique(labels)) == {0, 1, 2}  # renumbered 1..n
    assert np.array_equal(labels > 0, mask)
    assert labels[2, 3] != labels[2, 16]
    assert (labels[1:5, 1:8] == labels[2, 3]).all() and (labels[1:5, 12:19] == labels[2, 16]).all()


def test_boundary_targets_of_one_square():
    instances = np.zeros((7, 7), np.int64)
    instances[1:6, 1:6] = 3
    one = boundary_targets(instances, width=1)
    assert one.dtype == np.uint8
    expected = np.zeros((7, 7), np.uint8)
    expected[1:6, 1:6] = BOUNDARY
    expected[2:5, 2:5] = INTERIOR
    assert np.array_equal(one, expected)
    two = boundary_targets(instances, width=2)
    expected[2:5, 2:5] = BOUNDARY
    expected[3, 3] = INTERIOR
    assert np.array_equal(two, expected)
    assert BOUNDARY_CLASS_NAMES[BACKGROUND] == "background" and BOUNDARY_CLASS_NAMES[BOUNDARY] == "boundary"


@pytest.mark.parametrize("width", [1, 2, 3])
def test_boundary_targets_keep_the_foreground_and_stay_inside_objects(width):
    mask, _, _ = _two_touching_discs()
    instances = watershed_instances(mask)
    instances[2:5, 38:42] = 3  # a third, separate object
    targets = boundary_targets(instances, width=width)
    assert targets.shape == instances.shape and targets.dtype == np.uint8
    assert set(np.unique(targets)) == {BACKGROUND, INTERIOR, BOUNDARY}
    assert np.array_equal(targets > 0, instances > 0)
    assert (instances[targets == BOUNDARY] > 0).all()  # boundary pixels lie inside objects
    # Every object still has interior pixels (the objects are wider than 2 * width).
    for obj in (1, 2):
        assert (targets[instances == obj] == INTERIOR).any()


def test_touching_objects_get_boundary_pixels_on_both_sides_of_their_shared_edge():
    instances = _two_touching_rectangles()
    targets = boundary_targets(instances, width=1)
    # The shared edge lies between columns 8 (object 1) and 9 (object 2).
    assert (targets[1:11, 8] == BOUNDARY).all() and (targets[1:11, 9] == BOUNDARY).all()
    assert (targets[2:10, 7] == INTERIOR).all() and (targets[2:10, 10] == INTERIOR).all()
    assert (targets[2:10, 2:8] == INTERIOR).all()


@pytest.mark.parametrize("width", [2, 3])
def test_a_thicker_boundary_never_crosses_into_the_neighbour(width):
    instances = _two_touching_rectangles()
    thin = boundary_targets(instances, width=1)
    thick = boundary_targets(instances, width=width)
    assert ((thin == BOUNDARY) <= (thick == BOUNDARY)).all()  # only grows
    assert (thick == BOUNDARY).sum() > (thin == BOUNDARY).sum()
    # Each object's boundary is exactly its pixels within width - 1 steps of its own edge:
    # the rectangles' interiors are themselves shrunk by width on every side.
    expected = np.where(instances > 0, BOUNDARY, BACKGROUND).astype(np.uint8)
    expected[1 + width:11 - width, 1 + width:9 - width] = INTERIOR
    expected[1 + width:11 - width, 9 + width:17 - width] = INTERIOR
    assert np.array_equal(thick, expected)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_boundary_targets_do_not_depend_on_how_objects_are_numbered(width):
    """The same objects under other ids give the same targets (a bug once did not)."""
    mask, _, _ = _two_touching_discs()
    columns = np.arange(mask.shape[1])
    instances = np.where(mask, np.where(columns < 21, 1, 2), 0)  # cut at the neck
    swapped = np.where(instances == 1, 7, np.where(instances == 2, 4, 0))
    assert np.array_equal(boundary_targets(instances, width), boundary_targets(swapped, width))
    rectangles = _two_touching_rectangles()
    assert np.array_equal(boundary_targets(rectangles, width),
                          boundary_targets(np.where(rectangles > 0, 3 - rectangles, 0), width))


@pytest.mark.parametrize("outer, inner", [(1, 2), (2, 1)])
def test_width_two_grows_round_a_neighbours_corner_whatever_the_ids(outer, inner):
    """An L-shaped object wraps a square's corner: the L pixel diagonal to that corner is one
    step from the L's own boundary, so width 2 makes it boundary, under either numbering."""
    instances = np.zeros((12, 12), np.int64)
    instances[1:11, 1:11] = outer
    instances[6:11, 6:11] = inner
    targets = boundary_targets(instances, width=2)
    assert targets[5, 6] == targets[6, 5] == BOUNDARY  # the L's own edge with the square
    assert targets[5, 5] == BOUNDARY  # diagonal to the square's corner pixel (6, 6)
    assert targets[4, 4] == INTERIOR and targets[8, 8] == INTERIOR


def test_instances_from_classes_separates_interiors_joined_by_boundary_pixels():
    classes = np.zeros((7, 13), np.int64)
    classes[1:6, 1:12] = BOUNDARY   # one blob of boundary pixels ...
    classes[2:5, 2:5] = INTERIOR    # ... around two interiors
    classes[2:5, 8:11] = INTERIOR
    labels = instances_from_classes(classes)
    assert labels.dtype == np.int32
    assert set(np.unique(labels)) == {0, 1, 2}
    assert np.array_equal(labels > 0, classes > 0)  # boundary pixels handed back to objects
    assert len(np.unique(labels[2:5, 2:5])) == 1 and len(np.unique(labels[2:5, 8:11])) == 1
    assert labels[3, 3] != labels[3, 9]
    assert (labels[1:6, 1:6] == labels[3, 3]).all() and (labels[1:6, 7:12] == labels[3, 9]).all()
    # A connected-components reading of the same foreground sees only one object.
    assert connected_instances(classes > 0).max() == 1


def test_instances_from_classes_recovers_the_instances_of_boundary_targets():
    instances = _two_touching_rectangles()
    for width in (1, 2):
        recovered = instances_from_classes(boundary_targets(instances, width))
        assert np.array_equal(recovered, instances)


def test_small_interiors_are_not_markers():
    classes = np.zeros((5, 9), np.int64)
    classes[1:4, 1:8] = BOUNDARY
    classes[2, 4] = INTERIOR  # a one-pixel interior: noise under the default marker_min_size
    assert instances_from_classes(classes).max() == 0
    labels = instances_from_classes(classes, marker_min_size=1)
    assert labels.max() == 1 and np.array_equal(labels > 0, classes > 0)


@pytest.mark.parametrize("call, match", [
    (lambda: connected_instances(np.array([[0.0, 0.7], [1.0, 0.2]])), "must be a binary mask"),
    (lambda: watershed_instances(np.array([[0, 2], [1, 0]])), "must be a binary mask"),
    (lambda: connected_instances(np.ones((2, 3, 3), bool)),
     r"mask must be one non-empty 2-D mask \(height, width\), received shape \(2, 3, 3\)"),
    (lambda: connected_instances(np.zeros((0, 4), bool)),
     r"mask must be one non-empty 2-D mask .* received shape \(0, 4\)"),
    (lambda: watershed_instances(np.ones((4, 4), bool), markers=np.ones((4, 5), int)),
     r"markers must have the mask's shape \(4, 4\), received \(4, 5\)"),
    (lambda: watershed_instances(np.ones((4, 4), bool), markers=-np.ones((4, 4), int)),
     "markers must be one non-empty 2-D label image of integer ids >= 0"),
    (lambda: instances_from_classes(np.array([[0, 1], [2, 3]])),
     "classes must hold 0 .*, 1 .* or 2 .*, received the value 3"),
    (lambda: instances_from_classes(np.zeros((2, 2, 2), int)),
     "classes must be one non-empty 2-D label image"),
    (lambda: boundary_targets(np.ones((4, 4), int), width=0),
     "width must be an integer >= 1, received 0"),
    (lambda: boundary_targets(np.ones((4, 4)), width=1),
     "instances must be one non-empty 2-D label image of integer ids"),
    (lambda: connected_instances(np.ones((4, 4), bool), min_size=-1),
     "min_size must be an integer >= 0, received -1"),
    (lambda: watershed_instances(np.ones((4, 4), bool), min_size=-1),
     "min_size must be an integer >= 0, received -1"),
    (lambda: instances_from_classes(np.ones((4, 4), int), min_size=-1),
     "min_size must be an integer >= 0, received -1"),
    (lambda: instances_from_classes(np.ones((4, 4), int), marker_min_size=0),
     "marker_min_size must be an integer >= 1, received 0"),
    (lambda: watershed_instances(np.ones((4, 4), bool), min_distance=0),
     "min_distance must be an integer >= 1, received 0"),
    (lambda: watershed_instances(np.ones((4, 4), bool), smoothing=-1.0),
     r"smoothing must be a number in \[0, inf\], received -1.0"),
])
def test_bad_inputs_are_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
