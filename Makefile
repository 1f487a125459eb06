# Two commands for a fresh machine:
#   make run    set everything up, check (and install with apt when allowed) the libraries Qt's xcb
#               plugin needs, then open the editor (or run the headless demo without a display)
#   make test   set everything up, then run the whole test suite
PYTHON ?= python3
# the suite runs on two worker processes (pytest-xdist); PYTEST_ARGS= runs it in one
PYTEST_ARGS ?= -n 2
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.vanish-installed

.PHONY: run test lint demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m inpaint_core.qtcheck
	$(PY) -m app.main

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check inpaint_core app tests
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) *.egg-info
