# Two entry points for a fresh machine: `make run` builds the graph and serves it, `make test` tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run build test bench clean

$(BIN)/bercy-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

build: $(BIN)/bercy-graph
	$(BIN)/bercy-graph build

run: build
	$(BIN)/bercy-graph serve

test: $(BIN)/bercy-graph
	$(BIN)/python -m pytest -q

bench: $(BIN)/bercy-graph
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-harvester var
