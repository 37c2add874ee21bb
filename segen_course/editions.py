r"""The course's two editions: instructor (the notebooks as stored) and student (no solutions).

Every chapter ends with a summary, a numbered ``## Exercises`` list and a ``## Solutions``
section. Each cell of that section (the heading included) carries the cell tag
``solution``. The **instructor edition** is ``notebooks/`` as stored; the **student
edition** is the same notebooks with every ``solution`` cell removed by nbconvert's
:class:`~nbconvert.preprocessors.TagRemovePreprocessor`, written to ``build/student/``::

    python -m segen_course.editions student                 # every chapter
    python -m segen_course.editions student --only 02       # one chapter, to hand out
    make student                                         # the same, every chapter

``make test`` runs the student edition under nbval in fast mode, so what learners receive
runs to the end; the chapters with their solutions run in ``make test-jax`` and in the
fast course run of ``make test-site``. The course site (:mod:`segen_course.site`) shows the
student edition of the executed chapters.

Introduced with the course site; the chapter structure is described in ``CONTRIBUTING.md``, section 4.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

from segen_course.runner import BUILD_DIR, NOTEBOOKS_DIR, list_chapters, select_chapters

__all__ = ["SOLUTION_TAG", "ANSWER_TAG", "exercises", "solution_cells", "answer_cells", "checked_exercises",
           "blank_answer", "student_notebook", "write_student_edition", "main"]

SOLUTION_TAG = "solution"
ANSWER_TAG = "answer"
_CHECK_CALL = re.compile(r"""grader\.check\(\s*["']exercise_(\d+)["']\s*\)""")
_EXERCISES = re.compile(r"^##\s+Exercises\s*$", re.M)
_ITEM = re.compile(r"^(\d+)\.\s+(.+)$")
_SOLUTIONS = re.compile(r"^##\s+Solutions\b", re.M)


def exercises(notebook) -> list[str]:
    """The exercises a chapter sets: the numbered items under its ``## Exercises`` heading.

    Args:
        notebook: an ``nbformat`` notebook (version 4).

    Returns:
        One string per exercise, in order, without its number; ``[]`` if the chapter has
        no ``## Exercises`` section. An item continued on indented lines is one exercise.

    Raises:
        ValueError: if the items are not numbered 1, 2, 3, ... in order.

    Example:
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        ...     "## Exercises\\n\\n1. *(compute)* Twice two.\\n2. *(explain)* Why\\n   not five?")])
        >>> exercises(nb)
        ['*(compute)* Twice two.', '*(explain)* Why not five?']
    """
    items: list[list[str]] = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        match = _EXERCISES.search(cell.source)
        if not match:
            continue
        for line in cell.source[match.end():].splitlines():
            if line.startswith("#"):
                break
            item = _ITEM.match(line)
            if item:
                if int(item.group(1)) != len(items) + 1:
                    raise ValueError(f"exercise {item.group(1)} follows exercise {len(items)}: number the "
                                     "exercises 1, 2, 3, ... in order.")
                items.append([item.group(2).strip()])
            elif line.startswith((" ", "\t")) and line.strip() and items:
                items[-1].append(line.strip())
    return [" ".join(parts) for parts in items]


def solution_cells(notebook) -> list[int]:
    """Indices of the cells tagged ``solution`` (:data:`SOLUTION_TAG`)."""
    return [i for i, cell in enumerate(notebook.cells)
            if SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])]


def answer_cells(notebook) -> list[int]:
    """Indices of the cells tagged ``answer`` (:data:`ANSWER_TAG`): a learner's answer, blanked for students."""
    return [i for i, cell in enumerate(notebook.cells)
            if ANSWER_TAG in cell.get("metadata", {}).get("tags", [])]


