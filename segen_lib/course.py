r"""Run the whole course headless: every notebook in a fresh kernel, then a report.

Usage (from anywhere; paths default to the repository this package lives in)::

    python -m segen_lib.course run                 # learner mode, every chapter
    python -m segen_lib.course run --fast          # SEGEN_FAST=1 for every kernel
    python -m segen_lib.course run --only 01 03    # chapters by number or name prefix
    python -m segen_lib.course run --timeout 600   # seconds allowed per cell

``make course`` calls it (``make course COURSE_FLAGS="--fast --only 01"``).

Each ``notebooks/NN_*.ipynb`` is executed in order with :mod:`nbclient` (kernel
``python3``, working directory ``notebooks/``), one fresh kernel per chapter, under
a progress bar. Outputs:

- ``build/notebooks/NN_*.ipynb``: the executed notebooks (also for a failed chapter,
  up to the failing cell);
- ``build/html/NN_*.html``: the same rendered with nbconvert;
- ``build/report.md``: one table row per chapter (status, wall time, key metrics),
  then, for each failed chapter, the failing cell (index, first lines of its source,
  error name and message).

A failing chapter does not stop the others; the exit status is 1 if any failed.

**Key metrics.** A notebook reports a number worth putting in the report by
printing one line of the form ``SEGEN_METRIC name=value`` (``name``: letters, digits,
``_ . -``; ``value``: no spaces), most simply with :func:`report_metric`::

    from segen_lib.course import report_metric
    report_metric("test_accuracy", accuracy)   # prints: SEGEN_METRIC test_accuracy=0.9012

The runner collects every such line printed to a cell's standard output; a name
reported twice keeps its last value. Report the one or two numbers the chapter
promises (accuracy, IoU, Fréchet distance), once, near the end of the notebook.

**Cells meant to fail.** A code cell containing ``# NBVAL_RAISES_EXCEPTION`` (the
nbval marker) or tagged ``raises-exception`` may raise without failing the chapter.
Cells marked ``# NBVAL_SKIP`` are still executed here: the runner runs the full
course.

Introduced with ``notebooks/00_setup.ipynb`` (issue "course foundation").
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
BUILD_DIR = REPO_ROOT / "build"
CHAPTER_PATTERN = re.compile(r"^(\d\d)_[A-Za-z0-9_\-]+\.ipynb$")
METRIC_PATTERN = re.compile(r"^SEGEN_METRIC\s+([A-Za-z0-9_.\-]+)=(\S+)\s*$", re.MULTILINE)
RAISES_MARKER = "NBVAL_RAISES_EXCEPTION"
DEFAULT_TIMEOUT = 1800  # seconds per cell


def report_metric(name: str, value: float, digits: int = 4) -> str:
    """Print a key metric in the form the course runner collects into build/report.md.

    Args:
        name: metric name, e.g. ``"test_accuracy"`` (letters, digits, ``_ . -``).
        value: a number (formatted with ``digits`` significant digits) or a string
            without spaces.
        digits: significant digits for a float.

    Returns:
        The printed line, e.g. ``"SEGEN_METRIC test_accuracy=0.9012"``.

    Example:
        >>> line = report_metric("test_accuracy", 0.90123)
        SEGEN_METRIC test_accuracy=0.9012
    """
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", str(name)):
        raise ValueError(f"metric name must use only letters, digits, '_', '.', '-'; received {name!r}.")
    if isinstance(value, str):
        text = value
    else:
        text = f"{float(value):.{digits}g}"
    if not text or any(ch.isspace() for ch in text):
        raise ValueError(f"metric value must be a number or a string without spaces, received {value!r}.")
    line = f"SEGEN_METRIC {name}={text}"
    print(line)
    return line


def list_chapters(notebooks_dir: str | Path = NOTEBOOKS_DIR) -> list[Path]:
    """The chapter notebooks ``NN_*.ipynb`` of ``notebooks_dir``, in order."""
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"notebooks folder {folder} does not exist.")
    return sorted(p for p in folder.iterdir() if p.is_file() and CHAPTER_PATTERN.match(p.name))


def select_chapters(chapters: list[Path], only: list[str] | None) -> list[Path]:
    """Keep the chapters named in ``only`` (numbers like ``1``/``01`` or name prefixes).

    Raises:
        ValueError: for a name that matches no chapter, listing the available ones.
    """
    if not only:
        return list(chapters)
    tokens = [t.strip() for item in only for t in str(item).split(",") if t.strip()]
    chosen: list[Path] = []
    for token in tokens:
        key = token[:-6] if token.endswith(".ipynb") else token
        if key.isdigit():
            matches = [p for p in chapters if p.name[:2] == f"{int(key):02d}"]
        else:
            matches = [p for p in chapters if p.stem.startswith(key)]
        if not matches:
            available = ", ".join(p.stem for p in chapters) or "none"
            raise ValueError(f"unknown chapter {token!r}; available chapters: {available}.")
        chosen.extend(m for m in matches if m not in chosen)
    return sorted(chosen)


@dataclass
class ChapterResult:
    """Outcome of one executed notebook."""

    name: str
    ok: bool
    seconds: float
    metrics: dict[str, str] = field(default_factory=dict)
    cell_index: int | None = None  # index among all cells of the failing cell
    cell_source: str = ""
    error_name: str = ""
    error_message: str = ""

    @property
    def status(self) -> str:
        return "ok" if self.ok else "failed"


def collect_metrics(notebook) -> dict[str, str]:
    """``{name: value}`` of every ``SEGEN_METRIC name=value`` line printed in ``notebook``."""
    metrics: dict[str, str] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                for name, value in METRIC_PATTERN.findall(text):
                    metrics[name] = value
    return metrics


def _mark_expected_errors(notebook) -> None:
    """Tag nbval's ``# NBVAL_RAISES_EXCEPTION`` cells so nbclient lets them raise."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and RAISES_MARKER in cell.source:
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")


