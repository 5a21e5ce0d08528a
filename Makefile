# icespec — every target creates the environment it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CHECKOV_VENV ?= .venv-checkov
# Offline provider mirror (a folder holding registry.terraform.io/...); override for other machines.
ICESPEC_TF_PLUGIN_DIR ?= /opt/tf-plugins
export ICESPEC_TF_PLUGIN_DIR
export DAGSTER_HOME ?= $(CURDIR)/.lakehouse/dagster_home
export PYTHONDONTWRITEBYTECODE := 1

STAMP := $(VENV)/.installed

.PHONY: help venv demo test lint typecheck fmt bench checkov-venv iam-lint-venv bqemulator-venv duckdb-iceberg-venv gcp-provider-schema clean

help:
	@echo "make demo   — set up and run the main job on the embedded default (SQLite catalog + local warehouse)"
	@echo "make test   — set up and run every test (Python, Terraform, checkov, emulators)"
	@echo "make lint   — ruff + mypy (strict on the core layers) + terraform fmt -check"
	@echo "make fmt    — ruff format/fix + terraform fmt"
	@echo "make bench  — benchmarks, printed as ratios against a baseline measured in the same run"

$(STAMP): pyproject.toml examples/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install -q -c constraints.txt --no-deps -e examples  # the demo, its own distribution
	touch $(STAMP)

venv: $(STAMP)

$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install -q 'checkov==3.3.30'
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed

# The IAM linter (parliament) in its own venv: it lints every policy the Terraform stacks render
# (tests/terraform/iam_lint.py).
IAM_LINT_VENV ?= .venv-iam-lint
$(IAM_LINT_VENV)/.installed:
	test -x $(IAM_LINT_VENV)/bin/python || $(PYTHON) -m venv $(IAM_LINT_VENV)
	$(IAM_LINT_VENV)/bin/python -m pip install -q --upgrade pip
	$(IAM_LINT_VENV)/bin/python -m pip install -q 'parliament==1.6.4'
	touch $@

iam-lint-venv: $(IAM_LINT_VENV)/.installed

# BigQuery emulator in its own venv; DuckDB's spatial extension comes from its PyPI wheel and is
# linked where DuckDB looks (HOME is pointed at duckdb-home by tests/gcp/conftest.py), so nothing is downloaded.
BQEMULATOR_VENV ?= .venv-bqemulator
BQEMULATOR_DUCKDB ?= 1.5.5
$(BQEMULATOR_VENV)/.installed:
	test -x $(BQEMULATOR_VENV)/bin/python || $(PYTHON) -m venv $(BQEMULATOR_VENV)
	$(BQEMULATOR_VENV)/bin/python -m pip install -q --upgrade pip
	$(BQEMULATOR_VENV)/bin/python -m pip install -q 'bqemulator==1.4.0' numpy 'duckdb==$(BQEMULATOR_DUCKDB)' 'duckdb-extension-spatial==$(BQEMULATOR_DUCKDB)'
	mkdir -p $(BQEMULATOR_VENV)/duckdb-home/.duckdb/extensions/v$(BQEMULATOR_DUCKDB)/linux_amd64
	ln -sf "$$($(BQEMULATOR_VENV)/bin/python -c 'import duckdb_extension_spatial, pathlib; print(next(pathlib.Path(duckdb_extension_spatial.__file__).parent.rglob("spatial.duckdb_extension")))')" \
	  $(BQEMULATOR_VENV)/duckdb-home/.duckdb/extensions/v$(BQEMULATOR_DUCKDB)/linux_amd64/spatial.duckdb_extension
	touch $@

bqemulator-venv: $(BQEMULATOR_VENV)/.installed

# The independent Iceberg reader (tests/support/independent_reader.py): DuckDB with its iceberg, avro and
# httpfs extensions from PyPI, all at one version (Soda holds the project's duckdb at 1.0, which has none).
DUCKDB_ICEBERG_VENV ?= .venv-duckdb-iceberg
DUCKDB_ICEBERG_VERSION ?= 1.5.5
$(DUCKDB_ICEBERG_VENV)/.installed:
	test -x $(DUCKDB_ICEBERG_VENV)/bin/python || $(PYTHON) -m venv $(DUCKDB_ICEBERG_VENV)
	$(DUCKDB_ICEBERG_VENV)/bin/python -m pip install -q --upgrade pip
	$(DUCKDB_ICEBERG_VENV)/bin/python -m pip install -q 'duckdb==$(DUCKDB_ICEBERG_VERSION)' \
	  'duckdb-extension-iceberg==$(DUCKDB_ICEBERG_VERSION)' 'duckdb-extension-avro==$(DUCKDB_ICEBERG_VERSION)' \
	  'duckdb-extension-httpfs==$(DUCKDB_ICEBERG_VERSION)' "$$(grep -i '^pyarrow==' constraints.txt)"
	touch $@

duckdb-iceberg-venv: $(DUCKDB_ICEBERG_VENV)/.installed

# google provider schema (type metadata of cdktf-cdktf-provider-google), read as source by tests/gcp.
GCP_PROVIDER_SCHEMA ?= .venv-gcp-provider-schema
$(GCP_PROVIDER_SCHEMA)/.installed:
	$(PYTHON) -m pip install -q --no-deps --target $(GCP_PROVIDER_SCHEMA) 'cdktf-cdktf-provider-google==16.12.1'
	touch $@

gcp-provider-schema: $(GCP_PROVIDER_SCHEMA)/.installed

demo: $(STAMP) duckdb-iceberg-venv
	$(BIN)/python scripts/demo.py

test: $(STAMP) checkov-venv iam-lint-venv bqemulator-venv duckdb-iceberg-venv gcp-provider-schema typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2

typecheck: $(STAMP)
	$(BIN)/mypy

lint: $(STAMP) typecheck
	$(BIN)/ruff check pipelines examples tests scripts
	$(BIN)/ruff format --check pipelines examples tests scripts
	terraform fmt -check -recursive terraform

fmt: $(STAMP)
	$(BIN)/ruff check --fix pipelines examples tests scripts
	$(BIN)/ruff format pipelines examples tests scripts
	terraform fmt -recursive terraform

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf .lakehouse .pytest_cache