def checked_exercises(notebook) -> list[int]:
    """The exercise numbers checked by a ``grader.check("exercise_K")`` call outside the solutions, sorted."""
    solutions = set(solution_cells(notebook))
    found = {int(number) for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and i not in solutions
             for number in _CHECK_CALL.findall(cell.source)}
    return sorted(found)


def blank_answer(source: str) -> str:
    """An answer cell as students get it: each ``# SOLUTION`` line and solution block replaced by ``...``.

    The markers are otter-grader's (``otter assign``), and so is the replacement
    (``otter.assign.solutions.replace_solutions``): ``x = f(2)  # SOLUTION`` becomes
    ``x = ...``; the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` become one ``...``
    at the indentation of ``# BEGIN SOLUTION``.

    Raises:
        ValueError: the cell has no marker (the answer would be handed out) or an
            unbalanced ``BEGIN``/``END SOLUTION``.

    Example:
        >>> print(blank_answer("n = 3\\nsize = (28 - 5) // 2 + 1  # SOLUTION"))
        n = 3
        size = ...

    A block that ends the cell at the top level becomes ``...;``, so that running the
    blank shows nothing instead of ``Ellipsis``.
    """
    from otter.assign.solutions import replace_solutions

    lines = source.split("\n")
    if not any(re.search(r"#\s?(BEGIN )?SOLUTION\s*$", line.rstrip()) for line in lines):
        raise ValueError(f"an answer cell has no '# SOLUTION' marker, so students would get the answer: "
                         f"mark the answer's lines (first line: {lines[0][:60]!r}).")
    try:
        blanked = replace_solutions(lines, "python")
    except AssertionError as exc:
        raise ValueError(f"an answer cell's solution markers do not pair up: {exc}") from None
    # A bare ``...`` as the cell's last statement would be echoed as ``Ellipsis`` when run.
    last = max((i for i, line in enumerate(blanked) if line.strip()), default=None)
    if last is not None and blanked[last] == "...":
        blanked[last] = "...;"
    return "\n".join(blanked)


def student_notebook(notebook):
    """The student edition of one chapter: no ``solution`` cells, its ``answer`` cells blanked.

    The outputs of the answer cells and of the ``grader.check`` cells are cleared (in an
    executed chapter they are the solutions' results).

    Args:
        notebook: an ``nbformat`` notebook (version 4), stored or executed; outputs of
            the cells kept are kept.

    Returns:
        A new notebook; the argument is not changed.

    Raises:
        ValueError: if the chapter sets exercises but tags no solution cell (the
            solutions would be handed out), tags solutions but sets no exercise, has a
            cell from its ``## Solutions`` heading on that is not tagged (it would be
            handed out too), has an exercise without a ``grader.check("exercise_K")``
            call above the solutions, or an answer cell without a ``# SOLUTION`` marker.
    """
    from nbconvert.preprocessors import TagRemovePreprocessor

    tagged, asked = solution_cells(notebook), exercises(notebook)
    title = notebook.cells[0].source.splitlines()[0] if notebook.cells else "(empty notebook)"
    if asked and not tagged:
        raise ValueError(f"{title!r} sets {len(asked)} exercises but no cell is tagged "
                         f"{SOLUTION_TAG!r}: tag the cells of its '## Solutions' section.")
    if tagged and not asked:
        raise ValueError(f"{title!r} tags {len(tagged)} cells {SOLUTION_TAG!r} but has no numbered "
                         "'## Exercises' list: add the exercises or remove the tags.")
    heading = next((i for i, cell in enumerate(notebook.cells)
                    if cell.cell_type == "markdown" and _SOLUTIONS.search(cell.source)), None)
    if heading is not None:
        for index in range(heading, len(notebook.cells)):
            if index not in tagged:
                first = notebook.cells[index].source.strip().splitlines()[:1] or [""]
                raise ValueError(f"{title!r}: cell {index} ({first[0][:60]!r}) comes after the '## Solutions' "
                                 f"heading but is not tagged {SOLUTION_TAG!r}, so it would be handed to "
                                 f"students: tag it {SOLUTION_TAG!r} (JupyterLab: the property inspector, "
                                 "Cell Tags) or move it above the heading.")
    checked = checked_exercises(notebook)
    unchecked = [k for k in range(1, len(asked) + 1) if k not in checked]
    if unchecked:
        raise ValueError(f"{title!r}: exercise(s) {', '.join(map(str, unchecked))} have no check: add an "
                         "answer cell (tagged 'answer') and a cell calling grader.check(\"exercise_K\") "
                         "above the '## Solutions' heading.")
    extra = [k for k in checked if k > len(asked)]
    if extra:
        raise ValueError(f"{title!r}: grader.check for exercise(s) {', '.join(map(str, extra))}, but the "
                         f"chapter sets {len(asked)}: number the checks as the exercises.")
    blanked = copy.deepcopy(notebook)
    for index in answer_cells(blanked):
        cell = blanked.cells[index]
        try:
            cell.source = blank_answer(cell.source)
        except ValueError as exc:
            raise ValueError(f"{title!r}: cell {index}: {exc}") from None
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    for cell in blanked.cells:   # an executed chapter's checks ran on the solutions: not the student's result
        if cell.cell_type == "code" and _CHECK_CALL.search(cell.source):
            cell.outputs, cell.execution_count = [], None
    remover = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    student, _ = remover.preprocess(blanked, {})
    return student


