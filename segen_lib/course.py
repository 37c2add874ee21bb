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
A notebook that cannot be read (broken JSON, not a notebook) is a failed chapter too,
reported with the reader's error and the file's path. A cell that runs longer than
``--timeout`` fails its chapter with ``CellTimeoutError``.

**Stopping a run.** Ctrl-C (SIGINT) or SIGTERM stops the whole run, not just the
running chapter: its kernel is shut down, the chapter is reported as ``interrupted``
(with the cell it was in), the chapters after it as ``not run``, the report is still
written, and the command exits with status 130 (SIGINT) or 143 (SIGTERM).

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
import asyncio
import os
import re
import signal
import sys
import threading
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
STOP_SIGNALS = ("SIGINT", "SIGTERM")  # the signals that stop a run (those this platform has)
KERNEL_STOP_SECONDS = 30  # how long an interrupted chapter's kernel gets to shut down


class CourseInterrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT, i.e. Ctrl-C, or SIGTERM).

    Raised by the handlers :func:`run_course` installs while it runs, and raised again
    by :func:`run_course` once the report is written. It derives from
    ``KeyboardInterrupt`` so that ``except Exception`` clauses and event loops let it
    through, as they do Ctrl-C.

    Attributes:
        signum: the signal number.
        signal_name: ``"SIGINT"`` or ``"SIGTERM"``.
        exit_status: ``128 + signum``, the shell's convention: 130 for SIGINT, 143 for
            SIGTERM.
        results: the :class:`ChapterResult` list of the run (set by :func:`run_course`).
        report: the path of the written report (set by :func:`run_course`).
    """

    def __init__(self, signum: int):
        self.signum = int(signum)
        try:
            self.signal_name = signal.Signals(self.signum).name
        except ValueError:
            self.signal_name = f"signal {self.signum}"
        self.exit_status = 128 + self.signum
        self.results: list[ChapterResult] = []
        self.report: Path | None = None
        super().__init__(f"the course run was stopped by {self.signal_name}")


def _raise_interrupted(signum, frame) -> None:
    raise CourseInterrupted(signum)


def _stopped_here(stop: CourseInterrupted) -> str:
    return (f"the run was stopped by {stop.signal_name} here; "
            f"the chapters after this one were not run.")


class _SignalsToRunner(asyncio.SelectorEventLoop):
    """The event loop a chapter runs on: it leaves SIGINT and SIGTERM to the runner.

    nbclient installs its own SIGINT/SIGTERM handlers on the event loop for each
    notebook (they only shut that kernel down, and removing them afterwards resets the
    signals to Python's defaults); here they are ignored, so the handlers of
    :func:`run_course` stay in force during the whole run.
    """

    def add_signal_handler(self, sig, callback, *args) -> None:
        return None

    def remove_signal_handler(self, sig) -> bool:
        return False


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
    readable: bool = True  # False: the notebook file could not be read, nothing ran
    interrupted: bool = False  # True: SIGINT/SIGTERM stopped the run in this chapter
    ran: bool = True  # False: the run was stopped before this chapter

    @property
    def status(self) -> str:
        """``"ok"``, ``"failed"``, ``"interrupted"`` or ``"not run"``."""
        if not self.ran:
            return "not run"
        if self.interrupted:
            return "interrupted"
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
    try:
        _execute(client, _kernel_env(fast))
    except CourseInterrupted as exc:
        interrupted = exc
    except Exception as exc:  # noqa: BLE001 - any failure is reported, the course goes on
        error = exc
    seconds = time.perf_counter() - start
    result = ChapterResult(name=path.stem, ok=error is None and interrupted is None,
                           seconds=seconds, metrics=collect_metrics(notebook))
    index = current["index"]
    if interrupted is not None:
        result.interrupted = True
        result.cell_index = index
        result.cell_source = notebook.cells[index].source if index is not None else ""
        result.error_name = "CourseInterrupted"
        result.error_message = _stopped_here(interrupted)
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
    if interrupted is not None:
        try:
            _write_outputs(notebook, path.name, build_dir)
        except CourseInterrupted:
            pass  # a second signal: skip the outputs, keep the report
        interrupted.results = [result]
        raise interrupted
    _write_outputs(notebook, path.name, build_dir)
    return result


def _execute(client, env: dict[str, str]) -> None:
    """Run ``client`` (an nbclient ``NotebookClient``) on an event loop of its own.

    On :class:`CourseInterrupted` (raised by a signal handler of :func:`run_course`)
    the execution is cancelled and the kernel shut down at once, then the exception is
    raised again; a second signal does not cut that cleanup short.

    Raises:
        CourseInterrupted: after the cleanup, when a signal stopped the run.
        Exception: whatever nbclient raised (failing cell, timeout, dead kernel).
    """
    loop = _SignalsToRunner()
    stopped: CourseInterrupted | None = None
    error: Exception | None = None
    try:
        task = loop.create_task(client.async_execute(env=env))
        try:
            loop.run_until_complete(task)
        except CourseInterrupted as exc:
            stopped = exc
            client.shutdown_kernel = "immediate"
            _finish(loop, [task])  # nbclient's own cleanup shuts the kernel down
            km = client.km
            if km is not None and km.has_kernel:  # stopped before nbclient's cleanup began
                _finish(loop, [loop.create_task(_shutdown_now(km))])
        except Exception as exc:  # noqa: BLE001 - raised again below, after the cleanup
            error = exc
    finally:
        late = _finish(loop, list(asyncio.all_tasks(loop)))
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        except CourseInterrupted as exc:
            late = late or exc
        loop.close()
    if stopped is not None or late is not None:
        raise stopped or late
    if error is not None:
        raise error


async def _shutdown_now(km) -> None:
    result = km.shutdown_kernel(now=True)
    if asyncio.iscoroutine(result):
        await result


def _finish(loop, tasks) -> CourseInterrupted | None:
    """Cancel ``tasks`` and run ``loop`` until they end (at most :data:`KERNEL_STOP_SECONDS`).

    Returns:
        The :class:`CourseInterrupted` a signal raised meanwhile (the cleanup goes on
        regardless), else ``None``.
    """
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    stopped = None
    deadline = time.monotonic() + KERNEL_STOP_SECONDS
    while pending and time.monotonic() < deadline:
        try:
            loop.run_until_complete(asyncio.wait(pending, timeout=deadline - time.monotonic()))
        except CourseInterrupted as exc:
            stopped = stopped or exc
        pending = [task for task in pending if not task.done()]
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: no "exception was never retrieved" warning
    return stopped


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
                 total_seconds: float, stopped_by: str | None = None) -> Path:
    """Write ``build_dir/report.md`` and return its path.

    Args:
        results: one :class:`ChapterResult` per chapter, in order (``"not run"`` ones
            included).
        build_dir: the output folder.
        fast: whether the run was in fast mode.
        total_seconds: wall time of the whole run.
        stopped_by: the signal name (``"SIGINT"``) when a signal stopped the run.
    """
    inherited = os.environ.get("SEGEN_FAST", "").strip().lower() in ("1", "true", "yes", "on")
    mode = "fast (SEGEN_FAST=1)" if fast or inherited else "learner"
    ran = [r for r in results if r.ran]
    ok = [r for r in ran if r.ok]
    failed = [r for r in ran if not r.ok and not r.interrupted]
    interrupted = [r for r in ran if r.interrupted]
    not_run = [r for r in results if not r.ran]
    counts = f"{len(ran)} run, {len(ok)} ok, {len(failed)} failed"
    if interrupted or not_run:
        counts += f", {len(interrupted)} interrupted, {len(not_run)} not run"
    lines = [
        "# segen course run",
        "",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- mode: {mode}",
        f"- Python {sys.version.split()[0]}, {os.cpu_count()} CPU cores",
        f"- chapters: {counts}; total {format_seconds(total_seconds)}",
    ]
    if stopped_by:
        where = f" during {interrupted[0].name}" if interrupted else ""
        lines.append(f"- **stopped by {stopped_by}**{where}: the chapters marked"
                     f" \"not run\" were not executed")
    lines += [
        "",
        "| chapter | status | time | key metric |",
        "|---|---|---|---|",
    ]
    for r in results:
        metric = ", ".join(f"{k}={v}" for k, v in r.metrics.items()) or "–"
        time_text = format_seconds(r.seconds) if r.ran else "–"
        lines.append(f"| {r.name} | {r.status} | {time_text} | {metric} |")
    for title, chosen in (("Failures", failed), ("Interrupted", interrupted)):
        if chosen:
            lines += ["", f"## {title}"]
        for r in chosen:
            if not r.readable:
                where = "the notebook could not be read"
            elif r.cell_index is not None:
                where = f"cell {r.cell_index} (index from 0, Markdown cells counted)"
            else:
                where = "before the first cell"
            lines += ["", f"### {r.name}: {where}", "", f"**{r.error_name}**: {r.error_message}"]
            if r.cell_source:
                lines += ["", "```python", _source_head(r.cell_source), "```"]
            if r.readable:
                lines += ["", f"Executed notebook: `notebooks/{r.name}.ipynb`, "
                              f"rendered: `html/{r.name}.html` (under the build folder)."]
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _install_stop_handlers() -> dict[int, object]:
    """Make SIGINT and SIGTERM raise :class:`CourseInterrupted`; return the previous handlers.

    Only the main thread can set signal handlers: elsewhere nothing is installed (``{}``).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, _raise_interrupted)
    return previous


