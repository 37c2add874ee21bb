"""The student edition: every chapter without its solution cells, every exercise kept."""

from pathlib import Path

import nbformat
import pytest

from segen_course import editions
from segen_course.runner import list_chapters

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = list_chapters(ROOT / "notebooks")


@pytest.fixture(params=CHAPTERS, ids=[path.stem for path in CHAPTERS])
def chapter(request):
    return nbformat.read(request.param, as_version=4)


def test_solutions_are_the_tagged_tail_after_the_exercises(chapter):
    tagged = editions.solution_cells(chapter)
    assert tagged, "no solution cell is tagged"
    assert tagged == list(range(tagged[0], len(chapter.cells))), "a cell after the solutions is not tagged"
    assert chapter.cells[tagged[0]].source.strip() == "## Solutions"
    assert len(editions.exercises(chapter)) >= 2


def test_student_edition_keeps_every_exercise_and_no_solution(chapter):
    student = editions.student_notebook(chapter)
    kept = [cell for cell in chapter.cells if editions.SOLUTION_TAG not in cell.metadata.get("tags", [])]
    blanked = [editions.blank_answer(c.source) if editions.ANSWER_TAG in c.metadata.get("tags", []) else c.source
               for c in kept]
    assert [c.source for c in student.cells] == blanked
    assert editions.solution_cells(student) == []
    assert not any("## Solutions" in cell.source for cell in student.cells)
    assert editions.exercises(student) == editions.exercises(chapter)
    assert len(student.cells) < len(chapter.cells)
    nbformat.validate(student)
    assert editions.solution_cells(chapter), "the argument was changed"


def test_written_edition_matches_the_notebooks(tmp_path):
    written = editions.write_student_edition(ROOT / "notebooks", tmp_path / "student", only=["00", "2"])
    assert [p.name for p in written] == ["00_setup.ipynb", "02_unet_segmentation.ipynb"]
    student = nbformat.read(written[1], as_version=4)
    assert editions.solution_cells(student) == [] and len(editions.exercises(student)) == 4


def test_the_edition_make_test_runs_is_up_to_date():
    """make test runs build/student under nbval: it must be today's notebooks minus solutions."""
    folder = ROOT / "build" / "student"
    if not folder.is_dir():
        pytest.skip("no build/student: `make student` writes it (make test does first)")
    for path in CHAPTERS:
        target = folder / path.name
        assert target.is_file(), f"{target} is missing: run `make student`"
        expected = editions.student_notebook(nbformat.read(path, as_version=4))
        stored = nbformat.read(target, as_version=4)
        assert [c.source for c in stored.cells] == [c.source for c in expected.cells], \
            f"{target} is older than {path}: run `make student`"


def test_exercises_are_read_across_lines_and_misnumbering_is_refused():
    cell = nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(cells=[cell("# 99 · T"), cell("## Summary\n\n- a\n\n## Exercises\n\n"
                                                                 "1. First\n   continued.\n2. Second\n")])
    assert editions.exercises(nb) == ["First continued.", "Second"]
    nb.cells[1].source = "## Exercises\n\n1. First\n3. Third\n"
    with pytest.raises(ValueError, match="exercise 3 follows exercise 1"):
        editions.exercises(nb)
    assert editions.exercises(nbformat.v4.new_notebook(cells=[cell("# 99 · T")])) == []


