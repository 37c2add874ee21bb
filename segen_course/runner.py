r"""Run the whole course headless: every notebook in a fresh kernel, then a report.

Usage (from anywhere; paths default to the repository this package lives in)::

    python -m segen_course run                 # learner mode, every chapter
    python -m segen_course run --fast          # SEGEN_FAST=1 for every kernel
    python -m segen_course run --only 01 03    # chapters by number or name prefix
    python -m segen_course run --timeout 600   # seconds allowed per cell

``make course`` calls it (``make course COURSE_FLAGS="--fast --only 01"``).

Each ``notebooks/NN_*.ipynb`` is executed in order with :mod:`nbclient` (kernel
``python3``, working directory ``notebooks/``), one fresh kernel per chapter, under
a progress bar. Outputs:

- ``build/notebooks/NN_*.ipynb``: the executed notebooks (also for a failed chapter,
  up to the failing cell);
- ``build/html/NN_*.html``: the same rendered with nbconvert;
- ``build/logs/NN_*.log``: what the chapter's kernel process itself wrote (TensorFlow's
  and XLA's start-up logging, e.g. "Could not find cuda drivers" on a machine without a
  GPU), kept out of the terminal, which shows only the progress bar and each chapter's
  result; a cell's own output, warnings and errors included, stays in the notebook;
- ``build/report.md``: one table row per chapter (status, wall time, key metrics),
  then, for each failed chapter, the failing cell (index, first lines of its source,
  error name and message; when the kernel died, the end of its log).

A failing chapter does not stop the others; the exit status is 1 if any failed.
A notebook that cannot be read (broken JSON, not a notebook) is a failed chapter too,
reported with the reader's error and the file's path. A cell that runs longer than
``--timeout`` fails its chapter with ``CellTimeoutError``.

**Stopping a run.** Ctrl-C (SIGINT) or SIGTERM stops the whole run, not just the
running chapter: its kernel is shut down, the chapter is reported as ``interrupted``
(with the cell it was in), the chapters after it as ``not run``, the report is still
written, and the command exits with status 130 (SIGINT) or 143 (SIGTERM).

**Key metrics.** A notebook reports a number worth putting in the report by
printing one line of the form ``SEGEN_METRIC name=value`` (``name``: letters, digits,
``_ . -``; ``value``: no spaces), most simply with :func:`segen_lib.runtime.report_metric`::

    from segen_lib.runtime import report_metric
    report_metric("test_accuracy", accuracy)   # prints: SEGEN_METRIC test_accuracy=0.9012

The runner collects every such line printed to a cell's standard output; a name
reported twice keeps its last value. Report the one or two numbers the chapter
promises (accuracy, IoU, Fréchet distance), once, near the end of the notebook.

**Cells meant to fail.** A code cell containing ``# NBVAL_RAISES_EXCEPTION`` (the
nbval marker) or tagged ``raises-exception`` may raise without failing the chapter.
Cells marked ``# NBVAL_SKIP`` are still executed here: the runner runs the full
course.

Introduced with ``notebooks/00_setup.ipynb``. The report is written by
:mod:`segen_course.report`; stopping a run by a signal is handled by
:mod:`segen_course.stop`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from segen_course.report import (ChapterResult, collect_checks, collect_metrics, format_metrics,
                                 format_seconds, write_report)
from segen_course.stop import (CourseInterrupted, execute_stoppably, install_stop_handlers,
                               restore_stop_handlers, stopped_here)

__all__ = ["run_course", "run_chapter", "list_chapters", "select_chapters", "chapter_line", "main",
           "ChapterResult", "CourseInterrupted", "format_seconds", "write_report"]

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
BUILD_DIR = REPO_ROOT / "build"
CHAPTER_PATTERN = re.compile(r"^(\d\d)_[A-Za-z0-9_\-]+\.ipynb$")
RAISES_MARKER = "NBVAL_RAISES_EXCEPTION"
DEFAULT_TIMEOUT = 1800  # seconds per cell


def list_chapters(notebooks_dir: str | Path = NOTEBOOKS_DIR) -> list[Path]:
    """The chapter notebooks ``NN_*.ipynb`` of ``notebooks_dir``, in order."""
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"notebooks folder {folder} does not exist.")
    return sorted(p for p in folder.iterdir() if p.is_file() and CHAPTER_PATTERN.match(p.name))


def select_chapters(chapters: list[Path], only: list[str] | None) -> list[Path]:
    """Keep the chapters named in ``only`` (numbers like ``1``/``01`` or name prefixes).

    Raises:
        ValueError: for a name that matches no chapter, listing the available ones, or an
            ``only`` that names nothing (``[""]``).
    """
    if only is None or (isinstance(only, (list, tuple)) and not only):
        return list(chapters)
    tokens = [t.strip() for item in only for t in str(item).split(",") if t.strip()]
    if not tokens:
        raise ValueError(f"--only was given {only!r}, which names no chapter: name one or more, e.g. "
                         "--only 05 or --only 01,03, or leave --only out to run every chapter.")
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
    env["SEGEN_HEADLESS"] = "1"   # no front end: widgets show static figures (segen_lib.viz.widgets)
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
        A :class:`ChapterResult`. A notebook that cannot be read (broken JSON, not a
        notebook) gives a failed result naming the file, with the reader's exception
        type as ``error_name``; nothing is written for it. A cell running longer than
        ``timeout`` gives ``error_name == "CellTimeoutError"``.

    Raises:
        CourseInterrupted: when a handler installed by :func:`run_course` receives
            SIGINT/SIGTERM during the chapter. The kernel is shut down and the
            executed part is written first; the exception's ``results`` holds this
            chapter's result (status ``"interrupted"``, with the running cell).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    start = time.perf_counter()
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - broken JSON, invalid notebook: a failed chapter
        return ChapterResult(
            name=path.stem, ok=False, seconds=time.perf_counter() - start, readable=False,
            error_name=type(exc).__name__,
            error_message=f"{path} could not be read as a notebook ({exc}); "
                          f"fix or restore the file.")
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
    error: BaseException | None = None
    interrupted: CourseInterrupted | None = None
    log_path = Path(build_dir) / "logs" / f"{path.stem}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        try:
            execute_stoppably(client, _kernel_env(fast), log=log)
        except CourseInterrupted as exc:
            interrupted = exc
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the course goes on
            error = exc
    seconds = time.perf_counter() - start
    result = ChapterResult(name=path.stem, ok=error is None and interrupted is None,
                           seconds=seconds, metrics=collect_metrics(notebook),
                           checks=collect_checks(notebook),
                           kernel_log=str(log_path))
    index = current["index"]
    if interrupted is not None:
        result.interrupted = True
        result.cell_index = index
        result.cell_source = notebook.cells[index].source if index is not None else ""
        result.error_name = "CourseInterrupted"
        result.error_message = stopped_here(interrupted)
    elif error is not None:
        result.cell_index = index
        if index is not None:
            cell = notebook.cells[index]
            result.cell_source = cell.source
            result.error_name, result.error_message = _error_of(cell)
        if isinstance(error, CellTimeoutError):
            # The kernel's KeyboardInterrupt from the shutdown is not the cause.
            result.error_name = "CellTimeoutError"
            result.error_message = (f"cell {index} exceeded the --timeout of {timeout} s; "
                                    f"allow more seconds per cell with --timeout.")
        elif not result.error_name:
            result.error_name = getattr(error, "ename", None) or type(error).__name__
            lines = str(error).strip().splitlines()
            result.error_message = getattr(error, "evalue", None) or (lines[-1] if lines else "")
        if type(error).__name__ == "DeadKernelError":
            result.error_message += (f"; the kernel process died. The end of its log "
                                     f"({log_path}):\n" + _log_tail(log_path))
    if interrupted is not None:
        try:
            _write_outputs(notebook, path.name, build_dir)
        except CourseInterrupted:
            pass  # a second signal: skip the outputs, keep the report
        interrupted.results = [result]
        raise interrupted
    _write_outputs(notebook, path.name, build_dir)
    return result


def _log_tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a kernel log, indented as a Markdown code block."""
    try:
        tail = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "    (the log could not be read)"
    return "\n".join("    " + line for line in tail) or "    (the log is empty)"


