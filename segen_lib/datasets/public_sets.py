"""Loaders for three public segmentation data sets, read from the folders they unpack to.

Introduced in ``notebooks/06_driving_scenes.ipynb``. Nothing is downloaded here: these
loaders are for learners who fetched a data set themselves (each needs a registration or
a large download) and point ``root`` at the folder it unpacked to.

- **Cityscapes** (Cordts et al., 2016, https://www.cityscapes-dataset.com:
  ``leftImg8bit_trainvaltest.zip`` and ``gtFine_trainvaltest.zip``): street scenes from 50
  cities, fine masks of *label ids* turned into the 19 *train ids* of
  :mod:`segen_lib.label_spaces` (255: ignore).
- **Pascal VOC 2012** (Everingham et al., 2010,
  http://host.robots.ox.ac.uk/pascal/VOC/voc2012/: ``VOCtrainval_11-May-2012.tar``):
  20 object classes and the background (:data:`PASCAL_VOC_CLASS_NAMES`), 255 on the
  border of every object.
- **Oxford-IIIT Pet** (Parkhi et al., 2012, https://www.robots.ox.ac.uk/~vgg/data/pets/:
  ``images.tar.gz`` and ``annotations.tar.gz``): cats and dogs with *trimaps* (pet,
  background, border), turned into background 0 / pet 1 (:data:`OXFORD_PETS_CLASS_NAMES`).

Every loader returns ``(images, masks)`` as NumPy arrays: images float32
``(n, height, width, 3)`` RGB in [0, 1] (greyscale, palette, CMYK or RGBA files become RGB;
alpha is dropped), resized bilinearly; masks uint8 ``(n, height, width)`` resized with the
nearest neighbour, so every value is still a label (never a blend of two ids). Files come
in a fixed order (sorted names, or the order of the split's list). With
``as_dataset=True`` it returns a ``tf.data.Dataset`` of ``(image, mask)`` pairs instead,
which reads the files one pair at a time as it is iterated.

A folder or file the layout needs is missing: :class:`MissingDataError` (both a
``FileNotFoundError`` and a ``ValueError``). A file that is there but wrong (not an image,
a mask of another size than its image, a value outside the label set):
:class:`DataLayoutError` (a ``ValueError``). Both messages name the path and print the
expected layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from segen_lib import checks
from segen_lib.label_spaces import IGNORE_LABEL, LABEL_ID_TO_TRAIN_ID

__all__ = ["DataLayoutError", "MissingDataError", "PASCAL_VOC_CLASS_NAMES", "PASCAL_VOC_PALETTE",
           "OXFORD_PETS_CLASS_NAMES", "OXFORD_PETS_TRIMAP", "voc_colormap", "load_cityscapes",
           "load_pascal_voc", "load_oxford_pets"]

# Reading image-and-mask pairs from a downloaded data set's folders: every loader below opens
# its files with Pillow, checks them (readable, one mask per image of the same size, one
# channel), resizes them (images bilinearly, masks with the nearest neighbour) and returns
# NumPy arrays or a lazy tf.data.Dataset. Errors name the path and print the expected layout.

class DataLayoutError(ValueError):
    """A downloaded data set's folder is not laid out as expected, or one of its files is wrong."""


class MissingDataError(DataLayoutError, FileNotFoundError):
    """A folder or file that the data set's layout needs is missing (also a ``FileNotFoundError``)."""


def _layout(tree: str, root: Path, split) -> str:
    return "Expected layout:\n" + tree.format(root=root, split=split)


def _missing(problem: str, path: Path, tree: str, root: Path, split, fix: str = "") -> MissingDataError:
    """``problem`` (naming ``path``), what the nearest existing folder holds, ``fix``, the layout."""
    folder = path if path.is_dir() else path.parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    holds = ""
    if folder.is_dir():
        names = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in folder.iterdir())
        holds = f" ({folder} holds: {', '.join(names[:8]) + (', …' if len(names) > 8 else '') or 'nothing'})"
    return MissingDataError(f"{problem}{holds}.{' ' + fix if fix else ''}\n{_layout(tree, root, split)}")


