"""The README's picture of the course site comes from a learner-mode run of every chapter.

``site/home.json`` (written by ``python -m segen_course.picture`` with the picture) records
the run the picture was taken from; these tests fail when that run was in fast mode, misses a
chapter or shows a failed one, or when ``site/home.png`` is not the picture it describes.
"""

import json
import re

import pytest

from segen_course.picture import PICTURE, RECORD, picture_source, sha256, take
from segen_course.runner import REPO_ROOT, list_chapters

CHAPTERS = [path.stem for path in list_chapters()]


@pytest.fixture(scope="module")
def record():
    assert RECORD.is_file(), f"{RECORD} is missing: run `make course && make site && make picture`"
    return json.loads(RECORD.read_text(encoding="utf-8"))


def test_the_readme_shows_the_picture():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"!\[[^\]]+\]\(site/home\.png\)", readme)


def test_the_picture_comes_from_a_learner_mode_run_of_every_chapter(record):
    assert record["mode"] == "learner", "the README's picture was taken from a fast-mode run: make picture"
    assert [chapter["name"] for chapter in record["chapters"]] == CHAPTERS
    assert {chapter["status"] for chapter in record["chapters"]} == {"ok"}
    assert picture_source(record, CHAPTERS)["chapters"] == record["chapters"]


def test_the_picture_is_the_one_the_record_describes(record):
    assert sha256(PICTURE) == record["picture_sha256"], "site/home.png was changed without make picture"


@pytest.mark.parametrize("change, message", [
    (lambda run: {**run, "mode": "fast"}, "received a fast-mode one"),
    (lambda run: {**run, "chapters": run["chapters"][:-1]}, "missing: \\['12_"),
    (lambda run: {**run, "chapters": [{**c, "status": "failed"} if c["name"].startswith("03") else c
                                      for c in run["chapters"]]}, "not ok: \\['03_gan_theory \\(failed\\)'\\]"),
    (lambda run: {}, "no course run was found"),
])
def test_a_run_unfit_for_the_picture_is_refused(change, message):
    run = {"mode": "learner", "date": "2026-12-06 12:00 UTC",
           "chapters": [{"name": name, "status": "ok", "time": "1 min"} for name in CHAPTERS]}
    assert picture_source(run, CHAPTERS)["mode"] == "learner"
    with pytest.raises(ValueError, match=message):
        picture_source(change(run), CHAPTERS)


def test_the_command_refuses_a_fast_mode_build_before_touching_the_picture(tmp_path):
    (tmp_path / "report.json").write_text(json.dumps({
        "mode": "fast", "date": "2026-12-06 12:00 UTC",
        "chapters": [{"name": name, "status": "ok"} for name in CHAPTERS]}), encoding="utf-8")
    picture, record = tmp_path / "home.png", tmp_path / "home.json"
    with pytest.raises(ValueError, match="fast-mode"):
        take(tmp_path, picture=picture, record=record)
    assert not picture.exists() and not record.exists()


def test_the_command_refuses_a_site_built_from_another_run(tmp_path):
    (tmp_path / "report.json").write_text(json.dumps({
        "mode": "learner", "date": "2026-12-06 12:00 UTC",
        "chapters": [{"name": name, "status": "ok"} for name in CHAPTERS]}), encoding="utf-8")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("Built from the course run of 2026-11-30 23:02 UTC", encoding="utf-8")
    with pytest.raises(ValueError, match="make site"):
        take(tmp_path, picture=tmp_path / "home.png", record=tmp_path / "home.json")
