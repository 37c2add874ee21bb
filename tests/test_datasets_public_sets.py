"""segen_lib.datasets.public_sets: Cityscapes, Pascal VOC and Oxford-IIIT Pet from their own layouts.

Every fixture is a tiny copy of a data set's layout (3 images of 20×30 pixels) written
here with Pillow; nothing is downloaded.
"""

import numpy as np
import pytest
from PIL import Image

from segen_lib.datasets.public_sets import (PASCAL_VOC_CLASS_NAMES, PASCAL_VOC_PALETTE, DataLayoutError,
                                            MissingDataError, load_cityscapes, load_oxford_pets,
                                            load_pascal_voc, voc_colormap)
from segen_lib.label_spaces import LABEL_ID_TO_TRAIN_ID

HEIGHT, WIDTH = 20, 30


def photo(seed, mode="RGB"):
    """A random photo, as a Pillow image of HEIGHT × WIDTH (smooth enough for JPEG)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (4, 6, 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    return image.convert(mode)


def regions(values, seed):
    """A HEIGHT × WIDTH array of ``values`` in blocks (so every value survives a downscale)."""
    rng = np.random.default_rng(seed)
    blocks = rng.choice(np.asarray(values, np.uint8), (4, 6))
    blocks.flat[:len(values)] = values
    return np.kron(blocks, np.ones((5, 5), np.uint8))


def save(array_or_image, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = array_or_image if isinstance(array_or_image, Image.Image) else Image.fromarray(array_or_image)
    image.save(path, **kwargs)
    return path


# Cityscapes ---------------------------------------------------------------------------------

CITYSCAPES_FRAMES = [("aachen", "aachen_000000_000019"), ("aachen", "aachen_000001_000019"),
                     ("bochum", "bochum_000000_000313")]
LABEL_IDS = [0, 7, 24, 26, 33, 4]   # unlabeled, road, person, car, bicycle, static


def cityscapes_mask(root, city, prefix, split="train"):
    return root / "gtFine" / split / city / f"{prefix}_gtFine_labelIds.png"


def cityscapes_image(root, city, prefix, split="train"):
    return root / "leftImg8bit" / split / city / f"{prefix}_leftImg8bit.png"


@pytest.fixture
def cityscapes(tmp_path):
    root = tmp_path / "cityscapes"
    for i, (city, prefix) in enumerate(CITYSCAPES_FRAMES):
        save(photo(i), cityscapes_image(root, city, prefix))
        save(regions(LABEL_IDS, i), cityscapes_mask(root, city, prefix))
    save(photo(9), cityscapes_image(root, "frankfurt", "frankfurt_000000_000294", "val"))
    save(regions([7, 21], 9), cityscapes_mask(root, "frankfurt", "frankfurt_000000_000294", "val"))
    (root / "README").write_text("not an image, not in the layout: left alone")
    return root


def test_cityscapes_reads_images_and_maps_label_ids_to_train_ids(cityscapes):
    images, masks = load_cityscapes(cityscapes, image_size=(HEIGHT, WIDTH))
    assert images.shape == (3, HEIGHT, WIDTH, 3) and images.dtype == np.float32
    assert masks.shape == (3, HEIGHT, WIDTH) and masks.dtype == np.uint8
    for i, (city, prefix) in enumerate(CITYSCAPES_FRAMES):   # name order: aachen, then bochum
        np.testing.assert_allclose(images[i], np.asarray(photo(i)) / 255, atol=1e-6)
        np.testing.assert_array_equal(masks[i], LABEL_ID_TO_TRAIN_ID[regions(LABEL_IDS, i)])
    label_ids = regions(LABEL_IDS, 0)
    assert set(masks[0][label_ids == 26].tolist()) == {13}     # car
    assert set(masks[0][label_ids == 7].tolist()) == {0}       # road
    assert set(masks[0][label_ids == 0].tolist()) == {255}     # unlabeled: ignore
    assert set(masks[0][label_ids == 4].tolist()) == {255}     # static: not evaluated


def test_cityscapes_resizes_masks_with_the_nearest_neighbour(cityscapes):
    images, masks = load_cityscapes(cityscapes, image_size=(8, 16))
    assert images.shape == (3, 8, 16, 3) and masks.shape == (3, 8, 16)
    assert 0 <= images.min() and images.max() <= 1
    assert set(np.unique(masks).tolist()) <= {255, 0, 11, 13, 18}   # train ids of LABEL_IDS, no blends


def test_cityscapes_split_max_images_and_cities(cityscapes):
    images, masks = load_cityscapes(cityscapes, split="val", image_size=(10, 20))
    assert len(images) == 1 and set(np.unique(masks).tolist()) == {0, 8}   # road, vegetation
    assert len(load_cityscapes(cityscapes, image_size=(10, 20), max_images=2)[0]) == 2
    bochum, _ = load_cityscapes(cityscapes, image_size=(HEIGHT, WIDTH), cities=["bochum"])
    np.testing.assert_allclose(bochum[0], np.asarray(photo(2)) / 255, atol=1e-6)
    with pytest.raises(ValueError, match=r"cities \['berlin'\] are not in .*aachen, bochum"):
        load_cityscapes(cityscapes, cities=["berlin"])


def test_cityscapes_missing_folders_and_files(cityscapes, tmp_path):
    with pytest.raises(MissingDataError, match=r"Cityscapes root folder .*nowhere does not exist"):
        load_cityscapes(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"(?s)leftImg8bit/test does not exist.*Expected layout:"
                                                r".*gtFine_labelIds\.png"):
        load_cityscapes(cityscapes, split="test")
    (cityscapes / "leftImg8bit" / "train" / "empty").mkdir()
    with pytest.raises(MissingDataError, match="no \\*_leftImg8bit.png image"):
        load_cityscapes(cityscapes, cities=["empty"])
    cityscapes_mask(cityscapes, *CITYSCAPES_FRAMES[1]).unlink()
    with pytest.raises(MissingDataError, match=r"the mask of .*aachen_000001_000019_leftImg8bit\.png, "
                                               r".*aachen_000001_000019_gtFine_labelIds\.png, does not exist"):
        load_cityscapes(cityscapes)
    assert len(load_cityscapes(cityscapes, max_images=1)[0]) == 1   # the missing one is not asked for


@pytest.mark.parametrize("spoil, message", [
    (lambda root: cityscapes_image(root, *CITYSCAPES_FRAMES[0]).write_bytes(b"not a PNG"),
     r"image .*aachen_000000_000019_leftImg8bit\.png cannot be read as an image"),
    (lambda root: save(regions([7], 0)[:10], cityscapes_mask(root, *CITYSCAPES_FRAMES[0])),
     r"mask .* is 10×30 \(height × width\), but its image .* is 20×30"),
    (lambda root: save(regions([7, 40], 0), cityscapes_mask(root, *CITYSCAPES_FRAMES[0])),
     r"holds values 40, outside the Cityscapes label ids 0\.\.33"),
    (lambda root: save(photo(0), cityscapes_mask(root, *CITYSCAPES_FRAMES[0])),
     r"must be an 8-bit single-channel PNG .* received a RGB image"),
])
def test_cityscapes_refuses_wrong_files(cityscapes, spoil, message):
    spoil(cityscapes)
    with pytest.raises(DataLayoutError, match=message):
        load_cityscapes(cityscapes)


# Pascal VOC ---------------------------------------------------------------------------------

VOC_IDS = ["2007_000032", "2007_000039", "2008_000123"]
VOC_LABELS = [0, 1, 15, 20, 255]   # background, aeroplane, person, tvmonitor, border


def palette_mask(labels):
    """A palette PNG as in SegmentationClass/: the pixel values are the labels."""
    image = Image.new("P", (labels.shape[1], labels.shape[0]))
    image.putpalette(voc_colormap().ravel().tolist())
    image.putdata(labels.ravel().tolist())
    return image


@pytest.fixture
def voc(tmp_path):
    root = tmp_path / "VOCdevkit" / "VOC2012"
    for i, id_ in enumerate(VOC_IDS):
        save(photo(i), root / "JPEGImages" / f"{id_}.jpg", quality=95)
        save(palette_mask(regions(VOC_LABELS, i)), root / "SegmentationClass" / f"{id_}.png")
    lists = root / "ImageSets" / "Segmentation"
    lists.mkdir(parents=True)
    (lists / "train.txt").write_text("\n".join(VOC_IDS[:2]) + "\n")
    (lists / "val.txt").write_text(VOC_IDS[2] + "\n")
    return root


def test_voc_colormap_is_the_standard_one():
    colours = voc_colormap()
    assert colours.shape == (256, 3) and colours.dtype == np.uint8
    assert colours[[2, 3, 8, 20]].tolist() == [[0, 128, 0], [128, 128, 0], [64, 0, 0], [0, 64, 128]]
    assert PASCAL_VOC_PALETTE.shape == (21, 3) and len(PASCAL_VOC_CLASS_NAMES) == 21
    assert len({tuple(c) for c in colours}) == 256


def test_voc_reads_class_indices_from_palette_masks(voc, tmp_path):
    for root in (tmp_path, tmp_path / "VOCdevkit", voc):   # where the tar unpacks, or VOC2012 itself
        images, masks = load_pascal_voc(root, image_size=(HEIGHT, WIDTH))
        assert images.shape == (2, HEIGHT, WIDTH, 3) and images.dtype == np.float32
        assert masks.shape == (2, HEIGHT, WIDTH) and masks.dtype == np.uint8
        for i in range(2):
            np.testing.assert_array_equal(masks[i], regions(VOC_LABELS, i))   # 255 stays 255
            assert np.abs(images[i] - np.asarray(photo(i)) / 255).mean() < 0.03   # JPEG is lossy
    images, masks = load_pascal_voc(voc, split="val", image_size=(7, 9))
    assert images.shape == (1, 7, 9, 3) and set(np.unique(masks).tolist()) <= set(VOC_LABELS)
    assert len(load_pascal_voc(voc, split="train", max_images=1)[0]) == 1


def test_voc_maps_rgb_masks_through_the_colour_map(voc):
    labels = regions(VOC_LABELS, 0)
    save(voc_colormap()[labels], voc / "SegmentationClass" / f"{VOC_IDS[0]}.png")
    np.testing.assert_array_equal(load_pascal_voc(voc, image_size=(HEIGHT, WIDTH))[1][0], labels)
    colours = voc_colormap()[labels]
    colours[0, 0] = (1, 2, 3)
    save(colours, voc / "SegmentationClass" / f"{VOC_IDS[0]}.png")
    with pytest.raises(DataLayoutError, match=r"colours \(1, 2, 3\) that are not in the VOC colour map"):
        load_pascal_voc(voc)


def test_voc_missing_and_wrong_files(voc, tmp_path):
    with pytest.raises(MissingDataError, match=r"(?s)no Pascal VOC 2012 folder.*JPEGImages/\{id\}\.jpg"):
        load_pascal_voc(tmp_path / "VOCdevkit" / "VOC2012" / "ImageSets")
    with pytest.raises(MissingDataError, match=r"list of the 'trainval' split, .*trainval\.txt, does not exist"):
        load_pascal_voc(voc, split="trainval")
    (voc / "SegmentationClass" / f"{VOC_IDS[1]}.png").unlink()
    with pytest.raises(MissingDataError, match=rf"train\.txt lists {VOC_IDS[1]}, but .*{VOC_IDS[1]}\.png "
                                               "does not exist"):
        load_pascal_voc(voc)
    save(palette_mask(regions([0, 21], 2)), voc / "SegmentationClass" / f"{VOC_IDS[2]}.png")
    with pytest.raises(DataLayoutError, match=r"holds values 21, outside the class indices 0\.\.20 and 255"):
        load_pascal_voc(voc, split="val")
    (voc / "ImageSets" / "Segmentation" / "val.txt").write_text("\n")
    with pytest.raises(DataLayoutError, match="val.txt lists no image id"):
        load_pascal_voc(voc, split="val")


# Oxford-IIIT Pet ----------------------------------------------------------------------------

PET_NAMES = ["Abyssinian_1", "Abyssinian_2", "beagle_1"]


@pytest.fixture
def pets(tmp_path):
    root = tmp_path / "oxford-iiit-pet"
    save(photo(0), root / "images" / "Abyssinian_1.jpg", quality=95)
    save(photo(1, "L"), root / "images" / "Abyssinian_2.jpg", quality=95)     # a greyscale photo
    save(photo(2, "RGBA"), root / "images" / "beagle_1.jpg", format="PNG")    # a PNG named .jpg
    for i, name in enumerate(PET_NAMES):
        save(regions([1, 2, 3], i), root / "annotations" / "trimaps" / f"{name}.png")
    (root / "images" / "Abyssinian_100.mat").write_bytes(b"MATLAB")             # as in the archive
    (root / "annotations" / "trimaps" / "._Abyssinian_1.png").write_bytes(b"\0\5\26\7")
    (root / "annotations" / "trainval.txt").write_text("Abyssinian_1 1 1 1\nbeagle_1 13 2 1\n")
    (root / "annotations" / "test.txt").write_text("Abyssinian_2 1 1 1\n")
    return root


def test_pets_maps_trimaps_to_background_pet_and_ignore(pets):
    images, masks = load_oxford_pets(pets, image_size=(HEIGHT, WIDTH))
    assert images.shape == (3, HEIGHT, WIDTH, 3) and images.dtype == np.float32
    assert masks.shape == (3, HEIGHT, WIDTH) and masks.dtype == np.uint8
    assert 0 <= images.min() and images.max() <= 1
    for i in range(3):
        trimap = regions([1, 2, 3], i)
        np.testing.assert_array_equal(masks[i], np.choose(trimap - 1, [1, 0, 255]))
    grey = images[1]   # a greyscale photo: three equal channels
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])
    np.testing.assert_allclose(images[2], np.asarray(photo(2)) / 255, atol=1e-6)   # alpha dropped
    for border, value in (("pet", 1), ("background", 0)):
        masks = load_oxford_pets(pets, image_size=(HEIGHT, WIDTH), border=border)[1]
        assert set(masks[0][regions([1, 2, 3], 0) == 3].tolist()) == {value}
    masks = load_oxford_pets(pets, image_size=(9, 11))[1]
    assert masks.shape == (3, 9, 11) and set(np.unique(masks).tolist()) == {0, 1, 255}


def test_pets_splits_follow_their_lists(pets):
    _, masks = load_oxford_pets(pets, image_size=(HEIGHT, WIDTH), split="trainval")
    assert len(masks) == 2
    np.testing.assert_array_equal(masks[1], np.choose(regions([1, 2, 3], 2) - 1, [1, 0, 255]))  # beagle_1
    assert len(load_oxford_pets(pets, split="test")[0]) == 1
    assert len(load_oxford_pets(pets, max_images=2)[0]) == 2
    (pets / "annotations" / "test.txt").unlink()
    with pytest.raises(MissingDataError, match=r"list of the 'test' split, .*test\.txt, does not exist"
                                               r".*split=None"):
        load_oxford_pets(pets, split="test")


def test_pets_missing_and_wrong_files(pets, tmp_path):
    with pytest.raises(MissingDataError, match=r"(?s)image folder .*images does not exist.*"
                                               r"annotations/trimaps/\{name\}\.png"):
        load_oxford_pets(pets / "annotations")
    (pets / "annotations" / "trainval.txt").write_text("Abyssinian_1\nbengal_9\n")
    with pytest.raises(MissingDataError, match=r"trainval\.txt lists bengal_9, but .*bengal_9\.jpg does not exist"):
        load_oxford_pets(pets, split="trainval")
    (pets / "annotations" / "trimaps" / "Abyssinian_2.png").unlink()
    with pytest.raises(MissingDataError, match=r"the trimap of .*Abyssinian_2\.jpg, .*Abyssinian_2\.png, does not exist"):
        load_oxford_pets(pets)
    save(regions([0, 1, 2, 255], 0), pets / "annotations" / "trimaps" / "Abyssinian_2.png")
    with pytest.raises(DataLayoutError, match=r"holds values 0, 255, outside the trimap values 1"):
        load_oxford_pets(pets)
    (pets / "images" / "Abyssinian_2.jpg").write_text("<html>Not found</html>")
    with pytest.raises(DataLayoutError, match=r"Abyssinian_2\.jpg cannot be read as an image"):
        load_oxford_pets(pets, split="test")
    for path in (pets / "images").iterdir():
        path.unlink()
    with pytest.raises(MissingDataError, match=r"no \.jpg image in .*images \(.*images holds: nothing\)"):
        load_oxford_pets(pets)


# tf.data ------------------------------------------------------------------------------------

def test_as_dataset_reads_the_same_pairs_lazily(pets, voc):
    import tensorflow as tf

    images, masks = load_oxford_pets(pets, image_size=(8, 12))
    dataset = load_oxford_pets(pets, image_size=(8, 12), as_dataset=True)
    assert len(dataset) == 3
    pairs = list(dataset.as_numpy_iterator())
    assert pairs[0][0].dtype == np.float32 and pairs[0][1].shape == (8, 12)
    np.testing.assert_array_equal(np.stack([image for image, _ in pairs]), images)
    np.testing.assert_array_equal(np.stack([mask for _, mask in pairs]), masks)
    assert len(load_pascal_voc(voc, image_size=(8, 8), as_dataset=True).batch(2)) == 1
    # Sizes are checked when the dataset is made, values when a pair is read.
    save(regions([1, 2], 0)[:10], pets / "annotations" / "trimaps" / "beagle_1.png")
    with pytest.raises(DataLayoutError, match=r"is 10×30 \(height × width\), but its image"):
        load_oxford_pets(pets, as_dataset=True)
    save(regions([1, 7], 0), pets / "annotations" / "trimaps" / "beagle_1.png")
    dataset = load_oxford_pets(pets, as_dataset=True)
    with pytest.raises(tf.errors.OpError, match=r"holds values 7, outside the trimap values"):
        list(dataset)


# Arguments ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"image_size": (0, 5)}, r"image_size must be a non-empty sequence of integers >= 1, received \(0, 5\)"),
    ({"image_size": (10,)}, r"image_size must be \(height, width\), two integers >= 1, received \(10,\)"),
    ({"image_size": "10x10"}, r"image_size must be \(height, width\)"),
    ({"image_size": (10.0, 10)}, r"received \(10\.0, 10\)"),
    ({"max_images": 0}, r"max_images must be an integer >= 1, received 0"),
    ({"max_images": 1.5}, r"max_images must be an integer >= 1, received 1\.5"),
    ({"as_dataset": "yes"}, r"as_dataset must be one of False, True, received 'yes'"),
])
def test_bad_arguments_are_refused_before_any_file_is_read(kwargs, message, tmp_path):
    for load in (load_cityscapes, load_pascal_voc, load_oxford_pets):
        with pytest.raises(ValueError, match=message):
            load(tmp_path / "nowhere", **kwargs)


@pytest.mark.parametrize("load, kwargs, message", [
    (load_cityscapes, {"split": "training"}, r"split must be one of 'train', 'val', 'test', received 'training'"),
    (load_pascal_voc, {"split": "test"}, r"split must be one of 'train', 'val', 'trainval', received 'test'"),
    (load_oxford_pets, {"split": "train"}, r"split must be one of None, 'trainval', 'test', received 'train'"),
    (load_oxford_pets, {"border": 3}, r"border must be one of 'ignore', 'pet', 'background', received 3"),
    (load_cityscapes, {"cities": "aachen"}, r"cities must be a non-empty sequence of city names"),
])
def test_bad_split_border_and_cities(load, kwargs, message, cityscapes):
    with pytest.raises(ValueError, match=message):
        load(cityscapes, **kwargs)
