"""Hand edits of road-scene label maps: move a car, add a pedestrian, widen the road."""

import numpy as np
import pytest

from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES
from segen_lib.synthetic import add_person, move_object, objects_of, widen_road

ROAD, SIDEWALK, BUILDING, PERSON, CAR = (CITYSCAPES_CLASS_NAMES.index(name) for name in
                                         ("road", "sidewalk", "building", "person", "car"))


def _scene_with_cars(road_scenes):
    _, maps = road_scenes(16, image_size=(64, 128), seed=3)
    index = next(i for i, m in enumerate(maps) if objects_of(m).max() >= 2)
    return maps[index]


def test_objects_are_numbered_largest_first():
    label_map = np.zeros((6, 10), np.uint8)
    label_map[0:2, 0:2] = CAR            # 4 pixels
    label_map[3:6, 4:8] = CAR            # 12 pixels
    objects = objects_of(label_map)
    assert objects.max() == 2
    assert (objects == 1).sum() == 12 and (objects == 2).sum() == 4
    assert objects_of(label_map, PERSON).max() == 0


def test_moving_a_car_keeps_its_shape_and_fills_the_hole_with_its_surroundings(road_scenes):
    label_map = _scene_with_cars(road_scenes)
    before = objects_of(label_map) == 1
    edited = move_object(label_map, (0, 5))
    after = objects_of(edited)
    rows, cols = np.nonzero(before)
    # every pixel of the car is now 5 columns to the right (where inside the map)
    inside = cols + 5 < label_map.shape[1]
    assert (edited[rows[inside], cols[inside] + 5] == CAR).all()
    # the pixels it left (and that it does not cover now) are no longer car
    left_behind = before & ~np.roll(before, 5, axis=1)
    assert not (edited[left_behind] == CAR).any()
    assert after.max() >= 1
    assert (label_map == _scene_with_cars(road_scenes)).all()   # the argument is unchanged


def test_move_refuses_a_rank_that_does_not_exist_and_bad_maps():
    label_map = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match="0 car object"):
        move_object(label_map, (0, 1))
    with pytest.raises(ValueError, match="one map"):
        move_object(np.zeros((2, 4, 4), np.uint8), (0, 1))
    with pytest.raises(ValueError, match="label_map"):
        move_object(np.full((4, 4), 40, np.uint8), (0, 1))
    for shift in (5, "05", (1, 2, 3), [[0, 1]]):
        with pytest.raises(ValueError, match=r"shift must be \(rows, columns\), two integers"):
            move_object(label_map, shift)


def test_a_person_stands_on_its_feet_and_is_as_tall_as_asked():
    edited = add_person(np.zeros((32, 32), np.uint8), row=30, column=10, height=12)
    rows, cols = np.nonzero(edited == PERSON)
    assert rows.max() == 30 and rows.max() - rows.min() + 1 in (11, 12, 13)
    assert abs(cols.mean() - 10) < 0.5 and cols.max() - cols.min() < 12 / 2
    with pytest.raises(ValueError, match="height"):
        add_person(np.zeros((8, 8), np.uint8), 5, 5, 2)
    with pytest.raises(ValueError, match="column"):
        add_person(np.zeros((8, 8), np.uint8), 5, 9, 4)


def test_widening_takes_sidewalk_only_and_follows_the_perspective(road_scenes):
    _, maps = road_scenes(4, image_size=(64, 128), seed=0)
    label_map = maps[0]
    edited = widen_road(label_map, 0.3)
    changed = edited != label_map
    assert changed.any()
    assert (label_map[changed] == SIDEWALK).all() and (edited[changed] == ROAD).all()
    # on a trapezoid road between wide sidewalks, each row gains 0.3 of its width on each side
    trapezoid = np.full((8, 64), SIDEWALK, np.uint8)
    for row in range(8):
        trapezoid[row, 32 - 2 * (row + 1):32 + 2 * (row + 1)] = ROAD
    gain = (widen_road(trapezoid, 0.3) != trapezoid).sum(axis=1)
    width = 4 * (np.arange(8) + 1)
    assert (np.abs(gain - 2 * np.floor(0.3 * width)) <= 2).all() and gain[-1] > gain[0]
    assert (widen_road(label_map, 0.0) == label_map).all()
    with pytest.raises(ValueError, match="fraction"):
        widen_road(label_map, 1.5)
