# Two commands do the whole set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

.PHONY: run test lint typecheck check bench clean-data browser k8s image

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@# The source roots on the virtualenv's path, as manage.py and pytest put them: tools run
	@# from .venv/bin (lint-imports, a shell) then find `parcours` and the top-level packages.
	$(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'], 'parcours-sources.pth').write_text('$(CURDIR)\n$(CURDIR)/platform\n')"
	@touch $(STAMP)

## Serve the platform with demo data (embedded PostgreSQL/Redis unless DATABASE_URL/CELERY_BROKER_URL are set).
run: $(STAMP)
	$(PY) infra/dev/run.py

## Run the whole test suite (browser tests need Chromium: `make browser` installs it).
## Connections are not kept between requests in tests (CONN_MAX_AGE=0): requests answered in
## other threads or contexts (live servers, Playwright's handlers) would each keep one open until
## PostgreSQL refused new clients.
test: $(STAMP) browser
	CONN_MAX_AGE=$${CONN_MAX_AGE:-0} $(PY) infra/dev/with_services.py $(PY) -m pytest $(PYTEST_ARGS)

## Debian's Chromium for the Playwright tests (a test tool's own browser download fails offline).
browser:
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "warning: /usr/bin/chromium missing; browser tests will be skipped")

## Style and layers: ruff, then the import contracts of pyproject.toml (docs/architecture.md).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## The Kubernetes manifests (infra/k8s): build each overlay, validate it, refuse secret values.
k8s: $(STAMP)
	$(PY) -m infra.k8s.check

## The container image (podman, else docker): infra/container/Containerfile.
IMAGE ?= parcours:latest
image:
	$$(command -v podman || command -v docker) build -f infra/container/Containerfile -t $(IMAGE) .

typecheck: $(STAMP)
	$(VENV)/bin/mypy platform tenants api frontend infra routes

check: lint typecheck test

## Benchmarks print figures side by side with stock django-tenants; results go under benchmarks/results/.
bench: $(STAMP)
	$(PY) infra/dev/with_services.py $(PY) benchmarks/run_all.py

clean-data:
	rm -rf .data
