# ASC Web: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test lint format bench install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

# Set up everything on a fresh machine, migrate the SQLite database and serve the
# console in sandbox mode on http://127.0.0.1:$(PORT) (threaded dev server), with the
# background worker (scheduled checks, reminders, Check all) beside it. Ctrl-C stops
# both; the worker also stops by itself once the server has gone (--stop-with-parent:
# the shell becomes the server through exec, so the server is the worker's parent).
run: install
	$(BIN)/flask --app asc_web db upgrade
	PORT=$(PORT) $(BIN)/flask --app asc_web worker --stop-with-parent & \
	PORT=$(PORT) exec $(BIN)/flask --app asc_web run --host 127.0.0.1 --port $(PORT) --with-threads

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

# Load-test gunicorn on loopback with wrk (apt-get install -y wrk): seeded databases of
# 100, 10,000 and 100,000 stores, a table against /healthz, results in bench/results/.
# Options: make bench BENCH_ARGS="--quick" (smoke run), see bench/README.md.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
