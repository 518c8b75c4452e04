# The README's two commands: `make run` and `make test`. Each builds its own .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/showctl run --simulate --config config/venue.yaml

test: $(STAMP)
	./scripts/system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/load.py
	$(BIN)/python bench/timing.py

clean:
	rm -rf $(VENV) .pytest_cache
