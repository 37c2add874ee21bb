"""segen_lib.medical.microscopy: the leak-free quadrant split and the random training tiles.

Images whose pixel values encode their own position (row * width + column) let every
tile be traced back to where it was cut.
"""

import itertools

import numpy as np
import pytest

from segen_lib.medical import QUADRANTS, TileSampler, dihedral, quadrant_slices, quadrant_split

SIZE = 512
POSITIONS = np.arange(SIZE * SIZE).reshape(SIZE, SIZE)  # value = row * 512 + column
SCALED = (POSITIONS / 2 ** 18).astype(np.float32)  # the same, as an image in [0, 1)


def _box(rows: slice, cols: slice) -> tuple[int, int, int, int]:
    return rows.start, cols.start, rows.stop, cols.stop


def _gap(a, b) -> int:
    """Pixels between two (top, left, bottom, right) boxes, half-open: 0 when they touch or
    overlap, else the larger of the row and column gaps (any pixel of one is at least
    this far from any pixel of the other)."""
    rows = max(0, b[0] - a[2], a[0] - b[2])
    cols = max(0, b[1] - a[3], a[1] - b[3])
    return max(rows, cols)


def _inside(inner, outer) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1]
            and inner[2] <= outer[2] and inner[3] <= outer[3])


def _tile_origin(tile) -> tuple[int, int]:
    """Top-left pixel of a tile of POSITIONS, whatever symmetry was applied to it."""
    return divmod(int(tile.min()), SIZE)


def test_quadrant_slices_cover_the_image_once():
    covered = np.zeros((SIZE, SIZE), int)
    for quadrant in QUADRANTS:
        rows, cols = quadrant_slices((SIZE, SIZE, 3), quadrant)
        assert rows.stop - rows.start == cols.stop - cols.start == SIZE // 2
        covered[rows, cols] += 1
    assert (covered == 1).all()
    assert quadrant_slices((4, 6), "top-right") == (slice(0, 2), slice(3, 6))


@pytest.mark.parametrize("test, validation",
                         [pair for pair in itertools.permutations(QUADRANTS, 2)])