def _error_of(cell) -> tuple[str, str]:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", ""), output.get("evalue", "")
    return "", ""


def _kernel_env(fast: bool) -> dict[str, str]:
    env = dict(os.environ)
    if fast:
        env["SEGEN_FAST"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # The repository must be importable even when segen_lib is not installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def run_chapter(path: Path, build_dir: Path, fast: bool = False, timeout: int = DEFAULT_TIMEOUT,
                progress=None) -> ChapterResult:
    """Execute one notebook in a fresh kernel; write it and its HTML under ``build_dir``.

    Args:
        path: the notebook.
        build_dir: where ``notebooks/`` and ``html/`` are written.
        fast: set ``SEGEN_FAST=1`` for the kernel.
        timeout: seconds allowed per cell.
        progress: optional tqdm bar whose postfix shows the running cell.

    Returns:
        A :class:`ChapterResult`.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    _mark_expected_errors(notebook)
    current = {"index": None}
    total = len(notebook.cells)

    def on_cell_start(cell, cell_index, **_):
        current["index"] = cell_index
        if progress is not None:
            progress.set_postfix_str(f"{path.stem}: cell {cell_index + 1}/{total}")

    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=on_cell_start,
    )
    start = time.perf_counter()
    error: BaseException | None = None
    try:
        client.execute(env=_kernel_env(fast))
    except Exception as exc:  # noqa: BLE001 - any failure is reported, the course goes on
        error = exc
    seconds = time.perf_counter() - start
    result = ChapterResult(name=path.stem, ok=error is None, seconds=seconds,
                           metrics=collect_metrics(notebook))
    if error is not None:
        index = current["index"]
        result.cell_index = index
        if index is not None:
            cell = notebook.cells[index]
            result.cell_source = cell.source
            result.error_name, result.error_message = _error_of(cell)
        if not result.error_name:
            result.error_name = getattr(error, "ename", None) or type(error).__name__
            lines = str(error).strip().splitlines()
            result.error_message = getattr(error, "evalue", None) or (lines[-1] if lines else "")
    _write_outputs(notebook, path.name, build_dir)
    return result


def _write_outputs(notebook, filename: str, build_dir: Path) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    (build_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    (build_dir / "html").mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, build_dir / "notebooks" / filename)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    (build_dir / "html" / filename.replace(".ipynb", ".html")).write_text(body, encoding="utf-8")


def format_seconds(seconds: float) -> str:
    """``"42.0 s"`` below a minute, else ``"3 min 05 s"``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def _source_head(source: str, lines: int = 6) -> str:
    head = source.splitlines()[:lines]
    if len(source.splitlines()) > lines:
        head.append("...")
    return "\n".join(head)


