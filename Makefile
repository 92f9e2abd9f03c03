# Two commands do everything on a fresh machine (Python 3.11, pip, make, git); both install the
# exact tested versions from constraints.txt (pyproject.toml keeps compatible ranges):
#   make sample   set up, then build sample/handout.pdf from the built-in library
#   make test     set up, then lint, type-check and run the whole test suite
# rehabplan is installed editable, so .venv/bin/pytest and .venv/bin/rehabplan run the code as it
# is edited; only a change to what is installed (pyproject.toml, constraints.txt) reinstalls.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SOURCES := pyproject.toml constraints.txt Makefile

.PHONY: sample test test-fast check goldens setup system-libs bench clean

sample: $(STAMP)
	@mkdir -p sample
	$(VENV)/bin/rehabplan build examples/patient.yaml -o sample/handout.pdf --force
	$(VENV)/bin/rehabplan build examples/patient.yaml --format json -o sample/plan.json --force
	@echo "Sample handout: sample/handout.pdf"

test: check
	$(PY) -m pytest

# The tests not marked slow (whole-handout layouts, long property runs): about a minute.
test-fast: check
	$(PY) -m pytest -m "not slow"

check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Rewrite tests/golden/*.html after an intended change to the templates; review the diff.
goldens: $(STAMP)
	$(PY) -m pytest tests/test_render.py -k golden --update-goldens
	@git --no-pager diff --stat -- 'tests/golden/*.html'

setup: $(STAMP)

# WeasyPrint renders faster and byte-reproducibly with HarfBuzz's subsetter. Install it where we
# can (root + apt); elsewhere say so plainly and carry on: everything still works.
system-libs:
	@if ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset.so.0; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing libharfbuzz-subset0 (faster, reproducible PDF font subsetting)"; \
	  (apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1)) || \
	  echo "NOTE: could not install libharfbuzz-subset0; PDFs still build, more slowly."; \
	else \
	  echo "NOTE: libharfbuzz-subset0 is not installed and this is not a root/apt machine."; \
	  echo "      PDFs still build; ask your admin for 'libharfbuzz-subset0' for faster renders."; \
	fi

$(STAMP): $(SOURCES) | system-libs
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
	@touch $(STAMP)

bench: $(STAMP)
	$(PY) benchmarks/startup.py
	$(PY) benchmarks/plan.py
	$(PY) benchmarks/render.py
	$(PY) benchmarks/bulk.py
	$(PY) benchmarks/figures.py --no-pdf
	$(PY) benchmarks/where.py
	@echo "Against the previous release: $(PY) benchmarks/compare.py [--quick] (installs it into .bench-cache/)"

clean:
	rm -rf $(VENV) sample build dist .bench-cache .mypy_cache
