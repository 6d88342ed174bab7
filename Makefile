# Two entry points for a fresh machine: `make run` builds the graph and serves it, `make test` tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HARVESTER := .venv-harvester/.installed

.PHONY: run build test harvester-env bench mutate clean

$(BIN)/bercy-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools>=70.1"
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

build: $(BIN)/bercy-graph
	$(BIN)/bercy-graph build

run: build
	$(BIN)/bercy-graph serve

# CKAN's DCAT parser in its own environment (AGPL: installed beside ours, never in it), for the
# harvester test; installed here, before the tests run, never by a test.
$(HARVESTER): tests/harvester/ckanext-dcat-parser-requirements.txt | $(BIN)/bercy-graph
	$(BIN)/python -m tests.harvester.env install

harvester-env: $(HARVESTER)

test: $(BIN)/bercy-graph $(HARVESTER)
	$(BIN)/python -m pytest -q

bench: $(BIN)/bercy-graph
	$(BIN)/python -m benchmarks

# Mutation testing of the modules where a silent error costs users most ([tool.mutmut] in
# pyproject.toml lists them): slow (the suite once, then the covering tests per mutant), not in CI.
# Results stay in mutants/ (ignored by git); `make mutate` resumes where it stopped.
mutate: $(BIN)/bercy-graph
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	$(BIN)/mutmut run || true
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) .venv-harvester var mutants