def _restore_stop_handlers(previous: dict[int, object]) -> None:
    """Put back the handlers :func:`_install_stop_handlers` replaced."""
    for signum, handler in previous.items():
        # None: the handler was not set from Python; the default is the closest.
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


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
        ValueError: for an unknown chapter in ``only``, or a non-positive ``timeout``.
        CourseInterrupted: when SIGINT or SIGTERM stopped the run; its ``results`` and
            ``report`` hold what was written.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, received {timeout!r}.")
    from tqdm.auto import tqdm

    build_dir = Path(build_dir).resolve()
    chapters = select_chapters(list_chapters(notebooks_dir), only)
    if not chapters:
        raise ValueError(f"no chapter notebooks (NN_name.ipynb) in {notebooks_dir}.")
    results: list[ChapterResult] = []
    stopped: CourseInterrupted | None = None
    start = time.perf_counter()
    previous = _install_stop_handlers()
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
                    bar.write(f"{path.stem}: {results[-1].status} "
                              f"in {format_seconds(results[-1].seconds)}")
        except CourseInterrupted as exc:
            stopped = exc
            if exc.results:  # run_chapter's result, with the running cell
                results.extend(exc.results)
            elif len(results) < started:  # begun, stopped outside its cells
                results.append(ChapterResult(
                    name=chapters[len(results)].stem, ok=False,
                    seconds=time.perf_counter() - chapter_start,
                    interrupted=True, error_name="CourseInterrupted",
                    error_message=_stopped_here(exc)))
            results += [ChapterResult(name=path.stem, ok=False, seconds=0.0, ran=False)
                        for path in chapters[len(results):]]
        report = write_report(results, build_dir, fast, time.perf_counter() - start,
                              stopped_by=stopped.signal_name if stopped else None)
    finally:
        _restore_stop_handlers(previous)
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
