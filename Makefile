# The course's commands. `make book` and `make test` are all a reader or CI needs;
# both create the virtual environment from requirements.txt on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb))

.PHONY: venv binder-env chromium book test execute bench freeze clean r-fixtures

venv: $(STAMP)

# Re-install only when the pins change; otherwise `make venv` is a no-op.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# The Binder environment (binder/) plus the JupyterLab that Binder's base image
# provides, for the browser tests (tests/browser/). Rebuilt when binder/ or
# glm_lib changes; postBuild leaves setuptools' build/ folder, removed here.
BINDER_VENV  := .venv-binder
BINDER_STAMP := $(BINDER_VENV)/.installed
binder-env: $(BINDER_STAMP)
$(BINDER_STAMP): binder/requirements.txt binder/postBuild tests/browser/binder-base.txt pyproject.toml $(wildcard glm_lib/*.py glm_lib/*/*.py glm_lib/data/*)
	test -x $(BINDER_VENV)/bin/python || $(PYTHON) -m venv $(BINDER_VENV)
	$(BINDER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BINDER_VENV)/bin/python -m pip install --quiet -r binder/requirements.txt -r tests/browser/binder-base.txt
	PATH="$(CURDIR)/$(BINDER_VENV)/bin:$$PATH" bash binder/postBuild
	rm -rf build
	touch $(BINDER_STAMP)

# The browser tests drive this Chromium through Playwright, which never
# downloads a browser: install Debian's package when it is missing.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	test -x $(CHROMIUM) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

# Builds the HTML book from the committed outputs (nothing is executed).
book: venv
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going --path-output .

# glm_lib's tests, the notebook checks, strict nbval over every chapter, and the
# browser tests (the book, built into a temporary folder, and JupyterLab from
# the Binder environment; screenshots in _build/screenshots/).
# pytest exits 5 when it collects nothing; that must not pass silently.
test: venv binder-env chromium
	$(BIN)/python -m pytest tests $(NOTEBOOKS) --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider; \
	status=$$?; if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$status

# For authors: re-run every chapter top to bottom and store the outputs.
execute: venv
	$(BIN)/python tools/execute_notebook.py $(NOTEBOOKS)

# Where R is installed: refit the reference models and rewrite tests/r/fixtures/*.json
# (commit them; the tests read them, so `make test` needs no R). `_*.R` are helpers.
R_SCRIPTS := $(filter-out tests/r/_%,$(sort $(wildcard tests/r/*.R)))
r-fixtures:
	for script in $(R_SCRIPTS); do Rscript "$$script" || exit 1; done

bench: venv
	$(BIN)/python benchmarks/bench_fit.py

# After adding a dependency on purpose: record the exact versions.
freeze: venv
	{ head -n 2 requirements.txt; $(BIN)/python -m pip freeze --exclude-editable; echo "-e ."; } > requirements.txt.new
	mv requirements.txt.new requirements.txt

clean:
	rm -rf _build
