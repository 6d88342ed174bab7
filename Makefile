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
	@if $(BIN)/bercy-graph serve --help >/dev/null 2>&1; then $(BIN)/bercy-graph serve; fi

test: $(BIN)/bercy-graph
	$(BIN)/python -m pytest -q

bench: $(BIN)/bercy-graph
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var
