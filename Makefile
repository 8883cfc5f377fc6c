# Everything a contributor runs. The first target that needs Python creates .venv by itself
# and installs the pinned dependencies from requirements.lock.
PYTHON ?= python3
VENV ?= .venv
PYTHON_VERSIONS := 3.11 3.12 3.13
BIN := $(VENV)/bin
PYODIDE := pyodide/node_modules/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test test-all lint pytest update-examples diagrams bench lock clean

$(BIN)/.installed: requirements.lock $(PYODIDE)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --requirement requirements.lock
	$(BIN)/python -m scripts.run_in_browser  # the wheels the examples import, for the browser
	touch $@

# Pyodide for the Run buttons, pinned in pyodide/package-lock.json, published with the site.
$(PYODIDE): pyodide/package-lock.json
	cd pyodide && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

serve: $(BIN)/.installed  ## build the site and serve it on http://127.0.0.1:8000 with live reload
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: $(BIN)/.installed  ## write the static site to site/ (no network needed)
	$(BIN)/mkdocs build --strict

test: lint pytest  ## the whole suite

# The whole suite once per Python version, each in its own .venv-X.Y. Finds the interpreters
# under pyenv, or as pythonX.Y on the PATH.
test-all:
	@for version in $(PYTHON_VERSIONS); do \
	    python=$$(ls -d $$(pyenv root 2>/dev/null)/versions/$$version.*/bin/python$$version 2>/dev/null | tail -n 1); \
	    [ -n "$$python" ] || python=$$(command -v python$$version); \
	    [ -n "$$python" ] || { echo "Python $$version not found"; exit 1; }; \
	    echo "=== Python $$version: $$python"; \
	    $(MAKE) --no-print-directory test PYTHON=$$python VENV=.venv-$$version || exit 1; \
	done

lint: $(BIN)/.installed
	$(BIN)/ruff check snippets tests scripts
	$(BIN)/ruff format --check snippets tests scripts
	$(BIN)/mypy

# One worker per core (pytest-xdist); a plain `pytest` runs in one process, as
# `update-examples` must, since parallel workers would rewrite the same files.
pytest: $(BIN)/.installed
	$(BIN)/pytest -n auto

# Rewrites stale `#>` comments and output blocks on purpose. One pass per kind of file,
# because pytest-examples cannot rewrite one file from two tests in the same run.
update-examples: $(BIN)/.installed
	$(BIN)/pytest tests/test_examples.py -k modules --update-examples
	$(BIN)/pytest tests/test_examples.py -k docstrings --update-examples
	$(BIN)/pytest tests/test_examples.py -k pages --update-examples

bench: $(BIN)/.installed bench/node_modules/.installed  ## Lighthouse budget on every page (needs chromium, node)
	$(BIN)/python -m scripts.bench

diagrams: $(BIN)/.installed  ## render docs/**/*.dot to light and dark SVGs (needs graphviz)
	$(BIN)/python scripts/diagrams.py

lock:  ## re-resolve requirements.lock from the pins in pyproject.toml
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > .lock-venv/direct.txt
	.lock-venv/bin/python -m pip install --quiet --requirement .lock-venv/direct.txt
	.lock-venv/bin/python -m pip freeze --all | grep -v -E '^(pip|setuptools|wheel)==' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf site .venv .venv-3.* .mypy_cache .ruff_cache .pytest_cache pyodide/node_modules

bench/node_modules/.installed: bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --ignore-scripts
	touch $@