def _folder(path: Path, what: str, tree: str, root: Path, split, fix: str = "") -> Path:
    if not path.is_dir():
        raise _missing(f"{what} {path} does not exist", path, tree, root, split, fix)
    return path


# Reading one pair ---------------------------------------------------------------------------

def _open(path: Path, what: str, load: bool = True) -> Image.Image:
    """The image at ``path``: read in full, or (``load=False``) only its header (size and mode)."""
    try:
        image = Image.open(path)
        if load:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise DataLayoutError(f"{what} {path} cannot be read as an image ({error}): replace it "
                              "with the file from the data set's archive.") from error
    return image


def _same_size(image: Image.Image, mask: Image.Image, image_path: Path, mask_path: Path) -> None:
    if image.size != mask.size:
        raise DataLayoutError(
            f"mask {mask_path} is {mask.size[1]}×{mask.size[0]} (height × width), but its image "
            f"{image_path} is {image.size[1]}×{image.size[0]}: in this data set a mask has its "
            "image's size; replace the wrong file with the one from the data set's archive.")


def _single_channel(mask: Image.Image, path: Path, what: str) -> np.ndarray:
    """The values of a mode ``L`` (8-bit grey) or ``P`` (palette: the indices) image."""
    if mask.mode not in ("L", "P"):
        raise DataLayoutError(f"mask {path} must be an 8-bit single-channel PNG of {what}, received "
                              f"a {mask.mode} image: use the data set's own mask files.")
    return np.asarray(mask, dtype=np.uint8)


def _bad_values(path: Path, values: np.ndarray, allowed: str, fix: str) -> DataLayoutError:
    shown = ", ".join(map(str, values[:6].tolist())) + (", …" if len(values) > 6 else "")
    return DataLayoutError(f"mask {path} holds values {shown}, outside {allowed}: {fix}.")


def _read(pair: tuple[Path, Path], decode: Callable, image_size: tuple[int, int]
          ) -> tuple[np.ndarray, np.ndarray]:
    """One ``(image, mask)``: decoded at full size (``decode`` checks and maps the mask), then
    resized, the image bilinearly, the labels with the nearest neighbour."""
    image_path, mask_path = pair
    image, mask = _open(image_path, "image"), _open(mask_path, "mask")
    _same_size(image, mask, image_path, mask_path)
    labels = decode(mask, mask_path)
    height, width = image_size
    pixels = image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
    labels = Image.fromarray(labels).resize((width, height), Image.Resampling.NEAREST)
    return np.asarray(pixels, np.float32) / np.float32(255.0), np.asarray(labels, np.uint8)


def _checked(image_size, max_images, as_dataset) -> tuple[tuple[int, int], int | None]:
    if (isinstance(image_size, (str, bytes)) or not isinstance(image_size, (Sequence, np.ndarray))
            or len(image_size) != 2):
        raise ValueError(f"image_size must be (height, width), two integers >= 1, received "
                         f"{image_size!r}.")
    height, width = checks.integers(image_size, "image_size")
    max_images = None if max_images is None else checks.positive_int(max_images, "max_images")
    checks.one_of(as_dataset, "as_dataset", (False, True))
    return (height, width), max_images


def _load(pairs: list[tuple[Path, Path]], decode: Callable, image_size: tuple[int, int],
          as_dataset: bool):
    """Arrays of every pair, or a ``tf.data.Dataset`` reading them one at a time."""
    if as_dataset:
        return _dataset(pairs, decode, image_size)
    height, width = image_size
    images = np.empty((len(pairs), height, width, 3), np.float32)
    masks = np.empty((len(pairs), height, width), np.uint8)
    for i, pair in enumerate(pairs):
        images[i], masks[i] = _read(pair, decode, image_size)
    return images, masks


def _dataset(pairs: list[tuple[Path, Path]], decode: Callable, image_size: tuple[int, int]):
    try:
        import tensorflow as tf
    except ImportError as error:
        raise ImportError("as_dataset=True builds a tf.data.Dataset and needs TensorFlow; "
                          "install it, or pass as_dataset=False for NumPy arrays.") from error
    for image_path, mask_path in pairs:   # readable headers and sizes now; values while iterating
        with _open(image_path, "image", load=False) as image, \
                _open(mask_path, "mask", load=False) as mask:
            _same_size(image, mask, image_path, mask_path)

    def generate():
        for pair in pairs:
            yield _read(pair, decode, image_size)

    height, width = image_size
    dataset = tf.data.Dataset.from_generator(generate, output_signature=(
        tf.TensorSpec((height, width, 3), tf.float32), tf.TensorSpec((height, width), tf.uint8)))
    return dataset.apply(tf.data.experimental.assert_cardinality(len(pairs)))