def write_report(results: list[ChapterResult], build_dir: Path, fast: bool,
                 total_seconds: float) -> Path:
    """Write ``build_dir/report.md`` and return its path."""
    inherited = os.environ.get("SEGEN_FAST", "").strip().lower() in ("1", "true", "yes", "on")
    mode = "fast (SEGEN_FAST=1)" if fast or inherited else "learner"
    failed = [r for r in results if not r.ok]
    lines = [
        "# segen course run",
        "",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- mode: {mode}",
        f"- Python {sys.version.split()[0]}, {os.cpu_count()} CPU cores",
        f"- chapters: {len(results)} run, {len(results) - len(failed)} ok, {len(failed)} failed;"
        f" total {format_seconds(total_seconds)}",
        "",
        "| chapter | status | time | key metric |",
        "|---|---|---|---|",
    ]
    for r in results:
        metric = ", ".join(f"{k}={v}" for k, v in r.metrics.items()) or "–"
        lines.append(f"| {r.name} | {r.status} | {format_seconds(r.seconds)} | {metric} |")
    if failed:
        lines += ["", "## Failures"]
        for r in failed:
            where = (f"cell {r.cell_index} (index from 0, Markdown cells counted)"
                     if r.cell_index is not None else "before the first cell")
            lines += ["", f"### {r.name}: {where}", "",
                      f"**{r.error_name}**: {r.error_message}", ""]
            if r.cell_source:
                lines += ["```python", _source_head(r.cell_source), "```"]
            lines += ["", f"Executed notebook: `notebooks/{r.name}.ipynb`, "
                          f"rendered: `html/{r.name}.html` (under the build folder)."]
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_course(only: list[str] | None = None, fast: bool = False, timeout: int = DEFAULT_TIMEOUT,
               notebooks_dir: str | Path = NOTEBOOKS_DIR, build_dir: str | Path = BUILD_DIR,
               progress: bool = True) -> list[ChapterResult]:
    """Execute the chosen chapters one after another and write build/ (see module docstring).

    Args:
        only: chapter numbers or name prefixes (``["01", "03"]``); ``None``: all.
        fast: run every kernel with ``SEGEN_FAST=1``.
        timeout: seconds allowed per cell.
        notebooks_dir: folder of the ``NN_*.ipynb`` notebooks.
        build_dir: output folder.
        progress: show a tqdm progress bar.

    Returns:
        One :class:`ChapterResult` per chapter, in order.

    Raises:
        ValueError: for an unknown chapter in ``only``, or a non-positive ``timeout``.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, received {timeout!r}.")
    from tqdm.auto import tqdm

    build_dir = Path(build_dir).resolve()
    chapters = select_chapters(list_chapters(notebooks_dir), only)
    if not chapters:
        raise ValueError(f"no chapter notebooks (NN_name.ipynb) in {notebooks_dir}.")
    results = []
    start = time.perf_counter()
    with tqdm(chapters, desc="course", unit="chapter", disable=not progress) as bar:
        for path in bar:
            result = run_chapter(path, build_dir, fast=fast, timeout=timeout, progress=bar)
            results.append(result)
            bar.write(f"{result.name}: {result.status} in {format_seconds(result.seconds)}")
    write_report(results, build_dir, fast, time.perf_counter() - start)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segen_lib.course",
                                     description="Run the course notebooks headless.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute the notebooks, write build/")
    run.add_argument("--fast", action="store_true", help="fast mode: SEGEN_FAST=1 for every kernel")
    run.add_argument("--only", nargs="+", metavar="CHAPTER",
                     help="chapter numbers or name prefixes, e.g. --only 00 01")
    run.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                     help=f"seconds allowed per cell (default {DEFAULT_TIMEOUT})")
    run.add_argument("--notebooks", type=Path, default=NOTEBOOKS_DIR,
                     help="folder of the chapter notebooks (default: the repository's notebooks/)")
    run.add_argument("--build", type=Path, default=BUILD_DIR,
                     help="output folder (default: the repository's build/)")
    args = parser.parse_args(argv)
    try:
        results = run_course(only=args.only, fast=args.fast, timeout=args.timeout,
                             notebooks_dir=args.notebooks, build_dir=args.build)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    report = Path(args.build).resolve() / "report.md"
    failed = [r.name for r in results if not r.ok]
    print(f"report: {report}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
