# Two entry points: `make run` (the app on the bundled sample) and `make test` (lint + tests).
# Both create ./.venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-test install-bench browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python browser
	$(BIN)/pip install --quiet -e ".[test]"

# The browser tests drive Debian's Chromium through Playwright; `playwright install` is never used (no CDN here).
browser:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@command -v curl >/dev/null || $(SUDO) apt-get install -y -qq curl

run: install
	$(BIN)/python app.py

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

install-bench: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[bench]"

bench: install-bench
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/query.py
	$(BIN)/python bench/cold_start.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