def chapter_line(result: ChapterResult) -> str:
    """One line for the terminal: the chapter, its status and time, its metrics or its error.

    Example:
        >>> chapter_line(ChapterResult(name="01_cnn_basics", ok=True, seconds=86.0,
        ...                            metrics={"test_accuracy": "0.8912"}))
        '01_cnn_basics: ok in 1 min 26 s (test_accuracy=0.8912)'
    """
    line = f"{result.name}: {result.status} in {format_seconds(result.seconds)}"
    if result.ok and result.metrics:
        line += " (" + format_metrics(result).replace("**", "") + ")"
    elif not result.ok and result.error_name:
        where = f"cell {result.cell_index}: " if result.cell_index is not None else ""
        first = result.error_message.splitlines()[0] if result.error_message else ""
        line += f"; {where}{result.error_name}: {first}"
    return line


def _write_outputs(notebook, filename: str, build_dir: Path) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    (build_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    (build_dir / "html").mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, build_dir / "notebooks" / filename)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    (build_dir / "html" / filename.replace(".ipynb", ".html")).write_text(body, encoding="utf-8")


def run_course(only: list[str] | None = None, fast: bool = False, timeout: int = DEFAULT_TIMEOUT,
               notebooks_dir: str | Path = NOTEBOOKS_DIR, build_dir: str | Path = BUILD_DIR,
               progress: bool = True) -> list[ChapterResult]:
    """Execute the chosen chapters one after another and write build/ (see module docstring).

    While it runs, SIGINT (Ctrl-C) and SIGTERM stop the whole run (handlers installed
    for its duration, from the main thread, and restored afterwards): the running
    chapter's kernel is shut down, that chapter is reported as ``"interrupted"``, the
    later ones as ``"not run"``, and the report is written before
    :class:`CourseInterrupted` is raised.

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
        ValueError: for an unknown chapter in ``only``, a non-positive ``timeout``, or a
            ``build_dir`` whose ``notebooks/`` is the chapters folder (the executed copies
            would overwrite the notebooks).
        CourseInterrupted: when SIGINT or SIGTERM stopped the run; its ``results`` and
            ``report`` hold what was written.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, received {timeout!r}.")
    from tqdm.auto import tqdm

    build_dir = Path(build_dir).resolve()
    source = Path(notebooks_dir).resolve()
    written = build_dir / "notebooks"
    if written == source:
        raise ValueError(f"build_dir {str(build_dir)!r} would write the executed chapters into "
                         f"{str(written)!r}, over the chapters themselves: the stored notebooks, "
                         "without outputs, would be lost. Pick another folder, e.g. the default build/.")
    chapters = select_chapters(list_chapters(notebooks_dir), only)
    if not chapters:
        raise ValueError(f"no chapter notebooks (NN_name.ipynb) in {notebooks_dir}.")
    results: list[ChapterResult] = []
    stopped: CourseInterrupted | None = None
    start = time.perf_counter()
    previous = install_stop_handlers()
    try:
        started, chapter_start = 0, start  # chapters begun; when the last one began
        try:
            with tqdm(total=len(chapters), desc="course", unit="chapter",
                      disable=not progress) as bar:
                for path in chapters:
                    started, chapter_start = started + 1, time.perf_counter()
                    results.append(run_chapter(path, build_dir, fast=fast, timeout=timeout,
                                               progress=bar))
                    bar.update()
                    bar.write(chapter_line(results[-1]))
        except CourseInterrupted as exc:
            stopped = exc
            if exc.results:  # run_chapter's result, with the running cell
                results.extend(exc.results)
            elif len(results) < started:  # begun, stopped outside its cells
                results.append(ChapterResult(
                    name=chapters[len(results)].stem, ok=False,
                    seconds=time.perf_counter() - chapter_start,
                    interrupted=True, error_name="CourseInterrupted",
                    error_message=stopped_here(exc)))
            results += [ChapterResult(name=path.stem, ok=False, seconds=0.0, ran=False)
                        for path in chapters[len(results):]]
        report = write_report(results, build_dir, fast, time.perf_counter() - start,
                              stopped_by=stopped.signal_name if stopped else None)
    finally:
        restore_stop_handlers(previous)
    if stopped is not None:
        stopped.results, stopped.report = results, report
        raise stopped
    return results


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring).

    Returns:
        The exit status: 0 if every chapter passed, 1 if one failed, 130 / 143 when
        SIGINT / SIGTERM stopped the run; 2 (by ``argparse``) for bad arguments.
    """
    parser = argparse.ArgumentParser(prog="python -m segen_course",
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
    except CourseInterrupted as exc:
        print(f"report: {exc.report}")
        where = [r.name for r in exc.results if r.interrupted]
        not_run = [r.name for r in exc.results if not r.ran]
        print(f"stopped by {exc.signal_name}" + (f" during {where[0]}" if where else "")
              + f"; not run: {', '.join(not_run) or 'none'}", file=sys.stderr)
        return exc.exit_status
    report = Path(args.build).resolve() / "report.md"
    failed = [r.name for r in results if not r.ok]
    print(f"report: {report}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
