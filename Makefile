# Two commands on a fresh machine: `make demo` and `make test`. Everything lives in .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PLATFORM ?= fc
PORT ?= 9000

.PHONY: setup test fuzz demo bench bench-instructions lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

# At least 100,000 mutated events through every platform decoder and the whole handler; prints the
# count and every failure (tests/test_fuzz.py). `make test` runs a bounded sample of the same suite.
fuzz: setup
	BRIDGE_FUZZ=1 $(PY) -m pytest tests/test_fuzz.py -q -s -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check bridge tests examples benchmarks

demo: setup
	cd examples/flask_todo && ../../$(PY) -m flask --app todo init-db
	$(VENV)/bin/bridge serve index:handler --chdir examples/flask_todo --platform $(PLATFORM) --port $(PORT)

bench: setup
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) -m benchmarks

# Instructions and cache misses per invocation (cachegrind); needs valgrind, takes a few minutes.
bench-instructions: setup
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) -m benchmarks.instructions

clean:
	rm -rf $(VENV) build .pytest_cache
