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
# nbval runs every chapter with this kernel: the Binder environment's own Python,
# so one run checks both the stored outputs and that a learner's Binder runs it.
BINDER_KERNEL := $(BINDER_VENV)/share/jupyter/kernels/glm-course-binder/kernel.json
binder-env: $(BINDER_STAMP)
$(BINDER_STAMP): binder/requirements.txt binder/postBuild tests/browser/binder-base.txt pyproject.toml $(wildcard glm_lib/*.py glm_lib/*/*.py glm_lib/data/*)
	test -x $(BINDER_VENV)/bin/python || $(PYTHON) -m venv $(BINDER_VENV)
	$(BINDER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BINDER_VENV)/bin/python -m pip install --quiet -r binder/requirements.txt -r tests/browser/binder-base.txt
	PATH="$(CURDIR)/$(BINDER_VENV)/bin:$$PATH" bash binder/postBuild
	rm -rf build
	mkdir -p $(dir $(BINDER_KERNEL))
	printf '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Binder environment", "language": "python"}\n' \
		"$(CURDIR)/$(BINDER_VENV)/bin/python" > $(BINDER_KERNEL)
	touch $(BINDER_STAMP)

# The browser tests drive this Chromium through Playwright, which never
# downloads a browser: install Debian's package when it is missing.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	test -x $(CHROMIUM) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

# Builds the HTML book from the committed outputs (nothing is executed), into
# _build/html. Rebuilt only when a source changed, so `make test` (which builds it
# for the browser tests) and `make book` share one build.
BOOK_SOURCES := _config.yml _toc.yml references.bib $(wildcard chapters/* reference/* _static/* tools/*.py glm_lib/*.py glm_lib/*/*.py)
BOOK_STAMP := _build/.built
book: $(BOOK_STAMP)
$(BOOK_STAMP): $(STAMP) $(BOOK_SOURCES)
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going --path-output .
	touch $(BOOK_STAMP)

# glm_lib's tests, strict nbval over every chapter (run in the Binder environment's
# kernel; the stored inline numbers are checked in the same run, see conftest.py),
# and the browser tests (the book built by `make book`, and JupyterLab from the
# Binder environment; screenshots in _build/screenshots/). Two workers, one file
# each at a time (a notebook's cells share a kernel), BLAS on one thread per
# worker (two busy threads per worker on two cores slow BLAS by 10-70x); the ten
# slowest tests are listed at the end.
# pytest exits 5 when it collects nothing; that must not pass silently.
test: venv binder-env chromium book
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 JUPYTER_PATH="$(CURDIR)/$(BINDER_VENV)/share/jupyter" BOOK_HTML="$(CURDIR)/_build/html" \
	$(BIN)/python -m pytest tests $(NOTEBOOKS) -n 2 --dist loadfile --durations=10 \
		--nbval --nbval-kernel-name glm-course-binder \
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