CITYSCAPES_SPLITS = ("train", "val", "test")
PASCAL_VOC_SPLITS = ("train", "val", "trainval")
OXFORD_PETS_SPLITS = (None, "trainval", "test")
PET_BORDERS = ("ignore", "pet", "background")

PASCAL_VOC_CLASS_NAMES = ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus",
                          "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike",
                          "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor")
"""The 21 Pascal VOC classes, indexed by the values of ``SegmentationClass/*.png``."""

OXFORD_PETS_TRIMAP = {1: "pet", 2: "background", 3: "border"}
"""The values of an Oxford-IIIT Pet ``annotations/trimaps/*.png`` and what they mean."""

OXFORD_PETS_CLASS_NAMES = ("background", "pet")
"""The classes of the masks :func:`load_oxford_pets` returns (the border: see ``border``)."""


def voc_colormap(num_colours: int = 256) -> np.ndarray:
    """The Pascal VOC colour map: the RGB colour of each class index.

    Index ``i`` spreads its bits over the three channels, from the most significant bit
    down: bit 0 of ``i`` to red, bit 1 to green, bit 2 to blue, then the next three bits
    one place lower (``bitget`` in ``VOCdevkit/VOCcode/VOClabelcolormap.m``).

    Args:
        num_colours: how many indices (1 to 256).

    Returns:
        ``(num_colours, 3)`` uint8 RGB colours; index 255 (the object borders) is
        ``(224, 224, 192)``.

    Example:
        >>> voc_colormap()[[0, 1, 15, 255]].tolist()   # background, aeroplane, person, border
        [[0, 0, 0], [128, 0, 0], [192, 128, 128], [224, 224, 192]]
    """
    num_colours = checks.integer(num_colours, "num_colours", minimum=1, maximum=256)
    colours = np.zeros((num_colours, 3), np.uint8)
    for index in range(num_colours):
        code, red, green, blue = index, 0, 0, 0
        for shift in range(7, -1, -1):
            red |= (code & 1) << shift
            green |= ((code >> 1) & 1) << shift
            blue |= ((code >> 2) & 1) << shift
            code >>= 3
        colours[index] = red, green, blue
    return colours


PASCAL_VOC_PALETTE = voc_colormap(len(PASCAL_VOC_CLASS_NAMES))
"""``(21, 3)`` uint8 RGB colour of each Pascal VOC class, as in its ``SegmentationClass`` files
(for :func:`segen_lib.label_spaces.colorize`, with ``ignore_colour=(224, 224, 192)``,
the colour of the borders, 255)."""
PASCAL_VOC_PALETTE.setflags(write=False)

# Layouts, as printed in the messages ------------------------------------------------------

_CITYSCAPES_TREE = """\
    {root}/
        leftImg8bit/{split}/{{city}}/{{city}}_{{seq}}_{{frame}}_leftImg8bit.png
        gtFine/{split}/{{city}}/{{city}}_{{seq}}_{{frame}}_gtFine_labelIds.png
  (leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip unzipped into one folder, e.g.
  leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png)"""

_PASCAL_VOC_TREE = """\
    {root}/                      (VOC2012 itself, or a folder holding VOCdevkit/VOC2012)
        JPEGImages/{{id}}.jpg
        SegmentationClass/{{id}}.png   (palette PNG: pixel values are class indices 0..20, 255 = border)
        ImageSets/Segmentation/{split}.txt   (one id per line)
  (VOCtrainval_11-May-2012.tar unpacks to VOCdevkit/VOC2012)"""

_OXFORD_PETS_TREE = """\
    {root}/
        images/{{name}}.jpg
        annotations/trimaps/{{name}}.png   (values 1 = pet, 2 = background, 3 = border)
        annotations/trainval.txt, annotations/test.txt   (for split=; first word of a line = name)
  (images.tar.gz and annotations.tar.gz unpacked into one folder)"""


