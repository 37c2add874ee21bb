r"""The course site: the executed chapters of ``build/`` as a static, searchable web site.

Usage (after ``make course``, or ``make course COURSE_FLAGS=--fast`` for a quick build)::

    python -m segen_course.site build          # or: make site
    python -m http.server -d build/site     # then open http://localhost:8000

The site is built with Sphinx and MyST-NB (chosen because MyST-NB renders notebooks with
their stored outputs and Sphinx gives offline search and navigation, all pure Python and
maintained by the Executable Books and Sphinx projects). :func:`write_sources` writes the
pages into ``build/site-src/``:

- ``index.md``: the home page, with the chapter table (what each chapter teaches, from
  its first cell; its time and key metrics from ``build/report.json``, written by
  :mod:`segen_course.runner`) and the run it comes from;
- ``chapters/NN_*.ipynb``: the *student edition* of each executed chapter
  (:func:`segen_course.editions.student_notebook`: solutions are kept back), with its
  figures;
- ``data.md``: the data sets and their licences (``data/README.md``);
- ``conf.py``, ``favicon.svg`` and ``_static/`` (the style sheet), copied from ``site/`` (MathJax comes with the site
  through the ``sphinx-mathjax-offline`` extension: the equations render without a network).

:func:`build` then runs Sphinx with the configuration ``site/conf.py`` (copied beside
the pages) into ``build/site/``. ``tests/test_site_browser.py`` opens the result in headless Chromium.

Introduced for instructors and learners alongside the student edition (``make student``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat

from segen_course.editions import student_notebook
from segen_course.report import check_mark
from segen_course.runner import BUILD_DIR, CHAPTER_PATTERN, NOTEBOOKS_DIR, REPO_ROOT, list_chapters

__all__ = ["CONF_DIR", "chapter_summary", "load_report", "write_sources", "build", "main"]

CONF_DIR = REPO_ROOT / "site"
DATA_README = REPO_ROOT / "data" / "README.md"


def chapter_summary(notebook) -> tuple[str, str]:
    """A chapter's title and one-paragraph summary, from its first (Markdown) cell.

    Returns:
        ``(title, summary)``: the ``# NN · Title`` line without ``# ``, and the first
        paragraph after it without emphasis markers, on one line.

    Raises:
        ValueError: if the first cell is not Markdown starting with a ``# `` title.

    Example:
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        ...     "# 02 · U-Net\\n*Label every\\npixel.*\\n\\n**You will learn**")])
        >>> chapter_summary(nb)
        ('02 · U-Net', 'Label every pixel.')
    """
    first = notebook.cells[0] if notebook.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.startswith("# "):
        raise ValueError("a chapter must start with a Markdown cell whose first line is '# NN · Title'; "
                         f"received {first.source[:40] if first else 'an empty notebook'!r}.")
    title, _, rest = first.source.partition("\n")
    paragraph = rest.strip().split("\n\n")[0]
    summary = " ".join(line.strip() for line in paragraph.splitlines())
    if summary.startswith("*") and summary.endswith("*") and not summary.startswith("**"):
        summary = summary[1:-1]
    return title[2:].strip(), summary


def load_report(build_dir: str | Path = BUILD_DIR) -> dict:
    """The course run's record ``build_dir/report.json``, or ``{}`` when there is none.

    Raises:
        ValueError: if the file exists but is not the runner's JSON.
    """
    path = Path(build_dir) / "report.json"
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}): run `make course` again to rewrite it.") from exc
    if not isinstance(record, dict) or not isinstance(record.get("chapters"), list):
        raise ValueError(f"{path} has no 'chapters' list: run `make course` again to rewrite it.")
    return record


def _cell(text: str) -> str:
    """Text made safe for one cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


def _home_page(chapters: list[tuple[str, str, str]], report: dict) -> str:
    runs = {entry["name"]: entry for entry in report.get("chapters", [])}
    rows = []
    for stem, title, summary in chapters:
        run = runs.get(stem, {})
        checks = run.get("checks", {})
        metrics = "<br>".join(f"{k} = {v}{check_mark(checks.get(k))}"
                              for k, v in run.get("metrics", {}).items()) or "–"
        time_text = (run.get("time") or "–").replace(" ", "\u00a0")
        if run and run.get("status") != "ok":
            time_text = f"{time_text} ({run.get('status')})"
        rows.append(f"| [{_cell(title)}](chapters/{stem}.ipynb) | {_cell(summary)} | {time_text} | "
                    f"{_cell(metrics)} |")
    if report:
        mode = report.get("mode", "?")
        run_line = (f"Built from the course run of {report.get('date', '?')} in **{mode} mode** "
                    f"(Python {report.get('python', '?')}, {report.get('cpu_cores', '?')} CPU cores).")
        if mode == "fast":
            run_line += (" Fast mode trains for seconds to test the code: its numbers and figures are "
                         "not the chapters' results. `make course` runs the course in learner mode.")
    else:
        run_line = "No run record (`build/report.json`) was found: times and metrics are missing."
    toctree = "\n".join(f"chapters/{stem}" for stem, _, _ in chapters)
    return f"""# segen: image segmentation and generation

A course on image segmentation (U-Net) and image generation (GANs) with TensorFlow and
Keras 3. Every chapter runs offline, on a laptop CPU in minutes or on a GPU.

{run_line}

{{.segen-chapters}}
| chapter | what it teaches | time | key metrics |
|---|---|---|---|
{chr(10).join(rows)}

The chapters are shown as learners receive them (the student edition): each ends with
exercises; the solutions are in the repository's notebooks. The data sets and their
licences are on the [data page](data.md).

```{{toctree}}
:hidden:
:maxdepth: 1

{toctree}
data
```
"""


