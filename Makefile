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

.PHONY: help venv demo test lint fmt bench checkov-venv clean

help:
	@echo "make demo   — set up and run the main job on the embedded default (SQLite catalog + local warehouse)"
	@echo "make test   — set up and run every test (Python, Terraform, checkov, emulators)"
	@echo "make lint   — ruff + terraform fmt -check"
	@echo "make fmt    — ruff format/fix + terraform fmt"
	@echo "make bench  — benchmarks, printed as ratios against a baseline measured in the same run"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install -q 'checkov==3.3.30'
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: $(STAMP) checkov-venv
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check pipelines tests scripts
	$(BIN)/ruff format --check pipelines tests scripts
	terraform fmt -check -recursive terraform

fmt: $(STAMP)
	$(BIN)/ruff check --fix pipelines tests scripts
	$(BIN)/ruff format pipelines tests scripts
	terraform fmt -recursive terraform

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf .lakehouse .pytest_cache
