# Conveyor — `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PYTEST_ARGS ?=

##@ General

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} \
	  /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: uv
uv: ## Install uv if it is missing (user install, no root)
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv

.PHONY: sync
sync: uv ## Create .venv from uv.lock (system Python, no interpreter download)
	$(UV) sync --frozen

.PHONY: dev
dev: sync ## Run PostgreSQL, Redis, api, worker and beat on this machine (Ctrl-C stops all)
	$(UV) run --frozen conveyor dev

##@ Quality

.PHONY: lint
lint: sync ## ruff (lint + format check) and mypy
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy services tests bench

.PHONY: fmt
fmt: sync ## Format and autofix
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

.PHONY: test
test: lint ## Lint, then run the test suite against real PostgreSQL and Redis
	$(UV) run --frozen pytest $(PYTEST_ARGS)

.PHONY: bench
bench: sync ## Run the benchmarks and print their figures
	$(UV) run --frozen python -m bench

.PHONY: clean
clean: ## Remove the dev stack's data and caches
	rm -rf .conveyor .pytest_cache .mypy_cache .ruff_cache