def _data_page() -> str:
    text = DATA_README.read_text(encoding="utf-8")
    # Links to the repository's files mean nothing on the site: keep their text only.
    text = re.sub(r"\[([^\]]+)\]\((?!https?://)[^)]+\)", r"\1", text)
    return re.sub(r"^# .*$", "# Data sets and licences", text, count=1, flags=re.M)


def write_sources(build_dir: str | Path = BUILD_DIR, source_dir: str | Path | None = None,
                  conf_dir: str | Path = CONF_DIR, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> Path:
    """Write the site's pages (see the module docstring) and return their folder.

    Args:
        build_dir: the course run's output (``build/notebooks/NN_*.ipynb``, ``report.json``).
        source_dir: where the pages go (default ``build_dir/site-src``); emptied first.
        conf_dir: the folder of the Sphinx configuration ``conf.py``, copied beside them.
        notebooks_dir: the course's chapters; an executed notebook in ``build_dir`` whose
            chapter the course no longer has (left by a run before a chapter was renamed)
            is left out.

    Raises:
        FileNotFoundError: if ``build_dir/notebooks`` holds no executed chapter.
        ValueError: a chapter without a title cell, or a broken run record.
    """
    build_dir, conf_dir = Path(build_dir), Path(conf_dir)
    if not (conf_dir / "conf.py").is_file():
        raise FileNotFoundError(f"no Sphinx configuration {conf_dir / 'conf.py'}: the repository's is site/conf.py.")
    current = {path.name for path in list_chapters(notebooks_dir)}
    executed = sorted(p for p in (build_dir / "notebooks").glob("*.ipynb")
                      if CHAPTER_PATTERN.match(p.name) and p.name in current)
    if not executed:
        raise FileNotFoundError(f"no executed chapters in {build_dir / 'notebooks'}: run `make course` "
                                "(or `make course COURSE_FLAGS=--fast` for a quick build) first.")
    source = Path(source_dir) if source_dir is not None else build_dir / "site-src"
    if source.exists():
        shutil.rmtree(source)
    (source / "chapters").mkdir(parents=True)
    chapters = []
    for path in executed:
        notebook = nbformat.read(path, as_version=4)
        title, summary = chapter_summary(notebook)
        nbformat.write(student_notebook(notebook), source / "chapters" / path.name)
        chapters.append((path.stem, title, summary))
    (source / "index.md").write_text(_home_page(chapters, load_report(build_dir)), encoding="utf-8")
    (source / "data.md").write_text(_data_page(), encoding="utf-8")
    shutil.copytree(conf_dir / "_static", source / "_static")
    for name in ("conf.py", "favicon.svg"):
        shutil.copy(conf_dir / name, source / name)
    return source


def build(build_dir: str | Path = BUILD_DIR, out_dir: str | Path | None = None,
          conf_dir: str | Path = CONF_DIR, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> Path:
    """Write the pages and build the HTML site with Sphinx; return the site's folder.

    Args:
        build_dir: the course run's output folder.
        out_dir: the site (default ``build_dir/site``); rebuilt from scratch.
        conf_dir: the folder of ``conf.py``.
        notebooks_dir: the course's chapters (see :func:`write_sources`).

    Raises:
        FileNotFoundError: no executed chapters (see :func:`write_sources`).
        RuntimeError: if Sphinx fails, with its warnings file's path.
    """
    from sphinx.cmd.build import build_main

    build_dir = Path(build_dir)
    source = write_sources(build_dir, conf_dir=conf_dir, notebooks_dir=notebooks_dir)
    out = Path(out_dir) if out_dir is not None else build_dir / "site"
    if out.exists():
        shutil.rmtree(out)
    warnings = build_dir / "site-warnings.txt"
    status = build_main(["-b", "html", "-q", "-E", "-w", str(warnings),
                         "-d", str(build_dir / "site-doctrees"), str(source), str(out)])
    if status != 0:
        raise RuntimeError(f"Sphinx failed with status {status}; its warnings are in {warnings}.")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m segen_course.site build [--build DIR] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m segen_course.site", description="Build the course site.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("build", help="build/site/ from the executed chapters in build/")
    command.add_argument("--build", type=Path, default=BUILD_DIR, help="the course run's output folder")
    command.add_argument("--out", type=Path, default=None, help="the site's folder (default BUILD/site)")
    args = parser.parse_args(argv)
    try:
        out = build(args.build, args.out)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"site: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
