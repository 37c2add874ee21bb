"""Loaders for the small real data sets shipped in ``data/``, and their checksums.

Introduced in ``notebooks/00_setup.ipynb`` (a tour of every data set). The ``.npz``
files, and the one DICOM file copied as it is (chapter 07 reads it with pydicom), are
built by ``data/build_data.py`` (``make data``), the FID classifier
``fashion_classifier.keras`` by ``data/train_feature_extractor.py``; all are listed
with their SHA-256 in ``data/SHA256SUMS``. Every loader verifies its file before
reading it, so a missing or corrupt file is reported by name, with the command that
rebuilds that file (:data:`REBUILD_COMMANDS`). The environment variable
``SEGEN_DATA_DIR`` replaces the data folder (a copy elsewhere); a value that names no
data folder is reported as such.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from segen_lib import checks

REBUILD_COMMAND = "make data  (or: python data/build_data.py)"  # the .npz files
REBUILD_COMMANDS = {
    # shipped file: the command that rebuilds it (run from the repository root)
    "fashion_mnist.npz": REBUILD_COMMAND,
    "mnist.npz": REBUILD_COMMAND,
    "nuclei.npz": REBUILD_COMMAND,
    "medical_slices.npz": REBUILD_COMMAND,
    "CT_small.dcm": REBUILD_COMMAND,
    "fashion_classifier.keras": "python data/train_feature_extractor.py, then record its "
                                "checksum: python data/build_data.py --checksums-only "
                                "fashion_classifier.keras  (make data does not rebuild it)",
    "road_segmenter.keras": "python data/train_road_segmenter.py, then record its checksum: "
                            "python data/build_data.py --checksums-only road_segmenter.keras  "
                            "(make data does not rebuild it)",
    "diffusion_noise_predictor.keras": "python data/train_diffusion.py, then record its checksum: "
                                       "python data/build_data.py --checksums-only "
                                       "diffusion_noise_predictor.keras  (make data does not rebuild it)",
}
DATA_DIR_VARIABLE = "SEGEN_DATA_DIR"
SHIPPED_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SPLITS = ("train", "test")


class DataFileError(ValueError):
    """A shipped data file is missing, corrupt or not listed in SHA256SUMS."""


def data_dir() -> Path:
    """The folder holding the shipped data (``SEGEN_DATA_DIR`` overrides it)."""
    return _folder(None)[0]


def rebuild_command(name: str) -> str:
    """The command that rebuilds the shipped file ``name`` (``make data`` if not known).

    Example:
        >>> rebuild_command("mnist.npz")
        'make data  (or: python data/build_data.py)'
        >>> rebuild_command("fashion_classifier.keras").split(",")[0]
        'python data/train_feature_extractor.py'
    """
    return REBUILD_COMMANDS.get(name, REBUILD_COMMAND)


def _folder(folder: str | Path | None) -> tuple[Path, str | None]:
    """``(data folder, value of SEGEN_DATA_DIR or None)``: ``folder``, else the variable's
    folder, else the repository's ``data/``. The value is ``None`` unless the folder
    comes from the variable."""
    if folder is not None:
        return Path(folder), None
    override = os.environ.get(DATA_DIR_VARIABLE)
    if override:
        return Path(override), override
    return SHIPPED_DATA_DIR, None


def _from_variable(override: str | None) -> str:
    """The sentence that says a folder came from SEGEN_DATA_DIR ('' if it did not)."""
    if override is None:
        return ""
    return (f" The data folder is set by {DATA_DIR_VARIABLE}={override!r}; unset it to use "
            f"the shipped data in {SHIPPED_DATA_DIR}.")


def _checksums(folder: Path, override: str | None = None) -> dict[str, str]:
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        if override is not None:
            problem = ("does not exist" if not folder.exists() else
                       "is not a folder" if not folder.is_dir() else "has no SHA256SUMS")
            raise DataFileError(
                f"{DATA_DIR_VARIABLE} is set to {override!r}, which {problem}; unset "
                f"{DATA_DIR_VARIABLE} to use the shipped data in {SHIPPED_DATA_DIR}, or set it "
                f"to a folder holding the data files and their SHA256SUMS.")
        raise DataFileError(f"{sums} is missing; rebuild the data with: {REBUILD_COMMAND}")
    table = {}
    for line in sums.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            table[name.lstrip("*")] = digest
    return table


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(names: list[str] | None = None, folder: str | Path | None = None) -> dict[str, str]:
    """Check shipped data files against ``data/SHA256SUMS``.

    Args:
        names: file names to check (e.g. ``["mnist.npz"]``); default: every listed file.
        folder: the data folder; default :func:`data_dir`.

    Returns:
        ``{file name: sha256}`` of the files checked.

    Raises:
        DataFileError (a ``ValueError``): naming the missing, corrupt or unlisted file
            and the command that rebuilds it (:func:`rebuild_command`); or, when the folder
            comes from ``SEGEN_DATA_DIR`` and does not exist or has no SHA256SUMS,
            naming the variable and its value.
    """
    return _verify(names, *_folder(folder))


def _verify(names: list[str] | None, folder: Path, override: str | None) -> dict[str, str]:
    table = _checksums(folder, override)
    if names is None:
        names = sorted(table)
    checked = {}
    for name in names:
        if name not in table:
            hint = (f" Rebuild and list it with: {REBUILD_COMMANDS[name]}."
                    if name in REBUILD_COMMANDS else "")
            raise DataFileError(f"{name} is not listed in {folder / 'SHA256SUMS'}; "
                                f"listed: {sorted(table)}.{hint}")
        path = folder / name
        if not path.is_file():
            raise DataFileError(f"data file {path} is missing. Rebuild it with: "
                                f"{rebuild_command(name)}.{_from_variable(override)}")
        actual = _sha256(path)
        if actual != table[name]:
            raise DataFileError(
                f"data file {path} is corrupt: its SHA-256 is {actual[:12]}…, "
                f"SHA256SUMS expects {table[name][:12]}…. Rebuild it with: "
                f"{rebuild_command(name)}.{_from_variable(override)}"
            )
        checked[name] = actual
    return checked


@lru_cache(maxsize=None)
def _load_cached(path: str, digest: str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _load(name: str) -> dict[str, np.ndarray]:
    folder, override = _folder(None)
    digest = _verify([name], folder, override)[name]
    return _load_cached(str(folder / name), digest)


def _limit(limit: int | None) -> int | None:
    """``limit`` checked: ``None`` (everything) or an integer >= 1 (a slice keeps at most that many)."""
    return None if limit is None else checks.positive_int(limit, "limit")


def _labelled(name: str, split: str, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    checks.one_of(split, "split", SPLITS)
    limit = _limit(limit)
    arrays = _load(name)
    return arrays[f"x_{split}"][:limit].copy(), arrays[f"y_{split}"][:limit].copy()


def load_fashion_mnist(split: str = "train", limit: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Shipped Fashion-MNIST subset (© 2017 Zalando SE, MIT licence).

    20,000 training and 4,000 test images, stratified (2,000 and 400 per class),
    in a shuffled order, so any ``limit`` keeps the classes roughly balanced.

    Args:
        split: ``"train"`` or ``"test"``.
        limit: keep only the first ``limit`` images (``None``: all).

    Returns:
        ``(images, labels)``: images ``(n, 28, 28)`` uint8 in 0..255, labels ``(n,)``
        uint8 in 0..9 (names in :data:`FASHION_MNIST_CLASSES`).

    Example:
        >>> images, labels = load_fashion_mnist("test", limit=8)
        >>> images.shape, images.dtype.name, labels.shape
        ((8, 28, 28), 'uint8', (8,))
    """
    return _labelled("fashion_mnist.npz", split, limit)


FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def load_mnist(split: str = "train", limit: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Shipped MNIST, 5,000 digits (Y. LeCun, C. Cortes; CC BY-SA 3.0).

    4,000 training digits (400 per class) and 1,000 test digits (100 per class),
    shuffled; the two splits share no image.

    Args:
        split: ``"train"`` or ``"test"``.
        limit: keep only the first ``limit`` images (``None``: all).

    Returns:
        ``(images, labels)``: images ``(n, 28, 28)`` uint8 in 0..255, labels ``(n,)``
        uint8 in 0..9.

    Example:
        >>> images, labels = load_mnist("test", limit=np.int64(5))
        >>> images.shape, labels.shape, int(labels.max()) <= 9
        ((5, 28, 28), (5,), True)
    """
    return _labelled("mnist.npz", split, limit)


def load_nuclei() -> tuple[np.ndarray, np.ndarray]:
    """One real fluorescence microscopy image with its human-made nuclei mask.

    From the 2018 Data Science Bowl (BBBC038, CC0), as shipped with StarDist (BSD-3).

    Returns:
        ``(image, instances)``: image ``(512, 512)`` uint8 (values 0..235), instances
        ``(512, 512)`` uint8 with 0 = background and one label per nucleus: 125 nuclei,
        whose labels are not consecutive (they lie in 1..183), so count them with
        ``len(np.unique(instances)) - 1``, not ``instances.max()``.
        ``instances > 0`` is the binary foreground mask.

    Example:
        >>> image, instances = load_nuclei()
        >>> image.shape, len(np.unique(instances)) - 1
        ((512, 512), 125)
    """
    arrays = _load("nuclei.npz")
    return arrays["image"].copy(), arrays["instances"].copy()


MEDICAL_SLICES = ("ct_chest", "mr_head", "ct_head", "mr_abdomen")


def load_medical_slices(limit: int | None = None) -> dict[str, np.ndarray]:
    """A few real CT and MR slices (pydicom's test files: MIT / GDCM BSD-3). No masks.

    Args:
        limit: keep only the first ``limit`` slices, in the order of
            :data:`MEDICAL_SLICES` (``None``: all four).

    Returns:
        ``{name: slice}``, each a 2-D int16 array: CT slices in Hounsfield units
        (``ct_chest`` 128×128, ``ct_head`` 512×512), MR slices in scanner units
        (``mr_head`` 64×64, ``mr_abdomen`` 300×484, height × width).

    Example:
        >>> {name: image.shape for name, image in load_medical_slices(limit=2).items()}
        {'ct_chest': (128, 128), 'mr_head': (64, 64)}
    """
    limit = _limit(limit)
    arrays = _load("medical_slices.npz")
    names = [str(n) for n in arrays["names"]]
    return {name: arrays[name].copy() for name in names[:limit]}


DICOM_FILES = ("CT_small.dcm",)


def dicom_path(name: str = "CT_small.dcm") -> Path:
    """The path of a shipped DICOM file, returned only after its SHA-256 is checked.

    One file is shipped as the scanner's software wrote it, header and stored integers,
    for reading with ``pydicom.dcmread`` as a radiology pipeline does: ``CT_small.dcm``
    from pydicom's test files (MIT), a 128×128 CT slice downsized from the NEMA WG04
    sample ``CT1_UNC``. ``load_medical_slices()["ct_chest"]`` is the same slice already
    converted to Hounsfield units.

    Args:
        name: one of :data:`DICOM_FILES`.

    Returns:
        The ``pathlib.Path`` of the verified file in :func:`data_dir`.

    Raises:
        ValueError: an unknown ``name``.
        DataFileError (a ``ValueError``): the file is missing, corrupt or not listed in
            ``SHA256SUMS``, naming it and the command that rebuilds it.

    Example:
        >>> dicom_path().name, dicom_path().stat().st_size
        ('CT_small.dcm', 39206)
    """
    checks.one_of(name, "name", DICOM_FILES)
    folder, override = _folder(None)
    _verify([name], folder, override)
    return folder / name


def medical_modality(name: str) -> str:
    """``"CT"`` or ``"MR"`` for a slice name of :func:`load_medical_slices`.

    Example:
        >>> medical_modality("ct_chest")
        'CT'
    """
    arrays = _load("medical_slices.npz")
    names = tuple(str(n) for n in arrays["names"])
    checks.one_of(name, "name", names)
    return str(arrays["modality"][names.index(name)])


def medical_pixel_spacing(name: str) -> tuple[float, float]:
    """The pixel spacing of a slice of :func:`load_medical_slices`, from its DICOM header.

    Args:
        name: one of :data:`MEDICAL_SLICES`.

    Returns:
        ``(row spacing, column spacing)`` in mm: the centre-to-centre distance between
        rows and between columns (DICOM ``PixelSpacing``, 0028,0030). A pixel covers
        their product in mm².

    Raises:
        ValueError: an unknown slice name.

    Example:
        >>> medical_pixel_spacing("ct_head")
        (0.431, 0.431)
    """
    arrays = _load("medical_slices.npz")
    names = tuple(str(n) for n in arrays["names"])
    checks.one_of(name, "name", names)
    row, col = arrays["pixel_spacing"][names.index(name)]
    return float(row), float(col)


NOISE_PREDICTOR_FILE = "diffusion_noise_predictor.keras"


def noise_predictor_path() -> Path:
    """The path of chapter 12's trained noise predictor, returned only after its SHA-256 is checked.

    ``diffusion_noise_predictor.keras`` is chapter 12's noise predictor trained for longer
    than the chapter can afford, by ``data/train_diffusion.py``. Load it with
    ``keras.saving.load_model(noise_predictor_path(), compile=False)`` after importing
    :mod:`segen_lib.models.diffusion` (which registers its time-embedding layer), and sample
    with ``Diffusion(network, NoiseSchedule(1000, "cosine"), ema_momentum=None)``.

    Returns:
        The ``pathlib.Path`` of the verified file in :func:`data_dir`.

    Raises:
        DataFileError (a ``ValueError``): the file is missing, corrupt or not listed in
            ``SHA256SUMS``, naming it and the command that rebuilds it.
    """
    folder, override = _folder(None)
    _verify([NOISE_PREDICTOR_FILE], folder, override)
    return folder / NOISE_PREDICTOR_FILE