def test_exercises_without_tagged_solutions_are_refused_and_the_reverse():
    cell = nbformat.v4.new_markdown_cell
    untagged = nbformat.v4.new_notebook(cells=[cell("# 99 · T"), cell("## Exercises\n\n1. Do it.\n"),
                                               cell("## Solutions"), nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="no cell is tagged 'solution'"):
        editions.student_notebook(untagged)
    orphan = nbformat.v4.new_notebook(cells=[cell("# 99 · T"), nbformat.v4.new_code_cell("x = 1")])
    orphan.cells[1].metadata["tags"] = ["solution"]
    with pytest.raises(ValueError, match="no numbered '## Exercises' list"):
        editions.student_notebook(orphan)


def test_command_line_writes_and_refuses_unknown_chapters(tmp_path, capsys):
    assert editions.main(["student", "--only", "01", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "01_cnn_basics.ipynb").is_file()
    assert capsys.readouterr().out.rstrip().endswith(": 01_cnn_basics")
    with pytest.raises(SystemExit):
        editions.main(["student", "--only", "42", "--out", str(tmp_path)])
    assert "unknown chapter '42'" in capsys.readouterr().err


def _chapter(*cells):
    """A chapter with one exercise, its answer cell and its check, then ``cells``."""
    answer = nbformat.v4.new_code_cell("a = 1  # SOLUTION", metadata={"tags": [editions.ANSWER_TAG]})
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · T"),
                                               nbformat.v4.new_markdown_cell("## Exercises\n\n1. Do it.\n"),
                                               answer, nbformat.v4.new_code_cell('grader.check("exercise_1")'),
                                               *cells])
    return notebook


def _tagged(cell):
    cell.metadata["tags"] = [editions.SOLUTION_TAG]
    return cell


def test_a_cell_after_the_solutions_heading_left_untagged_is_refused_before_it_is_handed_out():
    heading, answer = nbformat.v4.new_markdown_cell("## Solutions"), nbformat.v4.new_code_cell("answer = 42")
    with pytest.raises(ValueError, match=r"cell 5 \('answer = 42'\) comes after the '## Solutions' heading"):
        editions.student_notebook(_chapter(_tagged(heading), answer))
    # an untagged heading above tagged solutions: the heading is refused
    with pytest.raises(ValueError, match=r"cell 4 \('## Solutions'\) comes after"):
        editions.student_notebook(_chapter(nbformat.v4.new_markdown_cell("## Solutions"),
                                           _tagged(nbformat.v4.new_code_cell("answer = 42"))))
    student = editions.student_notebook(_chapter(_tagged(nbformat.v4.new_markdown_cell("## Solutions")),
                                                 _tagged(nbformat.v4.new_code_cell("answer = 42"))))
    assert [cell.source for cell in student.cells][1:] == ["## Exercises\n\n1. Do it.\n", "a = ...",
                                                           'grader.check("exercise_1")']


