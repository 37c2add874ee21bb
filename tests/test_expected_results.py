"""segen_lib.expected_results: each chapter's key results against their usual range."""

import math
import re
from pathlib import Path

import nbformat
import pytest

from segen_course.report import ChapterResult, collect_checks, format_metrics
from segen_lib import expected_results
from segen_lib.expected_results import EXPECTED, check_results, verdict
from segen_lib.runtime import RuntimeInfo

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _info(device="CPU", fast=False):
    return RuntimeInfo(backend="tensorflow", keras_version="3", tensorflow_version="2", python_version="3.11",
                       device=device, device_names=(), fast=fast, seed=42, deterministic=False)


def test_every_recorded_chapter_is_a_notebook_with_a_proper_range():
    stems = {path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert set(EXPECTED) <= stems, set(EXPECTED) - stems
    for chapter, results in EXPECTED.items():
        for name, expected in results.items():
            for bounds in (expected.cpu, expected.gpu):
                if bounds is not None:
                    assert bounds[0] <= bounds[1], (chapter, name)
            assert expected.explain, (chapter, name)


def test_a_chapter_that_checks_its_results_names_itself():
    for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"):
        source = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        for named in re.findall(r"check_results\(\s*[\"']([^\"']+)[\"']", source):
            assert named == path.stem, f"{path.name} checks its results as {named!r}"


def test_inside_outside_and_one_sided_ranges():
    assert verdict("01_cnn_basics", "test_accuracy", 0.89).status == "inside"
    low = verdict("01_cnn_basics", "test_accuracy", 0.5)
    assert low.status == "outside" and "epochs" in low.explain
    assert verdict("06_driving_scenes", "road_corruption_gain", 10.0).status == "inside"   # no upper end
    assert verdict("06_driving_scenes", "road_corruption_gain", -0.1).status == "outside"


def test_no_verdict_in_fast_mode_on_an_unmeasured_device_or_for_an_unknown_result():
    assert verdict("01_cnn_basics", "test_accuracy", 0.1, fast=True).status == "unchecked"
    assert verdict("01_cnn_basics", "test_accuracy", 0.1, device="GPU").status == "unchecked"
    assert verdict("99_none", "x", 1.0).status == "unchecked"


@pytest.mark.parametrize("value", ["0.9x", None, [0.9]])
def test_a_result_that_is_not_a_number_is_refused(value):
    with pytest.raises(ValueError, match="test_accuracy"):
        verdict("01_cnn_basics", "test_accuracy", value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_or_infinity_is_a_diverged_run_in_learner_mode_and_unjudged_in_fast_mode(value):
    judged = verdict("01_cnn_basics", "test_accuracy", value)
    assert judged.status == "outside" and "diverged" in judged.explain
    assert verdict("01_cnn_basics", "test_accuracy", value, fast=True).status == "unchecked"


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="'CPU' or 'GPU'"):
        verdict("01_cnn_basics", "test_accuracy", 0.9, device="TPU")
    with pytest.raises(ValueError, match="known chapters"):
        check_results("99_none", {"x": 1.0}, _info())
    with pytest.raises(ValueError, match="records no range for \\['test_acuracy'\\]"):
        check_results("01_cnn_basics", {"test_acuracy": 0.9}, _info())
    with pytest.raises(ValueError, match="empty"):
        check_results("01_cnn_basics", {}, _info())


def test_printed_table_explains_a_result_outside_and_feeds_the_runner(capsys):
    verdicts = check_results("01_cnn_basics", {"test_accuracy": 0.5}, _info())
    out = capsys.readouterr().out
    assert [v.status for v in verdicts] == ["outside"]
    assert "OUTSIDE the usual range" in out and EXPECTED["01_cnn_basics"]["test_accuracy"].explain in out
    assert "SEGEN_METRIC test_accuracy=0.5" in out
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "", outputs=[nbformat.v4.new_output("stream", name="stdout", text=out)])])
    checks = collect_checks(notebook)
    assert checks == {"test_accuracy": "outside"}
    result = ChapterResult("01_cnn_basics", True, 1.0, metrics={"test_accuracy": "0.5"}, checks=checks)
    assert "outside the usual range" in format_metrics(result)


def test_fast_mode_prints_no_check_lines(capsys):
    check_results("01_cnn_basics", {"test_accuracy": 0.1}, _info(fast=True))
    out = capsys.readouterr().out
    assert "mean nothing" in out and expected_results.CHECK_PREFIX not in out
    assert "SEGEN_METRIC test_accuracy=0.1" in out
