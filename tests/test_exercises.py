"""segen_lib.exercises: otter-grader's grader.check for the chapters' exercises, and the check files."""

import re
from pathlib import Path

import pytest

from segen_lib import exercises

ROOT = Path(__file__).resolve().parents[1]

CHECK = '''
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 1


@test_case(points=1, failure_message="Hint: twice two.")
def test_answer(env):
    assert env.get("answer") == 2 * 2
'''


@pytest.fixture
def checks(tmp_path, monkeypatch):
    monkeypatch.delenv(exercises.CHECKS_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)               # otter writes its log (.OTTER_LOG) to the working folder
    folder = tmp_path / "checks" / "07"
    folder.mkdir(parents=True)
    (folder / "exercise_1.py").write_text(CHECK)
    return tmp_path / "checks"


def test_a_right_answer_passes_and_a_wrong_one_fails_with_its_hint(checks):
    grader = exercises.checker("07", checks)
    assert grader.check("exercise_1", {"answer": 4}).passed_all
    wrong = grader.check("exercise_1", {"answer": 5})
    assert not wrong.passed_all and "Hint: twice two." in repr(wrong)
    assert not grader.check("exercise_1", {"answer": ...}).passed_all    # the student edition's blank


def test_the_check_reads_the_calling_namespace(checks):
    grader = exercises.checker("07", checks)
    namespace = {"grader": grader, "answer": 4}
    exec("result = grader.check('exercise_1')", namespace)
    assert namespace["result"].passed_all


def test_ci_can_ask_every_check_to_pass_or_to_fail(checks, monkeypatch):
    monkeypatch.setenv(exercises.CHECKS_VARIABLE, "pass")
    grader = exercises.checker("07", checks)
    assert grader.check("exercise_1", {"answer": 4}).passed_all
    with pytest.raises(AssertionError, match="failed.*SEGEN_EXERCISE_CHECKS=pass"):
        grader.check("exercise_1", {"answer": 5})
    monkeypatch.setenv(exercises.CHECKS_VARIABLE, "fail")
    grader = exercises.checker("07", checks)
    assert not grader.check("exercise_1", {"answer": ...}).passed_all
    with pytest.raises(AssertionError, match="passed.*SEGEN_EXERCISE_CHECKS=fail"):
        grader.check("exercise_1", {"answer": 4})


def test_bad_requests_are_refused_with_what_to_do(checks, monkeypatch):
    with pytest.raises(ValueError, match="two-digit"):
        exercises.checker("7", checks)
    with pytest.raises(ValueError, match="no checks"):
        exercises.checker("08", checks)
    with pytest.raises(ValueError, match="no check 'exercise_2'.*exercise_1"):
        exercises.checker("07", checks).check("exercise_2", {})
    monkeypatch.setenv(exercises.CHECKS_VARIABLE, "always")
    with pytest.raises(ValueError, match="'pass'.*'fail'"):
        exercises.checker("07", checks)


CHECK_FILES = sorted(exercises.CHECKS_DIR.glob("*/*.py"))


@pytest.mark.parametrize("path", CHECK_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in CHECK_FILES])
def test_every_check_file_is_an_otter_test_with_a_hint_for_each_case(path):
    from otter.test_files import ExceptionTestFile

    assert re.fullmatch(r"exercise_\d+", path.stem), f"{path}: name it exercise_K.py"
    test = ExceptionTestFile.from_file(str(path))
    assert test.name == path.stem
    assert test.test_cases, f"{path} has no test case"
    for case in test.test_cases:
        assert case.failure_message and len(case.failure_message) > 20, f"{path}: {case.name} needs a hint"
