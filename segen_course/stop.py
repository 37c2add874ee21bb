"""Stopping a course run: SIGINT (Ctrl-C) and SIGTERM end the whole run, not one chapter.

Used by :mod:`segen_course.runner`: while it runs, :func:`install_stop_handlers` makes both
signals raise :class:`CourseInterrupted`; the runner shuts the running kernel down,
writes the report of what ran, and exits with ``128 + signal``.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from segen_course.report import ChapterResult

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


def raise_interrupted(signum, frame) -> None:
    raise CourseInterrupted(signum)


def stopped_here(stop: CourseInterrupted) -> str:
    return (f"the run was stopped by {stop.signal_name} here; "
            f"the chapters after this one were not run.")


class SignalsToRunner(asyncio.SelectorEventLoop):
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


def install_stop_handlers() -> dict[int, object]:
    """Make SIGINT and SIGTERM raise :class:`CourseInterrupted`; return the previous handlers.

    Only the main thread can set signal handlers: elsewhere nothing is installed (``{}``).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, raise_interrupted)
    return previous


def restore_stop_handlers(previous: dict[int, object]) -> None:
    """Put back the handlers :func:`install_stop_handlers` replaced."""
    for signum, handler in previous.items():
        # None: the handler was not set from Python; the default is the closest.
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def execute_stoppably(client, env: dict[str, str], log=None) -> None:
    """Run ``client`` (an nbclient ``NotebookClient``) on an event loop of its own.

    ``log``, an open file, receives the kernel process's own standard output and error
    (library start-up logging such as TensorFlow's); the cells' outputs still go to the
    notebook. ``None``: the kernel writes to this process's terminal.

    On :class:`CourseInterrupted` (raised by a signal handler of :func:`install_stop_handlers`)
    the execution is cancelled and the kernel shut down at once, then the exception is
    raised again; a second signal does not cut that cleanup short.

    Raises:
        CourseInterrupted: after the cleanup, when a signal stopped the run.
        Exception: whatever nbclient raised (failing cell, timeout, dead kernel).
    """
    loop = SignalsToRunner()
    stopped: CourseInterrupted | None = None
    error: Exception | None = None
    try:
        streams = {} if log is None else {"stdout": log, "stderr": log}
        task = loop.create_task(client.async_execute(env=env, **streams))
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