def write_student_edition(notebooks_dir: str | Path = NOTEBOOKS_DIR,
                          out_dir: str | Path = BUILD_DIR / "student",
                          only: list[str] | None = None) -> list[Path]:
    """Write the student edition of the chapters to ``out_dir`` (created if needed).

    Args:
        notebooks_dir: the folder of the chapter notebooks ``NN_*.ipynb``.
        out_dir: where the student notebooks go, under the same file names.
        only: chapter numbers or name prefixes (as ``course run --only``); all by default.

    Returns:
        The paths written, in chapter order.

    Every chapter is checked before anything is written: a refused chapter leaves
    ``out_dir`` as it was.

    Raises:
        FileNotFoundError: if ``notebooks_dir`` does not exist.
        ValueError: an ``out_dir`` that is the notebooks folder or inside it (the student
            edition would overwrite the instructor's notebooks or mix with them), an
            unknown chapter in ``only``, or a chapter whose exercises and solution tags
            disagree (see :func:`student_notebook`).
    """
    source, out = Path(notebooks_dir).resolve(), Path(out_dir).resolve()
    if out == source or source in out.parents:
        raise ValueError(f"out_dir {str(out_dir)!r} is {'the notebooks folder' if out == source else 'inside the notebooks folder'} "
                         f"{str(notebooks_dir)!r}: the student edition would overwrite or mix with the "
                         "instructor's notebooks. Write it elsewhere, e.g. build/student.")
    chapters = select_chapters(list_chapters(notebooks_dir), only)
    students = []
    for path in chapters:
        try:
            students.append((path, student_notebook(nbformat.read(path, as_version=4))))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc} Nothing was written.") from exc
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path, student in students:
        target = out / path.name
        nbformat.write(student, target)
        written.append(Path(out_dir) / path.name)
    return written


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m segen_course.editions student [--only ...] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m segen_course.editions",
                                     description="Write the student edition of the course.")
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser("student", help="the notebooks without their solution cells")
    student.add_argument("--only", nargs="+", metavar="CHAPTER", help="chapter numbers or name prefixes")
    student.add_argument("--notebooks", type=Path, default=NOTEBOOKS_DIR, help="the chapter notebooks")
    student.add_argument("--out", type=Path, default=BUILD_DIR / "student", help="output folder")
    args = parser.parse_args(argv)
    try:
        written = write_student_edition(args.notebooks, args.out, args.only)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    print(f"student edition in {Path(args.out).resolve()}: {', '.join(path.stem for path in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