# Cityscapes ---------------------------------------------------------------------------------

def load_cityscapes(root: str | Path, split: str = "train", image_size: Sequence[int] = (128, 256),
                    max_images: int | None = None, cities: Sequence[str] | None = None,
                    as_dataset: bool = False):
    """Cityscapes fine annotations (Cordts et al., 2016) from their own layout, in train ids.

    Reads ``root/leftImg8bit/{split}/{city}/*_leftImg8bit.png`` and, for each, the mask with
    the same ``{city}_{seq}_{frame}`` prefix in ``root/gtFine/{split}/{city}/`` ending in
    ``_gtFine_labelIds.png``. Masks hold label ids 0..33; they are mapped to the 19 train
    ids with :data:`segen_lib.label_spaces.LABEL_ID_TO_TRAIN_ID`, every label id that
    is not evaluated becoming 255 (ignore: :class:`segen_lib.losses.DiceCrossentropy` and
    :func:`segen_lib.metrics.mean_iou` leave it out). The test split's masks are
    placeholders (the benchmark withholds the real ones): do not train or score on them.

    Args:
        root: the folder holding ``leftImg8bit/`` and ``gtFine/``.
        split: ``"train"`` (2,975 images), ``"val"`` (500) or ``"test"`` (1,525).
        image_size: ``(height, width)`` of the returned images and masks (the files are
            1024×2048; keep the 1:2 shape).
        max_images: keep the first ``max_images`` images in name order (cities in
            alphabetical order), ``None``: all. The whole train split at 128×256 is
            1.2 GB of float32: use this, or ``as_dataset=True``.
        cities: only these cities (folder names such as ``"aachen"``), ``None``: all.
        as_dataset: return a ``tf.data.Dataset`` instead of arrays (see below).

    Returns:
        ``(images, masks)``: images float32 ``(n, height, width, 3)`` in [0, 1], masks uint8
        ``(n, height, width)`` of train ids 0..18 (names in
        :data:`segen_lib.label_spaces.CITYSCAPES_CLASS_NAMES`) and 255. With
        ``as_dataset=True``: a ``tf.data.Dataset`` of ``(image, mask)`` pairs of those
        shapes without the first axis (``len()`` works; batch it yourself), reading the
        files as it is iterated. It needs TensorFlow, under any Keras backend (``fit``
        takes a ``tf.data.Dataset`` under JAX too). Sizes are checked when it is made; a
        file found wrong while iterating stops the iteration with TensorFlow's
        ``InvalidArgumentError``, carrying this module's message.

    Raises:
        MissingDataError: ``root``, ``leftImg8bit/{split}`` or a city folder missing, no
            image found, or an image without its ``_gtFine_labelIds.png`` (named).
        DataLayoutError: a file that is not an image, a mask of another size than its
            image, not 8-bit single-channel, or holding values above 33.
        ValueError: a bad ``split``, ``image_size``, ``max_images`` or ``cities``.
    """
    checks.one_of(split, "split", CITYSCAPES_SPLITS)
    image_size, max_images = _checked(image_size, max_images, as_dataset)
    root = Path(root)
    tree = _CITYSCAPES_TREE
    _folder(root, "Cityscapes root folder", tree, root, split)
    images_dir = _folder(root / "leftImg8bit" / split, "Cityscapes image folder", tree, root, split)
    masks_dir = root / "gtFine" / split
    available = sorted(entry.name for entry in images_dir.iterdir() if entry.is_dir())
    if cities is None:
        chosen = available
    else:
        if isinstance(cities, str) or not isinstance(cities, Sequence) or not cities:
            raise ValueError(f"cities must be a non-empty sequence of city names such as "
                             f"['aachen'], or None, received {cities!r}.")
        unknown = [city for city in cities if city not in available]
        if unknown:
            raise ValueError(f"cities {unknown} are not in {images_dir}, whose cities are: "
                             f"{', '.join(available) or 'none'}.")
        chosen = list(cities)
    pairs = []
    for city in chosen:
        for image_path in sorted((images_dir / city).glob("*_leftImg8bit.png")):
            prefix = image_path.name[:-len("_leftImg8bit.png")]
            pairs.append((image_path, masks_dir / city / f"{prefix}_gtFine_labelIds.png"))
    if not pairs:
        raise _missing(f"no *_leftImg8bit.png image in the city folders of {images_dir}",
                       images_dir, tree, root, split)
    pairs = pairs[:max_images]
    for image_path, mask_path in pairs:
        if not mask_path.is_file():
            raise _missing(f"the mask of {image_path}, {mask_path}, does not exist", mask_path,
                           tree, root, split, "Unzip gtFine_trainvaltest.zip into the folder that "
                           "holds leftImg8bit/.")
    return _load(pairs, _cityscapes_mask, image_size, as_dataset)


