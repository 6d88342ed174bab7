# Two entry points for a fresh machine: `make run` builds the graph and serves it, `make test` tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HARVESTER := .venv-harvester/.installed
# Swagger UI and ReDoc for /docs and /redoc (npm, pinned by the lock file; node_modules is never committed)
ASSETS_DIR := graph_service/web/assets
ASSETS := $(ASSETS_DIR)/node_modules/.package-lock.json
# Debian's Chromium, driven by Playwright in tests/test_browser.py (CI runs as root)
CHROMIUM := /usr/bin/chromium
# Comunica (SPARQL and link traversal), driven by tests/test_comunica.py, and axe-core (accessibility), injected
# by tests/test_browser.py (npm, pinned by the lock file)
CLIENTS := tests/clients/node_modules/.package-lock.json

.PHONY: run build test harvester-env assets browser clients-env engines bench bench-env bench-harness mutate clean

$(BIN)/bercy-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools>=70.1"
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

build: $(BIN)/bercy-graph $(ASSETS)
	$(BIN)/bercy-graph build

run: build
	$(BIN)/bercy-graph serve

# CKAN's DCAT parser in its own environment (AGPL: installed beside ours, never in it), for the
# harvester test; installed here, before the tests run, never by a test.
$(HARVESTER): tests/harvester/ckanext-dcat-parser-requirements.txt | $(BIN)/bercy-graph
	$(BIN)/python -m tests.harvester.env install

harvester-env: $(HARVESTER)

$(ASSETS): $(ASSETS_DIR)/package.json $(ASSETS_DIR)/package-lock.json
	cd $(ASSETS_DIR) && npm ci
	touch $@

assets: $(ASSETS)

# installed only when missing (a file target without prerequisites)
$(CHROMIUM):
	apt-get update
	apt-get install -y --no-install-recommends chromium

browser: $(CHROMIUM)

$(CLIENTS): tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund
	touch $@

clients-env: $(CLIENTS)

# Virtuoso, the second SPARQL engine tests/test_remote_store.py runs the remote store against (the first, the
# Oxigraph server, is the test extra `oxigraph`): installed only when missing, by apt-get as root
VIRTUOSO := /usr/bin/virtuoso-t
$(VIRTUOSO):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends virtuoso-opensource-7-bin; \
	else \
		echo "Virtuoso not installed (needs root and apt-get): install virtuoso-opensource-7-bin, or tests/test_remote_store.py's Virtuoso tests fail"; \
	fi

engines: $(VIRTUOSO)

# The harness's anchors, each in its own environment beside ours (their pins clash with ours):
# the Oxigraph server CLI (`oxigraph load`, `serve-read-only`) and Morph-KGC (RML).
BENCH_ENV := .venv-bench/.installed
MORPH_ENV := .venv-morph/.installed

test: $(BIN)/bercy-graph $(HARVESTER) $(ASSETS) $(CHROMIUM) $(CLIENTS) $(BENCH_ENV) $(MORPH_ENV) $(VIRTUOSO)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=30

bench: $(BIN)/bercy-graph
	$(BIN)/python -m benchmarks

$(BENCH_ENV): benchmarks/anchors/requirements-bench.txt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet -r $<
	touch $@

$(MORPH_ENV): benchmarks/anchors/requirements-morph.txt
	$(PYTHON) -m venv .venv-morph
	.venv-morph/bin/pip install --quiet -r $<
	touch $@

bench-env: $(BENCH_ENV) $(MORPH_ENV)

# `make bench-harness SIZE=100k` (tiny, 10k, 100k; 1m and the national run on a quiet machine only)
SIZE ?= 10k
bench-harness: $(BIN)/bercy-graph bench-env
	$(BIN)/python -m benchmarks harness --size $(SIZE)

# Mutation testing of the modules where a silent error costs users most ([tool.mutmut] in
# pyproject.toml lists them): slow (the suite once, then the covering tests per mutant), not in CI.
# Results stay in mutants/ (ignored by git); `make mutate` resumes where it stopped.
mutate: $(BIN)/bercy-graph
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	$(BIN)/mutmut run || true
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) .venv-harvester .venv-bench .venv-morph var mutants $(ASSETS_DIR)/node_modules tests/clients/node_modules
