"""Reading image-and-mask pairs from a downloaded data set's folders: the shared machinery.

The loaders of :mod:`segen_lib.data.real_sets` (introduced in
``notebooks/05_driving_scenes.ipynb``) find their files; this module opens them with
Pillow, checks them (readable, one mask per image of the same size, one channel), resizes
them (images bilinearly, masks with the nearest neighbour) and returns NumPy arrays or a
lazy ``tf.data.Dataset``. Its errors name the path and print the expected layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from segen_lib import checks

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