def _cityscapes_mask(mask: Image.Image, path: Path) -> np.ndarray:
    label_ids = _single_channel(mask, path, "Cityscapes label ids 0..33")
    bad = np.unique(label_ids[label_ids > 33])
    if bad.size:
        raise _bad_values(path, bad, "the Cityscapes label ids 0..33",
                          "read the *_gtFine_labelIds.png masks (not *_color.png, *_instanceIds.png "
                          "or already converted *_labelTrainIds.png)")
    return LABEL_ID_TO_TRAIN_ID[label_ids]


# Pascal VOC ---------------------------------------------------------------------------------

def load_pascal_voc(root: str | Path, split: str = "train", image_size: Sequence[int] = (128, 128),
                    max_images: int | None = None, as_dataset: bool = False):
    """Pascal VOC 2012 segmentation (Everingham et al., 2010) from its own layout.

    Reads the ids listed in ``ImageSets/Segmentation/{split}.txt``, then
    ``JPEGImages/{id}.jpg`` and ``SegmentationClass/{id}.png`` for each. The masks are
    palette PNGs whose pixel *values* are the class indices 0..20
    (:data:`PASCAL_VOC_CLASS_NAMES`) and 255 on object borders and "difficult" regions
    (ignore): the indices are read, not the colours. A mask re-saved as RGB is mapped
    back through the VOC colour map (:func:`voc_colormap`); a colour that is not in it
    is refused.

    Args:
        root: the ``VOC2012`` folder, or a folder holding ``VOC2012/`` or
            ``VOCdevkit/VOC2012/`` (where the tar file unpacks).
        split: ``"train"`` (1,464 images), ``"val"`` (1,449) or ``"trainval"``.
        image_size: ``(height, width)`` of the returned images and masks (the files are
            at most 500×500, of varying shapes: every one is resized to this size).
        max_images: keep the first ``max_images`` ids of the list, ``None``: all.
        as_dataset: return a ``tf.data.Dataset`` instead of arrays, as
            :func:`load_cityscapes` does.

    Returns:
        ``(images, masks)``: images float32 ``(n, height, width, 3)`` in [0, 1], masks uint8
        ``(n, height, width)`` in 0..20 and 255 (colours: :data:`PASCAL_VOC_PALETTE`); or a
        ``tf.data.Dataset`` of such pairs (see :func:`load_cityscapes`).

    Raises:
        MissingDataError: no VOC2012 folder under ``root``, the split's list, ``JPEGImages``
            or ``SegmentationClass`` missing, or a listed id whose image or mask is missing.
        DataLayoutError: an empty list, a file that is not an image, a mask of another size
            than its image, or mask values (colours) outside 0..20 and 255.
        ValueError: a bad ``split``, ``image_size`` or ``max_images``.
    """
    checks.one_of(split, "split", PASCAL_VOC_SPLITS)
    image_size, max_images = _checked(image_size, max_images, as_dataset)
    given = Path(root)
    tree = _PASCAL_VOC_TREE
    _folder(given, "Pascal VOC root folder", tree, given, split)
    candidates = (given, given / "VOC2012", given / "VOCdevkit" / "VOC2012")
    root = next((folder for folder in candidates if (folder / "JPEGImages").is_dir()
                 or (folder / "ImageSets").is_dir()), None)
    if root is None:
        raise _missing(f"no Pascal VOC 2012 folder (one holding JPEGImages/ and ImageSets/) at "
                       f"{given}, {given / 'VOC2012'} or {given / 'VOCdevkit' / 'VOC2012'}",
                       given, tree, given, split)
    listing = root / "ImageSets" / "Segmentation" / f"{split}.txt"
    if not listing.is_file():
        raise _missing(f"the list of the {split!r} split, {listing}, does not exist", listing,
                       tree, root, split)
    images_dir = _folder(root / "JPEGImages", "Pascal VOC image folder", tree, root, split)
    masks_dir = _folder(root / "SegmentationClass", "Pascal VOC mask folder", tree, root, split,
                        "It comes with VOCtrainval_11-May-2012.tar (the test set has no masks).")
    ids = [line.split()[0] for line in listing.read_text().splitlines() if line.strip()]
    if not ids:
        raise DataLayoutError(f"{listing} lists no image id: it should hold one id per line, "
                              f"such as 2007_000032.\n{_layout(tree, root, split)}")
    pairs = [(images_dir / f"{id_}.jpg", masks_dir / f"{id_}.png") for id_ in ids[:max_images]]
    for image_path, mask_path in pairs:
        for path in (image_path, mask_path):
            if not path.is_file():
                raise _missing(f"{listing.name} lists {image_path.stem}, but {path} does not exist",
                               path, tree, root, split)
    return _load(pairs, _pascal_voc_mask, image_size, as_dataset)


