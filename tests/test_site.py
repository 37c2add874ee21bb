"""segen_course.site: the pages of the course site and its Sphinx build, on a throwaway build/."""

import base64
import io
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

from segen_course import site  # noqa: E402


def _png() -> str:
    figure, axis = plt.subplots(figsize=(1, 1))
    axis.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _executed(stem: str, title: str) -> nbformat.NotebookNode:
    plot = new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": _png(),
                                                                               "text/plain": "<Figure>"})])
    solution = new_code_cell("answer = 42", outputs=[new_output("stream", name="stdout", text="42\n")])
    solution.metadata["tags"] = ["solution"]
    heading = new_markdown_cell("## Solutions")
    heading.metadata["tags"] = ["solution"]
    return new_notebook(cells=[
        new_markdown_cell(f"# {title}\n*What it | teaches,\non two lines.*\n\n**You will learn**"),
        new_markdown_cell("The loss is $L = -\\log D(x)$."), plot,
        new_markdown_cell("## Summary\n\n## Exercises\n\n1. Compute it.\n2. Explain it."),
        *_answered(1), *_answered(2), heading, solution])


def _answered(k: int) -> list:
    """Exercise k's answer cell (tagged ``answer``) and its check."""
    answer = new_code_cell(f"answer_{k} = {k}  # SOLUTION")
    answer.metadata["tags"] = ["answer"]
    return [answer, new_code_cell(f'grader.check("exercise_{k}")')]


@pytest.fixture
def build_dir(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for stem, title in (("00_intro", "00 · Intro"), ("01_more", "01 · More")):
        nbformat.write(_executed(stem, title), tmp_path / "notebooks" / f"{stem}.ipynb")
    record = {"date": "2026-11-30 12:00 UTC", "mode": "fast", "python": "3.11.7", "cpu_cores": 2,
              "chapters": [{"name": "00_intro", "status": "ok", "seconds": 12.5, "time": "12.5 s",
                            "metrics": {"test_accuracy": "0.9"}},
                           {"name": "01_more", "status": "failed", "seconds": 3.0, "time": "3.0 s",
                            "metrics": {}}]}
    (tmp_path / "report.json").write_text(json.dumps(record))
    return tmp_path


def test_home_page_has_one_row_per_chapter_with_time_and_metrics(build_dir):
    source = site.write_sources(build_dir, notebooks_dir=build_dir / 'notebooks')
    home = (source / "index.md").read_text()
    assert "| [00 · Intro](chapters/00_intro.ipynb) | What it \\| teaches, on two lines. | 12.5\u00a0s | " \
           "test_accuracy = 0.9 |" in home and "{.segen-chapters}" in home
    assert "| [01 · More](chapters/01_more.ipynb) |" in home and "3.0\u00a0s (failed) | – |" in home
    assert "**fast mode**" in home and "not the chapters' results" in home
    assert "chapters/00_intro\nchapters/01_more\ndata" in home


def test_chapter_pages_are_the_student_edition_and_the_data_page_has_no_repository_links(build_dir):
    source = site.write_sources(build_dir, notebooks_dir=build_dir / 'notebooks')
    page = nbformat.read(source / "chapters" / "00_intro.ipynb", as_version=4)
    assert len(page.cells) == 8 and "answer = 42" not in str(page)
    assert page.cells[4].source == "answer_1 = ..." and "answer_1 = 1" not in str(page)
    assert page.cells[2].outputs[0]["data"]["image/png"]
    data = (source / "data.md").read_text()
    assert data.startswith("# Data sets and licences") and "](" not in data.replace("](http", "")
    assert (source / "conf.py").is_file() and (source / "favicon.svg").is_file()


def test_an_executed_chapter_the_course_no_longer_has_is_left_out(build_dir, tmp_path_factory):
    # build/notebooks keeps the executed copy of a chapter since renamed (05_old_name); the
    # site shows the course's chapters only.
    nbformat.write(_executed("05_old_name", "05 · Old name"), build_dir / "notebooks" / "05_old_name.ipynb")
    course = tmp_path_factory.mktemp("course")
    for stem in ("00_intro", "01_more"):
        (course / f"{stem}.ipynb").write_text("{}")
    source = site.write_sources(build_dir, notebooks_dir=course)
    assert sorted(p.name for p in (source / "chapters").iterdir()) == ["00_intro.ipynb", "01_more.ipynb"]
    assert "Old name" not in (source / "index.md").read_text()


def test_without_a_run_the_page_says_so(build_dir):
    (build_dir / "report.json").unlink()
    home = (site.write_sources(build_dir, notebooks_dir=build_dir / 'notebooks') / "index.md").read_text()
    assert "No run record" in home and "| – | – |" in home


def test_missing_chapters_and_broken_records_are_refused(tmp_path, build_dir):
    with pytest.raises(FileNotFoundError, match="make course"):
        site.write_sources(tmp_path / "empty", notebooks_dir=build_dir / 'notebooks')
    (build_dir / "report.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        site.load_report(build_dir)
    (build_dir / "report.json").write_text("[]")
    with pytest.raises(ValueError, match="no 'chapters' list"):
        site.load_report(build_dir)
    with pytest.raises(ValueError, match="# NN · Title"):
        site.chapter_summary(new_notebook(cells=[new_code_cell("x = 1")]))


def test_sphinx_builds_a_page_per_chapter_with_its_figure_and_search(build_dir):
    out = site.build(build_dir, notebooks_dir=build_dir / 'notebooks')
    home = (out / "index.html").read_text()
    assert 'href="chapters/00_intro.html"' in home and 'href="data.html"' in home
    chapter = (out / "chapters" / "00_intro.html").read_text()
    assert "_images/" in chapter and "answer = 42" not in chapter
    assert "_static/mathjax/tex-chtml.js" in chapter and "cdn" not in chapter.lower()
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (out / "searchindex.js").is_file() and (out / "search.html").is_file()
    assert site.main(["build", "--build", str(build_dir / "nothing")]) == 1