def test_the_edition_never_overwrites_the_notebooks_it_is_made_from(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    chapter = _chapter(_tagged(nbformat.v4.new_markdown_cell("## Solutions")),
                       _tagged(nbformat.v4.new_code_cell("answer = 42")))
    nbformat.write(chapter, notebooks / "99_test.ipynb")
    before = (notebooks / "99_test.ipynb").read_bytes()
    for out in (notebooks, notebooks / "student", tmp_path / "notebooks" / ".." / "notebooks"):
        with pytest.raises(ValueError, match="would overwrite or mix with the instructor's notebooks"):
            editions.write_student_edition(notebooks, out)
    assert (notebooks / "99_test.ipynb").read_bytes() == before and not (notebooks / "student").exists()
    written = editions.write_student_edition(notebooks, tmp_path / "handout")
    assert written == [tmp_path / "handout" / "99_test.ipynb"]
    assert "answer = 42" not in written[0].read_text()


def test_a_refused_chapter_leaves_the_output_folder_as_it_was(tmp_path):
    notebooks, out = tmp_path / "notebooks", tmp_path / "out"
    notebooks.mkdir()
    nbformat.write(_chapter(_tagged(nbformat.v4.new_markdown_cell("## Solutions"))), notebooks / "01_good.ipynb")
    nbformat.write(_chapter(nbformat.v4.new_markdown_cell("## Solutions"), nbformat.v4.new_code_cell("x = 1")),
                   notebooks / "02_bad.ipynb")
    with pytest.raises(ValueError, match=r"02_bad\.ipynb: .* no cell is tagged 'solution'.* Nothing was written"):
        editions.write_student_edition(notebooks, out)
    assert not out.exists()



def test_every_exercise_has_an_answer_cell_blanked_for_students_and_a_check(chapter):
    from segen_lib import exercises

    asked = editions.exercises(chapter)
    number = _chapter_number(chapter)
    assert editions.checked_exercises(chapter) == list(range(1, len(asked) + 1))
    assert exercises.check_names(number) == [f"exercise_{k}" for k in range(1, len(asked) + 1)]
    answers = editions.answer_cells(chapter)
    assert len(answers) >= len(asked), "an exercise has no answer cell"
    student = editions.student_notebook(chapter)
    blanked = [cell.source for cell in student.cells if editions.ANSWER_TAG in cell.metadata.get("tags", [])]
    assert len(blanked) == len(answers)
    for source in blanked:
        assert "..." in source and "SOLUTION" not in source


def _chapter_number(notebook) -> str:
    import re

    return re.match(r"#\s*(\d\d)", notebook.cells[0].source).group(1)


def test_answer_cells_lose_their_marked_lines_and_keep_the_rest():
    source = ("image = make()\nsize = formula(28)  # SOLUTION\nfor row in rows:\n"
              "    # BEGIN SOLUTION\n    total += row\n    count += 1\n    # END SOLUTION\nprint(size)")
    assert editions.blank_answer(source) == "image = make()\nsize = ...\nfor row in rows:\n    ...\nprint(size)"
    with pytest.raises(ValueError, match="no '# SOLUTION' marker"):
        editions.blank_answer("size = formula(28)")


def test_a_blank_that_ends_the_cell_is_not_echoed():
    import io
    from contextlib import redirect_stdout

    from IPython.core.interactiveshell import InteractiveShell

    blanked = editions.blank_answer("size = 3\n# BEGIN SOLUTION\nprint(size)\n# END SOLUTION\n")
    assert blanked.rstrip().endswith("...;")
    assert editions.blank_answer("x = 2  # SOLUTION\nfor i in range(2):\n    # BEGIN SOLUTION\n    pass\n"
                                 "    # END SOLUTION").endswith("    ...")   # indented: a statement, not echoed
    shell = InteractiveShell.instance()
    for source, echoed in ((blanked, False), (blanked.replace("...;", "..."), True)):
        out = io.StringIO()
        with redirect_stdout(out):
            shell.run_cell(source, store_history=True)   # IPython reads the trailing ";" from its history
        assert ("Ellipsis" in out.getvalue()) == echoed, out.getvalue()
    with pytest.raises(ValueError, match="do not pair up"):
        editions.blank_answer("# BEGIN SOLUTION\nsize = 3")


def test_an_exercise_without_a_check_or_an_unmarked_answer_is_refused():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def chapter(*cells):
        return new_notebook(cells=[new_markdown_cell("# 99 · Test"),
                                   new_markdown_cell("## Exercises\n\n1. One.\n2. Two."), *cells,
                                   new_markdown_cell("## Solutions", metadata={"tags": ["solution"]}),
                                   new_code_cell("x = 1", metadata={"tags": ["solution"]})])

    answer = {"tags": [editions.ANSWER_TAG]}
    one_check = chapter(new_code_cell("a = 1  # SOLUTION", metadata=answer), new_code_cell('grader.check("exercise_1")'))
    with pytest.raises(ValueError, match=r"exercise\(s\) 2 have no check"):
        editions.student_notebook(one_check)
    unmarked = chapter(new_code_cell("a = 1", metadata=answer), new_code_cell('grader.check("exercise_1")'),
                       new_code_cell('grader.check("exercise_2")'))
    with pytest.raises(ValueError, match="no '# SOLUTION' marker"):
        editions.student_notebook(unmarked)
    three = chapter(new_code_cell('grader.check("exercise_1")\ngrader.check("exercise_2")\ngrader.check("exercise_3")'))
    with pytest.raises(ValueError, match="sets 2"):
        editions.student_notebook(three)