_VOC_LABELS = np.array([*range(len(PASCAL_VOC_CLASS_NAMES)), IGNORE_LABEL])
_VOC_CODES = voc_colormap()[_VOC_LABELS].astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
_VOC_ORDER = np.argsort(_VOC_CODES)   # the labels by their packed colour, for searchsorted


def _pascal_voc_mask(mask: Image.Image, path: Path) -> np.ndarray:
    allowed = "the class indices 0..20 and 255 (border)"
    if mask.mode in ("RGB", "RGBA"):   # a mask re-saved in colour: back to indices
        rgb = np.asarray(mask.convert("RGB"), np.int64)
        packed = rgb @ np.array([1 << 16, 1 << 8, 1])
        colours, inverse = np.unique(packed, return_inverse=True)
        known = np.isin(colours, _VOC_CODES)
        if not known.all():
            bad = [f"({c >> 16}, {(c >> 8) & 255}, {c & 255})" for c in colours[~known][:4]]
            raise DataLayoutError(f"mask {path} is an RGB image with colours {', '.join(bad)} that "
                                  "are not in the VOC colour map: use the palette PNGs of "
                                  "SegmentationClass/ as the archive holds them.")
        labels = _VOC_LABELS[_VOC_ORDER][np.searchsorted(_VOC_CODES[_VOC_ORDER], colours)]
        return labels[inverse.reshape(packed.shape)].astype(np.uint8)
    labels = _single_channel(mask, path, allowed)
    bad = np.setdiff1d(np.unique(labels), _VOC_LABELS)
    if bad.size:
        raise _bad_values(path, bad, allowed, "use the masks of SegmentationClass/ (not "
                          "SegmentationObject/, whose values number the objects)")
    return labels


# Oxford-IIIT Pet ----------------------------------------------------------------------------

