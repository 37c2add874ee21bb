"""Every notebook is stored clean and starts the way CONTRIBUTING.md says (section 4, notebook conventions)."""

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [path.name for path in NOTEBOOKS]


def test_there_are_notebooks():
    names = [path.name for path in NOTEBOOKS]
    assert "00_setup.ipynb" in names and "01_cnn_basics.ipynb" in names


def test_chapter_file_names():
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_valid_nbformat_with_python3_kernel(notebook):
    path, nb = notebook
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path.name


def test_stored_without_outputs_or_execution_counts(notebook):
    path, nb = notebook
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has outputs"
            assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"


def test_starts_with_an_h1_title_numbered_like_the_file(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell must be the title"
    title = first.source.splitlines()[0]
    assert title.startswith("# ") and not title.startswith("## "), f"{path.name}: {title!r}"
    assert title.startswith(f"# {path.name[:2]} · "), f"{path.name}: title {title!r} lacks '# NN · '"


def test_has_a_setup_cell_calling_runtime_setup(notebook):
    path, nb = notebook
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    setup_cells = [i for i, source in enumerate(code) if re.search(r"runtime\.setup\(", source)]
    assert setup_cells, f"{path.name} never calls runtime.setup(...)"
    assert setup_cells[0] <= 1, f"{path.name}: runtime.setup must be in one of the first two code cells"


def _one_class(source: str) -> bool:
    """Whether a cell is imports and one class definition, nothing else at the top level."""
    import ast
    body = [node for node in ast.parse(source).body if not isinstance(node, (ast.Import, ast.ImportFrom))]
    return len(body) == 1 and isinstance(body[0], ast.ClassDef)


def test_code_cells_are_short(notebook):
    # 30 lines; a class the chapter teaches (a model with its train_step) stays whole, up to 45.
    path, nb = notebook
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            limit = 45 if _one_class(cell.source) else 30
            assert len(cell.source.splitlines()) <= limit, f"{path.name} cell {index} is over {limit} lines"


def test_cells_meant_to_fail_let_jupyterlab_run_on(notebook):
    # nbval reads the NBVAL_RAISES_EXCEPTION comment; JupyterLab's Run All stops at the first
    # error unless the cell carries the tag raises-exception (make test-lab checks a Run All).
    path, nb = notebook
    untagged = [i for i, cell in enumerate(nb.cells)
                if cell.cell_type == "code" and "NBVAL_RAISES_EXCEPTION" in cell.source
                and "raises-exception" not in cell.metadata.get("tags", [])]
    assert untagged == [], (f"{path.name}: cells {untagged} are meant to raise: tag them raises-exception "
                            "(JupyterLab: the property inspector, Cell Tags)")
