"""Exercises that check themselves: otter-grader's ``grader.check``, with a hint when an answer is wrong.

Every chapter ends with numbered exercises. Under its ``## Exercises`` list, each exercise
has a cell for the learner's answer (tagged ``answer``: the student edition replaces each
line or block marked ``# SOLUTION`` by ``...``) and a cell that checks it::

    grader = exercises.checker("01")       # once, in the chapter's first answer cell
    grader.check("exercise_1")             # after the answer to exercise 1

The checks are otter-grader test files (Berkeley's Data 8 and Data 100 use the same
``grader.check``), one per exercise, in ``notebooks/checks/NN/exercise_K.py``: each test
case says what a right answer satisfies and gives, when it fails, a hint that does not give
the answer away. A check never trains a model: it tests shapes, values, a tiny seeded forward
pass, usually against the library's own function.

``SEGEN_EXERCISE_CHECKS`` turns the checks into assertions for continuous integration:
``pass`` makes a failing check raise (the instructor edition, whose answers are the
solutions, must pass every check), ``fail`` makes a passing check raise (the student
edition, whose answers are blanks, must fail every one: the checks can fail). Unset, a
check reports and never raises, as a learner wants.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

__all__ = ["CHECKS_DIR", "CHECKS_VARIABLE", "checker", "check_names"]

CHECKS_DIR = Path(__file__).resolve().parents[1] / "notebooks" / "checks"
"""The folder of the checks: one folder per chapter (``01``, ``02``, ...) of otter-grader test files."""

CHECKS_VARIABLE = "SEGEN_EXERCISE_CHECKS"
"""Environment variable: ``pass`` or ``fail`` to make every check assert that outcome (CI)."""

_EXERCISE = re.compile(r"^exercise_(\d+)$")


def check_names(chapter: str, checks_dir: str | Path = CHECKS_DIR) -> list[str]:
    """The checks a chapter has, ``["exercise_1", "exercise_2", ...]`` in order.

    Args:
        chapter: the chapter's two-digit number, e.g. ``"01"``.
        checks_dir: the folder of all chapters' checks.

    Returns:
        The names of the chapter's check files, sorted by exercise number; ``[]`` if the
        chapter has none.
    """
    folder = Path(checks_dir) / chapter
    names = [path.stem for path in folder.glob("exercise_*.py") if _EXERCISE.match(path.stem)]
    return sorted(names, key=lambda name: int(_EXERCISE.match(name).group(1)))


def _expected_outcome() -> str | None:
    value = os.environ.get(CHECKS_VARIABLE, "").strip().lower()
    if value in ("", "0", "off", "no", "false"):
        return None
    if value not in ("pass", "fail"):
        raise ValueError(f"{CHECKS_VARIABLE}={value!r}: use 'pass' (every check must pass), 'fail' "
                         "(every check must fail) or leave it unset (checks report, never raise).")
    return value


def checker(chapter: str, checks_dir: str | Path = CHECKS_DIR):
    """The grader of one chapter's exercises: ``grader.check("exercise_1")`` checks exercise 1.

    Args:
        chapter: the chapter's two-digit number, e.g. ``"01"``.
        checks_dir: the folder of all chapters' checks (default: ``notebooks/checks``).

    Returns:
        An ``otter.Notebook`` whose ``check(name)`` runs ``<checks_dir>/<chapter>/<name>.py``
        against the calling notebook's variables and returns otter's result (shown as
        "All test cases passed!" or the failed case with its hint).

    Raises:
        ValueError: ``chapter`` is not two digits, the chapter has no checks, or
            ``SEGEN_EXERCISE_CHECKS`` holds something other than ``pass``/``fail``.
        AssertionError: from ``check``, only with ``SEGEN_EXERCISE_CHECKS`` set: a check
            whose outcome is not the one asked for.

    Example:
        >>> grader = checker("01")
        >>> grader.check_names()[0]
        'exercise_1'
    """
    import otter

    if not re.fullmatch(r"\d\d", str(chapter)):
        raise ValueError(f"chapter={chapter!r}: give the chapter's two-digit number, e.g. '01'.")
    names = check_names(chapter, checks_dir)
    if not names:
        raise ValueError(f"chapter {chapter} has no checks in {Path(checks_dir) / chapter}: "
                         "each exercise needs a file exercise_K.py there.")
    expected = _expected_outcome()
    folder = str(Path(checks_dir) / chapter)

    class ChapterGrader(otter.Notebook):
        """otter's ``Notebook`` for one chapter; ``check`` asserts the outcome CI asks for."""

        def check(self, question: str, global_env: dict | None = None):
            if question not in names:
                raise ValueError(f"chapter {chapter} has no check {question!r}; its checks: "
                                 f"{', '.join(names)}.")
            if global_env is None:   # the notebook's variables, as otter would collect them
                global_env = inspect.currentframe().f_back.f_globals
            result = super().check(question, global_env)
            passed = bool(getattr(result, "passed_all", False))
            if expected == "pass" and not passed:
                raise AssertionError(f"chapter {chapter}, {question}: the check failed, and "
                                     f"{CHECKS_VARIABLE}=pass asks every check to pass:\n{result!r}")
            if expected == "fail" and passed:
                raise AssertionError(f"chapter {chapter}, {question}: the check passed, and "
                                     f"{CHECKS_VARIABLE}=fail asks every check to fail (a blank answer "
                                     "must not pass: the check tests nothing).")
            return result

        @staticmethod
        def check_names() -> list[str]:
            return list(names)

    return ChapterGrader(tests_dir=folder)
