# The two set-up commands of the README. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve demo test lint install bench bench-intake browser pdf-libs

# The browser tests drive Debian's chromium (never a downloaded browser); installed here
# when missing, with sudo when not root.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/gateway: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/gateway

install: $(BIN)/gateway pdf-libs

# WeasyPrint (the beschikking as PDF) loads pango and harfbuzz-subset from the system;
# installed here when missing, like the browser.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
pdf-libs:
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 && ldconfig -p | grep -q libharfbuzz-subset.so.0 \
	  || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(PDF_LIBS) \
	  || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(PDF_LIBS))

# Runs the gateway on its embedded default (SQLite file gateway.db in this folder).
serve: install
	$(BIN)/gateway serve

# The README's quickstart, unattended: a gateway of its own on a free port with a new SQLite
# database in a temporary folder (never ./gateway.db), each answer printed; fails on any surprise.
demo: install
	$(BIN)/gateway demo

# Runs the tests on SQLite; set GATEWAY_TEST_DATABASE_URL for PostgreSQL, e.g.
# GATEWAY_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make test
test: install browser lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# What keeps the house in order (docs/architecture.md): ruff, the type checker, and the layers
# and acyclic packages as import-linter contracts.
lint: install
	$(BIN)/ruff check gateway tasks tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

browser:
	@test -x $(CHROMIUM) || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
	  || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

bench: install
	$(BIN)/python bench/intake_throughput.py

# The front-door benchmark (bench/intake.py) drives Debian's wrk; installed here when missing,
# like the browser. Pass options with INTAKE_ARGS, e.g. INTAKE_ARGS=--burst.
WRK ?= /usr/bin/wrk
bench-intake: install
	@test -x $(WRK) || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk \
	  || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk)
	$(BIN)/python bench/intake.py $(INTAKE_ARGS)
