"""segen_lib.datasets.shipped: the loaders of data/ and their checksum checks.

Corruption and missing files are tried on a copy of data/ (SEGEN_DATA_DIR), never
on the real folder.
"""

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from segen_lib import datasets
from segen_lib.datasets import shipped

REAL_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/ that the loaders read instead of the real one."""
    folder = tmp_path / "data"
    folder.mkdir()
    for path in REAL_DATA.iterdir():
        if path.name == "SHA256SUMS" or path.suffix in (".npz", ".keras", ".dcm"):
            shutil.copy(path, folder / path.name)
    monkeypatch.setenv("SEGEN_DATA_DIR", str(folder))
    shipped._load_cached.cache_clear()
    yield folder
    shipped._load_cached.cache_clear()


def test_data_dir_is_the_repository_folder_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("SEGEN_DATA_DIR", raising=False)
    assert datasets.data_dir() == REAL_DATA
    monkeypatch.setenv("SEGEN_DATA_DIR", str(tmp_path))
    assert datasets.data_dir() == tmp_path


def test_verify_checks_every_listed_file():
    checked = datasets.verify()
    listed = [line.split()[1] for line in (REAL_DATA / "SHA256SUMS").read_text().splitlines() if line]
    assert sorted(checked) == sorted(listed)
    assert {"fashion_mnist.npz", "medical_slices.npz", "mnist.npz", "nuclei.npz",
            "CT_small.dcm"} <= set(checked)
    assert all(len(digest) == 64 for digest in checked.values())


@pytest.mark.parametrize("loader, train, test", [
    (datasets.load_fashion_mnist, 20_000, 4_000),
    (datasets.load_mnist, 4_000, 1_000),
])
def test_labelled_sets_shapes_dtypes_ranges(loader, train, test):
    for split, count in (("train", train), ("test", test)):
        images, labels = loader(split)
        assert images.shape == (count, 28, 28) and images.dtype == np.uint8
        assert labels.shape == (count,) and labels.dtype == np.uint8
        assert images.max() == 255 and images.min() == 0
        # Stratified: every class equally often.
        assert np.array_equal(np.bincount(labels, minlength=10), np.full(10, count // 10))


def test_fashion_mnist_limit_keeps_classes_roughly_balanced():
    images, labels = datasets.load_fashion_mnist("train", limit=1000)
    assert images.shape == (1000, 28, 28)
    counts = np.bincount(labels, minlength=10)
    assert counts.min() >= 60 and counts.max() <= 140
    assert len(datasets.FASHION_MNIST_CLASSES) == 10


def test_mnist_splits_share_no_image():
    train, _ = datasets.load_mnist("train")
    test, _ = datasets.load_mnist("test")
    train_keys = {image.tobytes() for image in train}
    assert not any(image.tobytes() in train_keys for image in test)


def test_limit_larger_than_the_set_returns_everything():
    images, labels = datasets.load_mnist("test", limit=10**6)
    assert len(images) == len(labels) == 1_000


def test_loaders_return_copies():
    images, _ = datasets.load_mnist("test", limit=4)
    images[:] = 0
    again, _ = datasets.load_mnist("test", limit=4)
    assert again.max() > 0


@pytest.mark.parametrize("loader", [datasets.load_fashion_mnist, datasets.load_mnist])
def test_bad_split_is_a_value_error(loader):
    with pytest.raises(ValueError, match="split must be one of 'train', 'test', received 'valid'"):
        loader("valid")


@pytest.mark.parametrize("limit", [0, -3, 2.5, True, "10", float("nan")])
def test_bad_limit_is_a_value_error(limit):
    with pytest.raises(ValueError, match=f"limit must be an integer >= 1, received {limit!r}"):
        datasets.load_mnist("train", limit=limit)
    with pytest.raises(ValueError, match=f"limit must be an integer >= 1, received {limit!r}"):
        datasets.load_medical_slices(limit=limit)


def test_numpy_integer_limits_are_accepted():
    images, labels = datasets.load_fashion_mnist("test", limit=np.int64(7))
    assert images.shape == (7, 28, 28) and labels.shape == (7,)
    assert list(datasets.load_medical_slices(limit=np.int32(1))) == ["ct_chest"]


def test_nuclei_image_and_instances():
    image, instances = datasets.load_nuclei()
    assert image.shape == instances.shape == (512, 512)
    assert image.dtype == instances.dtype == np.uint8
    assert image.max() == 235
    labels = np.unique(instances)
    assert labels[0] == 0
    assert len(labels) - 1 == 125  # nuclei; the labels are not consecutive
    assert labels.max() == 183
    assert 0.05 < (instances > 0).mean() < 0.5


def test_medical_slices():
    slices = datasets.load_medical_slices()
    assert list(slices) == list(datasets.MEDICAL_SLICES)
    shapes = {"ct_chest": (128, 128), "mr_head": (64, 64), "ct_head": (512, 512),
              "mr_abdomen": (300, 484)}
    for name, image in slices.items():
        assert image.shape == shapes[name] and image.dtype == np.int16
    # CT in Hounsfield units: air near -1000, nothing far above dense bone.
    assert slices["ct_chest"].min() < -800 and slices["ct_chest"].max() < 3000
    assert [datasets.medical_modality(n) for n in datasets.MEDICAL_SLICES] == ["CT", "MR", "CT", "MR"]
    assert list(datasets.load_medical_slices(limit=2)) == ["ct_chest", "mr_head"]


def test_unknown_medical_slice_is_a_value_error():
    with pytest.raises(ValueError, match="name must be one of 'ct_chest', .* received 'pet_brain'"):
        datasets.medical_modality("pet_brain")


def test_medical_pixel_spacing_comes_from_the_dicom_headers():
    expected = {"ct_chest": (0.661468, 0.661468), "mr_head": (0.3125, 0.3125),
                "ct_head": (0.431, 0.431), "mr_abdomen": (0.72314049586777, 0.72314049586777)}
    assert set(expected) == set(datasets.MEDICAL_SLICES)
    for name, spacing in expected.items():
        found = datasets.medical_pixel_spacing(name)
        assert isinstance(found, tuple) and all(type(v) is float for v in found)
        assert found == pytest.approx(spacing, rel=1e-9)
    with pytest.raises(ValueError, match="name must be one of 'ct_chest', .* received 'pet_brain'"):
        datasets.medical_pixel_spacing("pet_brain")


def test_dicom_path_is_the_verified_file_and_holds_the_ct_chest_slice():
    import pydicom

    path = datasets.shipped.dicom_path()
    assert path == REAL_DATA / "CT_small.dcm"
    dataset = pydicom.dcmread(path)
    assert dataset.Modality == "CT" and (dataset.Rows, dataset.Columns) == (128, 128)
    stored = dataset.pixel_array
    assert stored.dtype == np.int16
    hu = stored * float(dataset.RescaleSlope) + float(dataset.RescaleIntercept)
    assert np.array_equal(hu, datasets.load_medical_slices()["ct_chest"])
    assert tuple(float(v) for v in dataset.PixelSpacing) == datasets.medical_pixel_spacing("ct_chest")


def test_dicom_path_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="name must be one of 'CT_small.dcm', received 'MR_small.dcm'"):
        shipped.dicom_path("MR_small.dcm")


def test_corrupt_or_missing_dicom_is_reported_before_it_is_read(data_copy):
    assert shipped.dicom_path() == data_copy / "CT_small.dcm"
    path = data_copy / "CT_small.dcm"
    raw = bytearray(path.read_bytes())
    raw[-1000] ^= 0xFF  # a byte of one pixel: pydicom would read it without complaint
    path.write_bytes(bytes(raw))
    with pytest.raises(datasets.DataFileError, match=r"CT_small\.dcm is corrupt.*make data"):
        shipped.dicom_path()
    path.unlink()
    with pytest.raises(datasets.DataFileError, match=r"CT_small\.dcm is missing\. Rebuild it with: make data"):
        shipped.dicom_path()


def test_copy_loads_like_the_real_folder(data_copy):
    images, _ = datasets.load_mnist("test", limit=3)
    assert images.shape == (3, 28, 28)


def test_corrupt_file_names_the_file_and_the_rebuild_command(data_copy):
    path = data_copy / "mnist.npz"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(datasets.DataFileError, match=r"mnist\.npz is corrupt") as caught:
        datasets.load_mnist("train")
    assert "make data" in str(caught.value)
    with pytest.raises(ValueError, match=r"mnist\.npz is corrupt"):  # a ValueError
        datasets.verify()
    datasets.load_fashion_mnist("test", limit=1)  # the other files still load


def test_missing_file_names_the_file_and_the_rebuild_command(data_copy):
    (data_copy / "nuclei.npz").unlink()
    with pytest.raises(datasets.DataFileError, match=r"nuclei\.npz is missing") as caught:
        datasets.load_nuclei()
    assert "make data" in str(caught.value)
    assert str(data_copy) in str(caught.value)


def test_missing_checksum_list(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(datasets.DataFileError, match="SHA256SUMS is missing.*make data"):
        datasets.verify(["mnist.npz"], folder=data_copy)


@pytest.mark.parametrize("target, problem", [
    ("nowhere", "which does not exist"),
    ("empty", "which has no SHA256SUMS"),
    ("a_file", "which is not a folder"),
])
def test_wrong_data_dir_variable_is_named_with_its_value(tmp_path, monkeypatch, target, problem):
    (tmp_path / "empty").mkdir()
    (tmp_path / "a_file").write_text("not a folder")
    value = str(tmp_path / target)
    monkeypatch.setenv("SEGEN_DATA_DIR", value)
    expected = (rf"SEGEN_DATA_DIR is set to {re.escape(repr(value))}, {problem}; "
                rf"unset SEGEN_DATA_DIR to use the shipped data in {re.escape(str(REAL_DATA))}, "
                r"or set it to a folder holding the data files")
    with pytest.raises(datasets.DataFileError, match=expected):
        datasets.load_mnist("test")
    with pytest.raises(datasets.DataFileError, match=expected):
        datasets.verify()


def test_file_missing_from_the_data_dir_variable_names_the_variable(data_copy):
    (data_copy / "mnist.npz").unlink()
    with pytest.raises(datasets.DataFileError,
                       match=r"mnist\.npz is missing\. .* The data folder is set by "
                             r"SEGEN_DATA_DIR='.*'; unset it to use the shipped data in"):
        datasets.load_mnist("test")
    with pytest.raises(datasets.DataFileError, match=r"mnist\.npz is missing") as caught:
        datasets.verify(["mnist.npz"], folder=data_copy)  # an explicit folder: no variable
    assert "SEGEN_DATA_DIR" not in str(caught.value)


def test_corrupt_classifier_names_its_own_rebuild_command(data_copy):
    path = data_copy / "fashion_classifier.keras"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(datasets.DataFileError,
                       match=r"fashion_classifier\.keras is corrupt.*Rebuild it with: "
                             r"python data/train_feature_extractor\.py, then record its "
                             r"checksum: python data/build_data\.py --checksums-only "
                             r"fashion_classifier\.keras") as caught:
        datasets.verify(["fashion_classifier.keras"])
    assert "make data does not rebuild it" in str(caught.value)
    path.unlink()
    with pytest.raises(datasets.DataFileError,
                       match=r"fashion_classifier\.keras is missing\. Rebuild it with: "
                             r"python data/train_feature_extractor\.py"):
        datasets.verify(["fashion_classifier.keras"])


def test_every_listed_file_has_a_rebuild_command():
    listed = [line.split()[1] for line in (REAL_DATA / "SHA256SUMS").read_text().splitlines() if line]
    assert sorted(shipped.REBUILD_COMMANDS) == sorted(listed)
    assert shipped.rebuild_command("mnist.npz").startswith("make data")
    assert "make data" not in shipped.rebuild_command("fashion_classifier.keras").split("(")[0]


def test_unlisted_file(data_copy):
    with pytest.raises(datasets.DataFileError, match="extra.npz is not listed") as caught:
        datasets.verify(["extra.npz"])
    assert "Rebuild" not in str(caught.value)  # no command builds an unknown file
    sums = data_copy / "SHA256SUMS"
    sums.write_text("".join(line + "\n" for line in sums.read_text().splitlines()
                            if not line.endswith("fashion_classifier.keras")))
    with pytest.raises(datasets.DataFileError,
                       match=r"fashion_classifier\.keras is not listed .* Rebuild and list it "
                             r"with: python data/train_feature_extractor\.py, then record"):
        datasets.verify(["fashion_classifier.keras"])


def test_real_folder_is_untouched_by_the_corruption_tests():
    assert datasets.verify(folder=REAL_DATA)
