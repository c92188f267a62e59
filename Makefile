# One-line targets; `make dev` and `make test` install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install postgres engines dev test test-unit lint fmt typecheck bench bench-peers clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# PostgreSQL server binaries (Debian packages) when they are missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql)

# The engines the tests start (Debian packages), installed in one apt-get when one is missing:
# Chromium for the dashboard's browser tests (Playwright drives it; no `playwright install`),
# Podman + runc + a static busybox (the test image) for the container back end, Slurm +
# munge for the Slurm back end's one-node cluster (`time` lets jobs measure themselves).
ENGINE_PACKAGES := chromium podman runc busybox-static slurm-wlm munge time
engines:
	@missing=$$(for p in $(ENGINE_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# `make dev PORT=50090` serves on another port.
dev: install postgres
	$(BIN)/colonies dev $(if $(PORT),--port $(PORT))

lint: install
	$(BIN)/ruff check colonies tests examples benchmarks tools
	$(BIN)/ruff format --check colonies tests examples benchmarks tools
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format colonies tests examples benchmarks tools
	$(BIN)/ruff check --fix colonies tests examples benchmarks tools

typecheck: install
	$(BIN)/mypy

test: install postgres engines lint typecheck
	$(PY) -m pytest -n 2

test-unit: install
	$(PY) -m pytest tests/unit

bench: install
	$(PY) ../shared/bench/colonies_load.py

# Our SDK executor beside Celery and arq on a private Redis (issue 17's load shape).
bench-peers: install postgres
	@command -v redis-server >/dev/null || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server)
	$(PY) -m pip install -q -e '.[dev,bench]'
	$(PY) benchmarks/peers.py --rounds 3 --duration 20

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
