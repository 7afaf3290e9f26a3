# The two set-up commands of the README. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test install bench

$(BIN)/gateway: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/gateway

install: $(BIN)/gateway

# Runs the gateway on its embedded default (SQLite file gateway.db in this folder).
serve: install
	$(BIN)/gateway serve

# Runs the tests on SQLite; set GATEWAY_TEST_DATABASE_URL for PostgreSQL, e.g.
# GATEWAY_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make test
test: install
	$(BIN)/ruff check gateway tasks tests bench
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/intake_throughput.py
