r"""The README's picture of the course site, taken only from a learner-mode run of every chapter.

Usage, after a learner-mode run and its site (about 45 minutes on 2 CPU cores)::

    make course && make site
    python -m segen_course.picture        # or: make picture

The home page of ``build/site/`` is opened in headless Chromium (Playwright, as the site's
browser test does) and photographed into ``site/home.png``, the picture the README shows.
Beside it, ``site/home.json`` records where the picture comes from: the run's date, mode,
machine, every chapter with its status and time, and the picture's SHA-256.
``tests/test_readme_picture.py`` reads that record: it fails when the picture comes from a
fast-mode run, misses a chapter, shows a failed one, or is not the file the record describes.

The command refuses (exit status 1, with what to do) a fast-mode report, a chapter of
``notebooks/`` that did not run or failed, and a site built from another run than the report.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from segen_course.runner import BUILD_DIR, NOTEBOOKS_DIR, REPO_ROOT, list_chapters
from segen_course.site import load_report

__all__ = ["PICTURE", "RECORD", "picture_source", "sha256", "chromium_executable", "serve", "take", "main"]

PICTURE = REPO_ROOT / "site" / "home.png"
"""The picture the README shows."""

RECORD = REPO_ROOT / "site" / "home.json"
"""Where :data:`PICTURE` comes from (see :func:`picture_source`), with its SHA-256."""

VIEWPORT = {"width": 1280, "height": 900}   # pixels; the whole page is taken, every chapter's row


def picture_source(report: dict, chapters: list[str]) -> dict:
    """The record of a course run fit to be photographed for the README.

    Args:
        report: the runner's ``report.json`` (:func:`segen_course.site.load_report`).
        chapters: the chapter names the course has (``["00_setup", ...]``), every one of
            which must have run.

    Returns:
        ``{"date", "mode", "python", "cpu_cores", "total_seconds", "chapters": [{"name",
        "status", "time"}, ...]}``, the chapters in the course's order.

    Raises:
        ValueError: no report; a mode other than ``"learner"``; a chapter missing from the
            run or not ``"ok"``. The message says what was received and to run
            ``make course`` (learner mode, every chapter) and ``make site`` first.

    Example:
        >>> run = {"mode": "learner", "date": "d", "chapters": [{"name": "00_setup", "status": "ok", "time": "9 s"}]}
        >>> picture_source(run, ["00_setup"])["chapters"]
        [{'name': '00_setup', 'status': 'ok', 'time': '9 s'}]
        >>> picture_source({**run, "mode": "fast"}, ["00_setup"])
        Traceback (most recent call last):
        ...
        ValueError: the README's picture must come from a learner-mode run; received a fast-mode one ...
    """
    advice = "run `make course` (learner mode, every chapter), then `make site`, then this again."
    if not report:
        raise ValueError(f"no course run was found (no report.json): {advice}")
    mode = report.get("mode")
    if mode != "learner":
        raise ValueError(f"the README's picture must come from a learner-mode run; received a {mode}-mode one "
                         f"(dated {report.get('date', '?')}): {advice}")
    runs = {entry.get("name"): entry for entry in report.get("chapters", [])}
    missing = [name for name in chapters if name not in runs]
    failed = [f"{name} ({runs[name].get('status')})" for name in chapters
              if name in runs and runs[name].get("status") != "ok"]
    if missing or failed:
        raise ValueError(f"every chapter must have run and passed; missing: {missing or 'none'}, "
                         f"not ok: {failed or 'none'}: {advice}")
    return {"date": report.get("date"), "mode": mode, "python": report.get("python"),
            "cpu_cores": report.get("cpu_cores"), "total_seconds": report.get("total_seconds"),
            "chapters": [{"name": name, "status": runs[name]["status"], "time": runs[name].get("time")}
                         for name in chapters]}


def sha256(path: str | Path) -> str:
    """The SHA-256 of a file, in hexadecimal."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


NO_CHROMIUM = "no Chromium found: install it (Debian: `apt-get install chromium`) or set SEGEN_CHROMIUM=/path"


def chromium_executable() -> str | None:
    """The Chromium to drive: ``SEGEN_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH; None if none."""
    return (os.environ.get("SEGEN_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


@contextlib.contextmanager
def serve(folder: str | Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free local port, quietly; yields its URL (ending in ``/``)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def _photograph(site: Path, out: Path) -> None:
    """Serve ``site`` on a free local port and save a screenshot of its home page to ``out``."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    if not executable:
        raise FileNotFoundError(NO_CHROMIUM)
    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url + "index.html", wait_until="networkidle")
        page.screenshot(path=str(out), full_page=True)   # every chapter's row
        browser.close()


def take(build_dir: str | Path = BUILD_DIR, picture: str | Path = PICTURE, record: str | Path = RECORD,
         notebooks_dir: str | Path = NOTEBOOKS_DIR) -> dict:
    """Photograph ``build_dir/site``'s home page into ``picture`` and write ``record`` beside it.

    Both files are written only once the picture is taken (a failure leaves the old pair).

    Returns:
        The record written (:func:`picture_source` and ``"picture_sha256"``).

    Raises:
        ValueError: see :func:`picture_source`; also a site whose home page does not name
            the report's run (built from another run: ``make site`` again).
        FileNotFoundError: no site in ``build_dir/site``, or no Chromium.
    """
    build_dir = Path(build_dir)
    chapters = [path.stem for path in list_chapters(notebooks_dir)]
    source = picture_source(load_report(build_dir), chapters)
    index = build_dir / "site" / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"no site in {index.parent}: run `make site` after `make course` first.")
    if str(source["date"]) not in index.read_text(encoding="utf-8"):
        raise ValueError(f"{index} was not built from the run of {source['date']} in {build_dir / 'report.json'}: "
                         "run `make site` again.")
    picture, record = Path(picture), Path(record)
    with tempfile.TemporaryDirectory() as folder:
        shot = Path(folder) / "home.png"
        _photograph(index.parent, shot)
        source["picture_sha256"] = sha256(shot)
        shutil.copyfile(shot, picture)
    record.write_text(json.dumps(source, indent=1) + "\n", encoding="utf-8")
    return source


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m segen_course.picture [--build DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m segen_course.picture",
                                     description="Photograph the course site's home page for the README.")
    parser.add_argument("--build", type=Path, default=BUILD_DIR, help="the learner-mode run's output folder")
    args = parser.parse_args(argv)
    try:
        source = take(args.build)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{PICTURE.relative_to(REPO_ROOT)} and {RECORD.relative_to(REPO_ROOT)}: the run of {source['date']}, "
          f"{len(source['chapters'])} chapters in learner mode")
    return 0


if __name__ == "__main__":
    sys.exit(main())
