"""The package's layers point down: checked on the import statements of every module.

The layers (CONTRIBUTING.md draws them): ``checks``, ``initial_weights``, ``runtime``, ``label_spaces``,
``batches`` and ``exercises`` at the bottom; the data packages (``datasets``, ``synthetic``, ``medical``,
``training_data``) above them; ``losses``, ``metrics`` and ``models`` beside the data, with
``losses`` and ``models`` importing nothing from it; the course tooling (``segen_course``)
on top, never imported by the library or by a notebook.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_PACKAGES = ("datasets", "synthetic", "medical", "training_data")
BOTTOM = ("checks", "initial_weights", "runtime", "label_spaces", "batches", "exercises")


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every ``import`` and ``from ... import`` in a file, nested ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
    return found


def _segen_targets(path: Path) -> set[str]:
    """The ``segen_lib``/``segen_course`` modules a file imports, ``from segen_lib import x`` as ``segen_lib.x``."""
    targets = set()
    for module, names in _imports(path):
        if module == "segen_lib":
            targets |= {f"segen_lib.{name}" for name in names}
        elif module.startswith(("segen_lib.", "segen_course")):
            targets.add(module)
    return targets


def _layer(target: str) -> str:
    parts = target.split(".")
    return parts[1] if parts[0] == "segen_lib" and len(parts) > 1 else parts[0]


def test_the_targets_are_read_from_every_kind_of_import(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("import segen_course.runner\nfrom segen_lib import synthetic, checks\n"
                      "def f():\n    from segen_lib.datasets.shipped import verify\n")
    assert _segen_targets(source) == {"segen_course.runner", "segen_lib.synthetic", "segen_lib.checks",
                                      "segen_lib.datasets.shipped"}
    assert {_layer(t) for t in _segen_targets(source)} == {"segen_course", "synthetic", "checks", "datasets"}


@pytest.mark.parametrize("path", _modules("segen_lib"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_library_never_imports_the_course_tooling(path):
    assert not {t for t in _segen_targets(path) if t.startswith("segen_course")}


@pytest.mark.parametrize("package", ["models", "losses"])
def test_models_and_losses_import_nothing_from_the_data_packages(package):
    offending = {str(path.relative_to(ROOT)): sorted(t for t in _segen_targets(path) if _layer(t) in DATA_PACKAGES)
                 for path in _modules(f"segen_lib/{package}")}
    assert {path: targets for path, targets in offending.items() if targets} == {}


@pytest.mark.parametrize("module", BOTTOM)
def test_the_bottom_layer_imports_only_the_bottom_layer(module):
    targets = _segen_targets(ROOT / "segen_lib" / f"{module}.py")
    assert {_layer(t) for t in targets} <= set(BOTTOM)


def test_no_module_imports_another_modules_private_names():
    private = []
    for path in _modules("segen_lib") + _modules("segen_course") + sorted((ROOT / "tests").glob("*.py")):
        for module, names in _imports(path):
            if module.startswith(("segen_lib", "segen_course")):
                private += [f"{path.relative_to(ROOT)}: {module}.{name}" for name in names
                            if name.startswith("_") and not name.startswith("__")]
    assert private == []


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_no_notebook_imports_the_course_tooling(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    assert "segen_course" not in code