def load_oxford_pets(root: str | Path, image_size: Sequence[int] = (128, 128),
                     max_images: int | None = None, split: str | None = None,
                     border: str = "ignore", as_dataset: bool = False):
    """Oxford-IIIT Pet (Parkhi et al., 2012) images and trimaps from their own layout.

    Reads ``images/{name}.jpg`` and ``annotations/trimaps/{name}.png``. A trimap holds 1 on
    the pet, 2 on the background and 3 on the border between them (drawn by hand, so
    uncertain: :data:`OXFORD_PETS_TRIMAP`); the returned masks follow the course's
    convention, 0 background and 1 pet (:data:`OXFORD_PETS_CLASS_NAMES`), the border
    becoming 255 (ignore) by default. The keras-io example ``oxford_pets_image_segmentation``
    subtracts 1 instead and trains on three classes.

    Args:
        root: the folder holding ``images/`` and ``annotations/``.
        image_size: ``(height, width)`` of the returned images and masks (the photos have
            varying sizes: every one is resized to this size).
        max_images: keep the first ``max_images`` images, ``None``: all.
        split: ``None`` (every image of ``images/``, in name order: 7,390), or
            ``"trainval"`` (3,680) or ``"test"`` (3,669): the names listed, in order, in
            ``annotations/{split}.txt``.
        border: what the trimap's border becomes: ``"ignore"`` (255), ``"pet"`` (1) or
            ``"background"`` (0).
        as_dataset: return a ``tf.data.Dataset`` instead of arrays, as
            :func:`load_cityscapes` does.

    Returns:
        ``(images, masks)``: images float32 ``(n, height, width, 3)`` in [0, 1] (the few
        greyscale, CMYK or RGBA photos become RGB), masks uint8 ``(n, height, width)`` in
        {0, 1} and, with ``border="ignore"``, 255; or a ``tf.data.Dataset`` of such pairs
        (see :func:`load_cityscapes`).

    Raises:
        MissingDataError: ``images/`` or ``annotations/trimaps/`` missing or without
            files, the split's list missing, or an image (or listed name) without its file.
        DataLayoutError: an empty list, a file that is not an image, a trimap of another
            size than its image, or trimap values other than 1, 2 and 3.
        ValueError: a bad ``image_size``, ``max_images``, ``split`` or ``border``.
    """
    image_size, max_images = _checked(image_size, max_images, as_dataset)
    checks.one_of(split, "split", OXFORD_PETS_SPLITS)
    checks.one_of(border, "border", PET_BORDERS)
    root = Path(root)
    tree = _OXFORD_PETS_TREE
    _folder(root, "Oxford-IIIT Pet root folder", tree, root, split)
    images_dir = _folder(root / "images", "Oxford-IIIT Pet image folder", tree, root, split,
                         "Unpack images.tar.gz into the root folder.")
    trimaps_dir = _folder(root / "annotations" / "trimaps", "Oxford-IIIT Pet trimap folder", tree,
                          root, split, "Unpack annotations.tar.gz into the root folder.")
    if split is None:
        # The archive also holds a few .mat files in images/ and macOS "._*" files in trimaps/.
        names = sorted(path.stem for path in images_dir.glob("*.jpg") if not path.name.startswith("._"))
        if not names:
            raise _missing(f"no .jpg image in {images_dir}", images_dir, tree, root, split)
    else:
        listing = root / "annotations" / f"{split}.txt"
        if not listing.is_file():
            raise _missing(f"the list of the {split!r} split, {listing}, does not exist", listing,
                           tree, root, split, "Pass split=None to read every image.")
        names = [line.split()[0] for line in listing.read_text().splitlines()
                 if line.strip() and not line.startswith("#")]
        if not names:
            raise DataLayoutError(f"{listing} lists no image: each line should start with a name "
                                  f"such as Abyssinian_100.\n{_layout(tree, root, split)}")
    pairs = [(images_dir / f"{name}.jpg", trimaps_dir / f"{name}.png") for name in names[:max_images]]
    for image_path, mask_path in pairs:
        if not image_path.is_file():   # a name of the split's list
            raise _missing(f"{split}.txt lists {image_path.stem}, but {image_path} does not exist",
                           image_path, tree, root, split)
        if not mask_path.is_file():
            raise _missing(f"the trimap of {image_path}, {mask_path}, does not exist", mask_path,
                           tree, root, split)
    table = np.full(256, 0, np.uint8)
    table[[1, 2, 3]] = 1, 0, {"ignore": IGNORE_LABEL, "pet": 1, "background": 0}[border]
    return _load(pairs, lambda mask, path: _trimap(mask, path, table), image_size, as_dataset)


def _trimap(mask: Image.Image, path: Path, table: np.ndarray) -> np.ndarray:
    allowed = "the trimap values 1 (pet), 2 (background) and 3 (border)"
    values = _single_channel(mask, path, allowed)
    bad = np.setdiff1d(np.unique(values), [1, 2, 3])
    if bad.size:
        raise _bad_values(path, bad, allowed, "read the trimaps of annotations/trimaps/ as the "
                          "archive holds them (a trimap scaled for display holds other values)")
    return table[values]