def test_no_training_region_or_validation_tile_comes_near_the_test_quadrant(test, validation):
    margin, tile = 16, 64
    image = POSITIONS.astype(np.float32)
    split = quadrant_split(image, POSITIONS, test=test, validation=validation,
                           tile_size=tile, stride=32, margin=margin)
    test_box = _box(*quadrant_slices((SIZE, SIZE), test))
    assert split.test_slices == quadrant_slices((SIZE, SIZE), test)
    assert np.array_equal(split.test_image, image[split.test_slices])
    assert np.array_equal(split.test_mask, POSITIONS[split.test_slices])

    train_quadrants = [q for q in QUADRANTS if q not in (test, validation)]
    assert len(split.train_regions) == 2
    for quadrant, region in zip(train_quadrants, split.train_regions):
        assert _inside(region, _box(*quadrant_slices((SIZE, SIZE), quadrant)))
        assert _gap(region, test_box) >= margin
        assert region[2] - region[0] >= tile and region[3] - region[1] >= tile
        # Only the side facing the test quadrant is shrunk, by exactly the margin.
        assert (region[2] - region[0]) * (region[3] - region[1]) == (SIZE // 2) * (SIZE // 2 - margin)

    validation_box = _box(*quadrant_slices((SIZE, SIZE), validation))
    origins = split.validation_origins
    assert origins.shape == (len(split.validation_images), 2) and len(origins) > 1
    assert split.validation_images.shape[1:] == (tile, tile)
    assert split.validation_masks.shape == split.validation_images.shape
    for (row, col), image_tile, mask_tile in zip(origins, split.validation_images,
                                                  split.validation_masks):
        box = (row, col, row + tile, col + tile)
        assert _inside(box, validation_box)
        assert _gap(box, test_box) >= margin
        assert np.array_equal(mask_tile, POSITIONS[row:row + tile, col:col + tile])
        assert np.array_equal(image_tile, image[row:row + tile, col:col + tile])
    # The validation tiles cover their quadrant less the margin, nothing more.
    covered = np.zeros((SIZE, SIZE), bool)
    for row, col in origins:
        covered[row:row + tile, col:col + tile] = True
    top, left, bottom, right = validation_box
    assert covered.sum() == (SIZE // 2) * (SIZE // 2 - margin)
    assert not covered[test_box[0]:test_box[2], test_box[1]:test_box[3]].any()
    # No pixel is in two sets: training regions, validation tiles and test are disjoint.
    used = covered.astype(int)
    for t, l, b, r in split.train_regions:
        used[t:b, l:r] += 1
    used[split.test_slices] += 1
    assert used.max() == 1


def test_the_documented_split_of_a_256_image():
    split = quadrant_split(np.zeros((256, 256)), np.zeros((256, 256), np.uint8),
                           tile_size=64, stride=32)
    assert split.validation_images.shape == (9, 64, 64)
    assert split.test_image.shape == (128, 128)
    assert split.train_regions == [(0, 0, 112, 128), (0, 128, 112, 256)]


def test_validation_grid_ends_flush_with_its_region():
    # 256 - 16 = 240 rows: origins 256, 296, ... and a last one flush at 512 - 64 = 448.
    split = quadrant_split(np.zeros((SIZE, SIZE)), POSITIONS, test="top-left",
                           validation="bottom-left", tile_size=64, stride=40, margin=16)
    rows = sorted(set(split.validation_origins[:, 0].tolist()))
    cols = sorted(set(split.validation_origins[:, 1].tolist()))
    assert rows[0] == 256 + 16 and rows[-1] == SIZE - 64
    assert cols[0] == 0 and cols[-1] == 256 - 64
    assert np.diff(rows)[:-1].tolist() == [40] * (len(rows) - 2)


def test_channels_are_kept():
    image = np.random.default_rng(0).random((128, 128, 3)).astype(np.float32)
    split = quadrant_split(image, np.zeros((128, 128), np.uint8), tile_size=32, stride=16,
                           margin=8)
    assert split.validation_images.shape[1:] == (32, 32, 3)
    assert split.test_image.shape == (64, 64, 3)
    assert np.array_equal(split.test_image, image[64:, :64])


def test_dihedral_gives_eight_different_symmetries():
    array = np.arange(9).reshape(3, 3)  # no symmetry of its own
    results = [dihedral(array, k) for k in range(8)]
    assert np.array_equal(results[0], array)
    assert len({r.tobytes() for r in results}) == 8
    for r in results:
        assert sorted(r.ravel().tolist()) == list(range(9))
    assert np.array_equal(results[1], np.rot90(array))  # a quarter turn counter-clockwise
    assert np.array_equal(results[4], array[:, ::-1])
    assert dihedral(np.array([[1, 2], [3, 4]]), 5).tolist() == [[4, 2], [3, 1]]
    # Trailing axes are carried along; k = 0 works on any shape.
    stack = np.stack([array, array + 10], axis=-1)
    assert np.array_equal(dihedral(stack, 3)[..., 1], dihedral(array, 3) + 10)
    assert np.array_equal(dihedral(np.zeros((2, 5)), 0), np.zeros((2, 5)))


@pytest.mark.parametrize("k", [-1, 8, 2.0])
def test_dihedral_bad_k(k):
    with pytest.raises(ValueError, match=r"k must be an integer >= 0 and <= 7, received"):
        dihedral(np.zeros((2, 2)), k)


REGIONS = [(0, 0, 240, 256), (0, 256, 240, 512)]


def test_tile_sampler_batches_shapes_and_dtypes():
    mask = (POSITIONS % 3).astype(np.uint8)
    sampler = TileSampler(np.zeros((SIZE, SIZE)), mask, REGIONS, tile_size=32,
                          tiles_per_epoch=40, batch_size=16)
    assert len(sampler) == 3
    for index, count in enumerate((16, 16, 8)):
        images, masks = sampler[index]
        assert images.shape == (count, 32, 32, 1) and images.dtype == np.float32
        assert masks.shape == (count, 32, 32) and masks.dtype == np.uint8


def test_tiles_come_only_from_the_training_regions():
    regions = [(0, 0, 200, 256), (300, 280, 512, 512)]
    sampler = TileSampler(np.zeros((SIZE, SIZE)), POSITIONS, regions, tile_size=48,
                          tiles_per_epoch=96, batch_size=32, intensity=0.0, seed=3)
    allowed = np.zeros(SIZE * SIZE, bool)
    for top, left, bottom, right in regions:
        allowed[POSITIONS[top:bottom, left:right].ravel()] = True
    hits = [0, 0]
    symmetries = set()
    for index in range(len(sampler)):
        _, masks = sampler[index]
        for tile in masks:
            assert allowed[tile.ravel()].all()  # every pixel from inside a region
            row, col = _tile_origin(tile)
            block = POSITIONS[row:row + 48, col:col + 48]
            matches = [k for k in range(8) if np.array_equal(dihedral(block, k), tile)]
            assert len(matches) == 1  # a real 48x48 block, under one symmetry
            symmetries.add(matches[0])
            hits[int(row >= 300)] += 1
    assert symmetries == set(range(8))
    assert min(hits) > 0  # both regions are used


def test_regions_are_chosen_in_proportion_to_their_areas():
    regions = [(0, 0, 64, 64), (0, 128, 192, 320)]  # areas 1 : 9
    sampler = TileSampler(np.zeros((SIZE, SIZE)), POSITIONS, regions, tile_size=32,
                          tiles_per_epoch=400, batch_size=400)
    _, masks = sampler[0]
    in_small = sum(_tile_origin(tile)[1] < 64 for tile in masks)
    assert 15 <= in_small <= 70  # about 40 of 400


def test_same_seed_same_tiles_and_every_epoch_new_ones():
    def make(seed):
        return TileSampler(SCALED, POSITIONS, REGIONS, tile_size=32,
                           tiles_per_epoch=24, batch_size=8, seed=seed)

    first, again, other = make(0), make(0), make(1)
    for index in range(len(first)):
        assert np.array_equal(first[index][0], again[index][0])
        assert np.array_equal(first[index][1], again[index][1])
    assert not np.array_equal(first[0][1], other[0][1])
    epoch_zero = [first[i][1].copy() for i in range(len(first))]
    first.on_epoch_end()
    assert first.epoch == 1
    assert not any(np.array_equal(before, first[i][1]) for i, before in enumerate(epoch_zero))
    again.on_epoch_end()  # epoch 1 is drawn from (seed, 1): it repeats too
    assert all(np.array_equal(first[i][1], again[i][1]) for i in range(len(first)))


def test_intensity_scaling_stays_in_range_and_is_one_factor_per_tile():
    sampler = TileSampler(np.ones((SIZE, SIZE)), POSITIONS, REGIONS, tile_size=16,
                          tiles_per_epoch=200, batch_size=200, intensity=0.25)
    images, _ = sampler[0]
    factors = images[:, 0, 0, 0]
    assert np.allclose(images, factors[:, None, None, None])  # one factor per tile
    assert factors.min() >= 0.75 - 1e-6 and factors.max() <= 1.25 + 1e-6
    assert factors.min() < 0.8 and factors.max() > 1.2  # the whole range is used
    assert len(np.unique(factors)) > 150
    still = TileSampler(np.ones((SIZE, SIZE)), POSITIONS, REGIONS, tile_size=16,
                        tiles_per_epoch=8, batch_size=8, intensity=0.0)
    assert (still[0][0] == 1).all()


def test_image_and_mask_are_transformed_together():
    image = ((POSITIONS + 1) / 2 ** 18).astype(np.float32)  # exact in float32: in (0, 1]
    sampler = TileSampler(image, POSITIONS, REGIONS, tile_size=32, tiles_per_epoch=64,
                          batch_size=64, intensity=0.3, seed=5)
    images, masks = sampler[0]
    ratio = images[..., 0] * 2 ** 18 / (masks + 1)
    assert np.allclose(ratio, ratio[:, :1, :1], rtol=1e-5)  # same pixels, same order
    assert ratio.min() >= 0.7 - 1e-5 and ratio.max() <= 1.3 + 1e-5
    plain = TileSampler(image, POSITIONS, REGIONS, tile_size=32, tiles_per_epoch=64,
                        batch_size=64, intensity=0.0, seed=5)
    assert np.array_equal(plain[0][0][..., 0] * 2 ** 18, plain[0][1] + 1)


@pytest.mark.parametrize("call, match", [
    (lambda: quadrant_split(np.zeros((64, 64)), np.zeros((64, 64)), test="top-left",
                            validation="top-left"),
     "validation and test must be different quadrants, received 'top-left' for both"),
    (lambda: quadrant_split(np.zeros((64, 64)), np.zeros((64, 64)), test="middle"),
     "test must be one of 'top-left', .* received 'middle'"),
    (lambda: quadrant_split(np.zeros((65, 64)), np.zeros((65, 64)), tile_size=8, stride=8,
                            margin=2),
     r"height and width must be even .* received shape \(65, 64\)"),
    (lambda: quadrant_slices((64, 63), "top-left"),
     r"height and width must be even .* received shape \(64, 63\)"),
    (lambda: quadrant_split(np.zeros((64, 64)), np.zeros((64, 32))),
     r"image and mask must be 2-D .* same height and width, received shapes \(64, 64\) and \(64, 32\)"),
    (lambda: quadrant_split(np.zeros((128, 128)), np.zeros((128, 128)), tile_size=64,
                            margin=16),
     "tile_size 64 does not fit in the .* quadrant less the margin"),
    (lambda: quadrant_split(np.zeros((64, 64)), np.zeros((64, 64)), margin=-1),
     "margin must be an integer >= 0, received -1"),
    (lambda: TileSampler(np.zeros((64, 64)), np.zeros((64, 32)), [(0, 0, 32, 32)], tile_size=16),
     r"image and mask must be 2-D arrays of the same shape, received \(64, 64\) and \(64, 32\)"),
    (lambda: TileSampler(np.zeros((64, 64)), np.zeros((64, 64)), [(0, 0, 32, 32)], tile_size=48),
     r"region \(0, 0, 32, 32\) must lie inside the image \(64, 64\) and hold a 48×48 tile"),
    (lambda: TileSampler(np.zeros((64, 64)), np.zeros((64, 64)), [(32, 32, 80, 64)], tile_size=16),
     r"region \(32, 32, 80, 64\) must lie inside the image"),
    (lambda: TileSampler(np.zeros((64, 64)), np.zeros((64, 64)), [(-1, 0, 32, 32)], tile_size=16),
     "must lie inside the image"),
    (lambda: TileSampler(np.zeros((64, 64)), np.zeros((64, 64)), [], tile_size=16),
     "regions must hold at least one"),
    (lambda: TileSampler(np.zeros((64, 64)), np.zeros((64, 64)), [(0, 0, 32, 32)], tile_size=16,
                         intensity=1.0),
     r"intensity must be a number in \[0, 1\), received 1.0"),
])
def test_bad_inputs_are_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("image, match", [
    (np.full((SIZE, SIZE), 200, np.uint8), r"float image scaled .* received uint8 values in 200\.\.200"),
    (np.full((SIZE, SIZE), 200.0), r"image looks unscaled: its values reach 200"),
])
def test_raw_pixel_values_are_refused(image, match):
    with pytest.raises(ValueError, match=match):
        TileSampler(image, POSITIONS, REGIONS, tile_size=32)
