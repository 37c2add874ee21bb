"""segen_course.runner: the headless runner, on throwaway notebooks in tmp_path."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from segen_course import runner

ROOT = Path(__file__).resolve().parents[1]


def _write(folder: Path, name: str, *sources: str) -> Path:
    cells = [new_markdown_cell(f"# {name[:2]} · {name}")]
    cells += [new_code_cell(source) for source in sources]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def course_run(tmp_path_factory):
    """Run a passing and a failing chapter once; share the result between tests."""
    root = tmp_path_factory.mktemp("course")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    _write(notebooks, "00_passes",
           "import os\nprint('cwd', os.getcwd())\nprint('fast', os.environ.get('SEGEN_FAST'))",
           "from segen_lib.runtime import report_metric\nreport_metric('test_accuracy', 0.912345)",
           "# NBVAL_RAISES_EXCEPTION\nraise KeyError('expected: this cell is meant to fail')")
    _write(notebooks, "01_fails",
           "x = 1",
           "y = x + 1\nraise RuntimeError('boom in cell two')\nz = 3",
           "print('never runs')")
    (notebooks / "notes.ipynb").write_text("{}")  # not a chapter: ignored
    build = root / "build"
    results = runner.run_course(fast=True, timeout=120, notebooks_dir=notebooks,
                                build_dir=build, progress=False)
    return notebooks, build, results


def test_both_chapters_run_in_order(course_run):
    _, _, results = course_run
    assert [r.name for r in results] == ["00_passes", "01_fails"]
    assert [r.status for r in results] == ["ok", "failed"]
    assert all(r.seconds > 0 for r in results)


def test_failure_names_the_cell_and_the_error(course_run):
    failed = course_run[2][1]
    assert failed.cell_index == 2  # the title is cell 0
    assert failed.error_name == "RuntimeError"
    assert failed.error_message == "boom in cell two"
    assert failed.cell_source.startswith("y = x + 1")


def test_metric_lines_are_collected(course_run):
    passed = course_run[2][0]
    assert passed.metrics == {"test_accuracy": "0.9123"}


def test_report_lists_both_chapters_and_the_failing_cell(course_run):
    _, build, _ = course_run
    report = (build / "report.md").read_text()
    assert "| 00_passes | ok |" in report
    assert "test_accuracy=0.9123" in report
    assert "| 01_fails | failed |" in report
    assert "### 01_fails: cell 2" in report
    assert "**RuntimeError**: boom in cell two" in report
    assert "raise RuntimeError('boom in cell two')" in report
    assert "mode: fast" in report
    assert "notes" not in report


def test_report_json_holds_the_same_record(course_run):
    import json

    _, build, _ = course_run
    record = json.loads((build / "report.json").read_text())
    assert record["mode"] == "fast" and record["cpu_cores"] == os.cpu_count()
    assert [(c["name"], c["status"]) for c in record["chapters"]] == [("00_passes", "ok"), ("01_fails", "failed")]
    assert record["chapters"][0]["metrics"] == {"test_accuracy": "0.9123"}
    assert record["chapters"][0]["time"].endswith(" s") and record["chapters"][0]["seconds"] > 0


def test_executed_notebooks_and_html_are_written(course_run):
    notebooks, build, _ = course_run
    for name in ("00_passes", "01_fails"):
        assert (build / "notebooks" / f"{name}.ipynb").is_file()
        html = (build / "html" / f"{name}.html").read_text()
        assert "<html" in html
    executed = nbformat.read(build / "notebooks" / "00_passes.ipynb", as_version=4)
    printed = "".join(output.get("text", "") for output in executed.cells[1].outputs)
    assert f"cwd {notebooks}" in printed  # the kernel runs in the notebooks folder
    assert "fast 1" in printed  # --fast reaches the kernel
    assert executed.cells[3].outputs[0]["ename"] == "KeyError"  # allowed to fail
    failed = nbformat.read(build / "notebooks" / "01_fails.ipynb", as_version=4)
    assert failed.cells[3].outputs == []  # nothing ran after the failure
    # The sources are left untouched.
    source = nbformat.read(notebooks / "00_passes.ipynb", as_version=4)
    assert all(cell.get("outputs", []) == [] for cell in source.cells)


def test_select_chapters_by_number_or_prefix(tmp_path):
    chapters = [tmp_path / name for name in ("00_setup.ipynb", "01_cnn_basics.ipynb",
                                             "02_unet_segmentation.ipynb")]
    names = lambda paths: [p.stem for p in paths]  # noqa: E731
    assert names(runner.select_chapters(chapters, None)) == ["00_setup", "01_cnn_basics",
                                                             "02_unet_segmentation"]
    assert names(runner.select_chapters(chapters, ["1"])) == ["01_cnn_basics"]
    assert names(runner.select_chapters(chapters, ["02", "00"])) == ["00_setup", "02_unet_segmentation"]
    assert names(runner.select_chapters(chapters, ["01,02"])) == ["01_cnn_basics", "02_unet_segmentation"]
    assert names(runner.select_chapters(chapters, ["02_unet"])) == ["02_unet_segmentation"]
    assert names(runner.select_chapters(chapters, ["00_setup.ipynb", "0"])) == ["00_setup"]


def test_unknown_chapter_lists_the_available_ones(tmp_path):
    chapters = [tmp_path / "00_setup.ipynb", tmp_path / "01_cnn_basics.ipynb"]
    with pytest.raises(ValueError, match="unknown chapter '07'; available chapters: 00_setup, 01_cnn_basics"):
        runner.select_chapters(chapters, ["01", "07"])
    for nothing in ([""], [" ", ","]):
        with pytest.raises(ValueError, match="names no chapter: name one or more, e.g. --only 05"):
            runner.select_chapters(chapters, nothing)


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        runner.list_chapters(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no chapter notebooks"):
        runner.run_course(notebooks_dir=tmp_path, build_dir=tmp_path / "build", progress=False)
    with pytest.raises(ValueError, match="timeout must be a positive"):
        runner.run_course(timeout=0, notebooks_dir=tmp_path, progress=False)



def test_the_runner_never_writes_over_the_chapters(tmp_path):
    chapters = tmp_path / "notebooks"
    chapters.mkdir()
    stored = chapters / "00_setup.ipynb"
    stored.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    before = stored.read_bytes()
    with pytest.raises(ValueError, match="over the chapters themselves"):  # --build . from the repository root
        runner.run_course(notebooks_dir=chapters, build_dir=tmp_path, progress=False)
    for build in (tmp_path / ".", tmp_path / "notebooks" / ".."):
        with pytest.raises(ValueError, match="the stored notebooks, without outputs, would be lost"):
            runner.run_course(notebooks_dir=chapters, build_dir=build, progress=False)
    assert stored.read_bytes() == before


def test_format_seconds():
    assert runner.format_seconds(4.25) == "4.2 s"
    assert runner.format_seconds(185) == "3 min 05 s"


def test_default_paths_are_in_the_repository():
    assert runner.NOTEBOOKS_DIR == ROOT / "notebooks"
    assert runner.BUILD_DIR == ROOT / "build"


def test_command_line_unknown_chapter_is_a_usage_error(tmp_path):
    (tmp_path / "00_setup.ipynb").write_text("{}")
    done = subprocess.run(
        [sys.executable, "-m", "segen_course", "run", "--only", "9",
         "--notebooks", str(tmp_path), "--build", str(tmp_path / "build")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert "unknown chapter '9'; available chapters: 00_setup" in done.stderr
    assert not (tmp_path / "build").exists()


def test_command_line_exit_status_is_one_when_a_chapter_fails(tmp_path):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    _write(notebooks, "05_broken", "1 / 0")
    done = subprocess.run(
        [sys.executable, "-m", "segen_course", "run", "--fast",
         "--notebooks", str(notebooks), "--build", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "failed: 05_broken" in done.stderr
    assert "ZeroDivisionError" in (tmp_path / "out" / "report.md").read_text()


def test_unreadable_notebook_is_a_failed_chapter_naming_the_file(tmp_path):
    path = tmp_path / "03_not_json.ipynb"
    path.write_text('{"cells": [')
    result = runner.run_chapter(path, tmp_path / "build")
    assert result.status == "failed" and not result.readable
    assert result.error_name == "NotJSONError"
    assert str(path) in result.error_message and "could not be read" in result.error_message
    assert result.cell_index is None
    assert not (tmp_path / "build").exists()  # nothing executed, nothing written


def test_command_line_goes_on_after_an_unreadable_notebook_and_reports_a_timeout(tmp_path):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    (notebooks / "03_not_json.ipynb").write_text('{"cells": [')
    _write(notebooks, "04_slow", "import time\ntime.sleep(5)", "print('never runs')")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "segen_course", "run", "--timeout", "1",
         "--notebooks", str(notebooks), "--build", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "failed: 03_not_json, 04_slow" in done.stderr
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| 03_not_json | failed |" in report and "| 04_slow | failed |" in report
    assert "### 03_not_json: the notebook could not be read" in report
    assert re.search(r"\*\*NotJSONError\*\*: .*03_not_json\.ipynb could not be read", report)
    assert "### 04_slow: cell 1" in report
    assert "**CellTimeoutError**: cell 1 exceeded the --timeout of 1 s" in report
    assert "KeyboardInterrupt" not in report
    assert time.monotonic() - started < 60


@pytest.fixture
def sigint_run(tmp_path):
    """The command line, sent SIGINT while the first chapter's cell sleeps."""
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    marker = tmp_path / "kernel.pid"
    _write(notebooks, "00_sleeps", "x = 1",
           f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)")
    _write(notebooks, "01_next", "print('must not run')")
    process = subprocess.Popen(
        [sys.executable, "-m", "segen_course", "run",
         "--notebooks", str(notebooks), "--build", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while not (marker.is_file() and marker.read_text()) and process.poll() is None:
            assert time.monotonic() < deadline, "the sleeping cell never started"
            time.sleep(0.1)
        kernel_pid = int(marker.read_text())
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out, err, time.monotonic() - sent, tmp_path / "out", kernel_pid


def test_sigint_stops_the_whole_run_and_writes_the_report(sigint_run):
    status, out, err, seconds, build, kernel_pid = sigint_run
    assert status == 130, err
    assert seconds < 30  # the cell would sleep 60 s
    assert f"report: {build / 'report.md'}" in out
    assert "stopped by SIGINT during 00_sleeps; not run: 01_next" in err
    report = (build / "report.md").read_text()
    assert "| 00_sleeps | interrupted |" in report
    assert "| 01_next | not run | – |" in report
    assert "**stopped by SIGINT** during 00_sleeps" in report
    assert "1 interrupted, 1 not run" in report
    assert "### 00_sleeps: cell 2" in report and "time.sleep(60)" in report
    assert "**CourseInterrupted**: the run was stopped by SIGINT" in report
    assert not (build / "notebooks" / "01_next.ipynb").exists()
    deadline = time.monotonic() + 10  # the kernel was shut down, not left sleeping
    while _alive(kernel_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(kernel_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_the_run_and_restores_the_handlers(tmp_path, monkeypatch, capsys):
    """No kernel: the chapter runner is replaced by one that receives SIGTERM."""
    for name in ("00_first", "01_second", "02_third"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    ran = []

    def receives_sigterm(path, build_dir, **_):
        ran.append(path.stem)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
        raise AssertionError("SIGTERM did not stop the chapter")

    monkeypatch.setattr(runner, "run_chapter", receives_sigterm)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    build = tmp_path / "build"
    with pytest.raises(runner.CourseInterrupted, match="stopped by SIGTERM") as caught:
        runner.run_course(notebooks_dir=tmp_path, build_dir=build, progress=False)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    assert ran == ["00_first"]
    stopped = caught.value
    assert stopped.signum == signal.SIGTERM and stopped.exit_status == 143
    assert [r.status for r in stopped.results] == ["interrupted", "not run", "not run"]
    assert stopped.report == build / "report.md"
    report = stopped.report.read_text()
    assert "| 00_first | interrupted |" in report and "| 02_third | not run |" in report
    assert "### 00_first: before the first cell" in report
    # The command line turns it into exit status 143 and still names the report.
    status = runner.main(["run", "--notebooks", str(tmp_path), "--build", str(build)])
    assert status == 143
    captured = capsys.readouterr()
    assert f"report: {build / 'report.md'}" in captured.out
    assert "stopped by SIGTERM during 00_first; not run: 01_second, 02_third" in captured.err
    assert signal.getsignal(signal.SIGTERM) == before[0]


def test_kernel_start_up_logging_goes_to_the_log_not_the_terminal(tmp_path):
    # TensorFlow's C++ start-up lines ("Could not find cuda drivers", "failed call to
    # cuInit") are written by the kernel process to its file descriptor 2, outside any
    # cell's output: the terminal shows the progress bar and each chapter's result only.
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    _write(notebooks, "00_noisy",
           "import os, sys\nos.write(2, b'E0000 failed call to cuInit: KERNEL-NOISE\\n')",
           "print('a warning of the cell', file=sys.stderr)\n"
           "from segen_lib.runtime import report_metric\nreport_metric('answer', 42)")
    done = subprocess.run(
        [sys.executable, "-m", "segen_course", "run", "--fast",
         "--notebooks", str(notebooks), "--build", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "KERNEL-NOISE" not in done.stdout + done.stderr
    assert "00_noisy: ok in" in done.stdout + done.stderr
    assert "(answer=42)" in done.stdout + done.stderr  # the chapter's result, on its line
    assert "KERNEL-NOISE" in (tmp_path / "out" / "logs" / "00_noisy.log").read_text()
    executed = nbformat.read(tmp_path / "out" / "notebooks" / "00_noisy.ipynb", as_version=4)
    streams = [o for o in executed.cells[2].outputs if o.get("name") == "stderr"]
    assert "a warning of the cell" in "".join(o.text for o in streams)  # the cell's own output stays
    # and the kernel's own lines stay out of the notebook too (etc/ipython/ipython_kernel_config.py,
    # which make installs into the environment)
    assert "KERNEL-NOISE" not in "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))


def test_a_dead_kernel_is_reported_with_the_end_of_its_log(tmp_path):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    _write(notebooks, "00_dies", "import os\nos.write(2, b'last words of the kernel\\n')\nos._exit(1)")
    result = runner.run_chapter(notebooks / "00_dies.ipynb", tmp_path / "out", fast=True, timeout=120)
    assert result.status == "failed"
    assert result.error_name == "DeadKernelError"
    assert "last words of the kernel" in result.error_message
    assert "00_dies: failed in" in runner.chapter_line(result)


def test_the_runner_itself_imports_no_deep_learning_framework():
    # The runner's own process must not import TensorFlow (or Keras, or JAX): TensorFlow writes
    # its start-up lines to the terminal before any logging setting applies. Only the kernels
    # import it, and their lines go to the chapter's log (the test above).
    script = ("import sys, segen_course.runner, segen_course.report, segen_lib.runtime\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'jax'}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
    assert "InitializeLog" not in done.stderr and "cuda" not in done.stderr.lower(), done.stderr
