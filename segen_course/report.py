"""The course run's record: one result per chapter, key metrics, and ``build/report.md``.

Used by :mod:`segen_course.runner`; notebooks print their key metrics with
:func:`segen_lib.runtime.report_metric`, whose lines the runner collects into the report.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from segen_lib.expected_results import CHECK_PREFIX
from segen_lib.runtime import METRIC_PREFIX

METRIC_PATTERN = re.compile(r"^" + METRIC_PREFIX + r"\s+([A-Za-z0-9_.\-]+)=(\S+)\s*$", re.MULTILINE)
CHECK_PATTERN = re.compile(r"^" + CHECK_PREFIX + r"\s+([A-Za-z0-9_.\-]+)=(inside|outside)\s*$", re.MULTILINE)


@dataclass
class ChapterResult:
    """Outcome of one executed notebook."""

    name: str
    ok: bool
    seconds: float
    metrics: dict[str, str] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)  # metric -> "inside"/"outside" its usual range
    cell_index: int | None = None  # index among all cells of the failing cell
    cell_source: str = ""
    error_name: str = ""
    error_message: str = ""
    readable: bool = True  # False: the notebook file could not be read, nothing ran
    interrupted: bool = False  # True: SIGINT/SIGTERM stopped the run in this chapter
    ran: bool = True  # False: the run was stopped before this chapter
    kernel_log: str = ""  # the kernel's own stdout/stderr (start-up logging), kept out of the terminal

    @property
    def status(self) -> str:
        """``"ok"``, ``"failed"``, ``"interrupted"`` or ``"not run"``."""
        if not self.ran:
            return "not run"
        if self.interrupted:
            return "interrupted"
        return "ok" if self.ok else "failed"


def _stdout(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output.get("text", "")
                texts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(texts)


def collect_metrics(notebook) -> dict[str, str]:
    """``{name: value}`` of every ``SEGEN_METRIC name=value`` line printed in ``notebook``."""
    return dict(METRIC_PATTERN.findall(_stdout(notebook)))


def collect_checks(notebook) -> dict[str, str]:
    """``{name: "inside" | "outside"}`` of every ``SEGEN_CHECK`` line (:mod:`segen_lib.expected_results`)."""
    return dict(CHECK_PATTERN.findall(_stdout(notebook)))


def check_mark(status: str | None, bold: bool = False) -> str:
    """The words after a metric judged ``"inside"``/``"outside"`` its usual range; ``""`` if unjudged."""
    if status == "inside":
        return " (usual)"
    if status == "outside":
        return " (**outside the usual range**)" if bold else " (outside the usual range)"
    return ""


def format_metrics(result: ChapterResult, separator: str = ", ") -> str:
    """``name=value`` for each metric, marked when judged against its usual range.

    Example:
        >>> format_metrics(ChapterResult("01_x", True, 1.0, metrics={"acc": "0.9", "t": "5"},
        ...                              checks={"acc": "inside"}))
        'acc=0.9 (usual), t=5'
    """
    return separator.join(f"{k}={v}{check_mark(result.checks.get(k), bold=True)}"
                          for k, v in result.metrics.items())


def format_seconds(seconds: float) -> str:
    """``"42.0 s"`` below a minute, else ``"3 min 05 s"``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def source_head(source: str, lines: int = 6) -> str:
    head = source.splitlines()[:lines]
    if len(source.splitlines()) > lines:
        head.append("...")
    return "\n".join(head)


def write_report(results: list[ChapterResult], build_dir: Path, fast: bool,
                 total_seconds: float, stopped_by: str | None = None) -> Path:
    """Write ``build_dir/report.md`` (and the same as data, ``report.json``); return the first's path.

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
        metric = format_metrics(r) or "–"
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
                lines += ["", "```python", source_head(r.cell_source), "```"]
            if r.readable:
                lines += ["", f"Executed notebook: `notebooks/{r.name}.ipynb`, "
                              f"rendered: `html/{r.name}.html` (under the build folder)."]
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    record = {"date": lines[2][len("- date: "):], "mode": "fast" if mode != "learner" else "learner",
              "python": sys.version.split()[0], "cpu_cores": os.cpu_count(),
              "total_seconds": round(total_seconds, 1), "stopped_by": stopped_by,
              "chapters": [{"name": r.name, "status": r.status, "seconds": round(r.seconds, 1),
                            "time": format_seconds(r.seconds) if r.ran else None, "metrics": r.metrics,
                            "checks": r.checks}
                           for r in results]}
    (build_dir / "report.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path
