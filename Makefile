# Two entry points: `make run` (the app on the bundled sample) and `make test` (lint + tests).
# Both create ./.venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-test install-bench browser bench reader clean

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

# The trained reader (issue 26), rebuilt from scratch: a full-2023 store, its examples from the dev split (Jan-Apr
# questions, as of each one's date, asked as they are and with each option), the sample's calibration sets and
# synthetic questions from the Jan-Jun articles (asked as they are and as multiple choice), then training and the
# int8 export. About 1 h 5 min on 2 cores (ingest ~16, examples ~8, synthetic ~5, training ~31). Writes
# data/reader/reader-int8.onnx and training.json; put its sha256 in assistant/reader.py (READER_SHA256).
RTQA ?= ../shared/benchmarks/realtimeqa
READER_WORK ?= runs/reader
CALIBRATION := $(addprefix data/calibration/sample-,fresh.jsonl fresh2.jsonl kinds.jsonl lists.jsonl more.jsonl questions.jsonl)
reader: install
	mkdir -p $(READER_WORK)
	NEWSDESK_STORE_PATH=$(READER_WORK)/store NEWSDESK_DENSE_SCOPE=lead $(BIN)/newsdesk ingest $(RTQA)/articles-2023.jsonl.gz
	NEWSDESK_STORE_PATH=$(READER_WORK)/store NEWSDESK_READER_WEIGHT=0 $(BIN)/python -m assistant.training examples \
		$(RTQA)/questions-2023H1.jsonl --split dev --earlier --choices --out $(READER_WORK)/dev.jsonl
	NEWSDESK_STORE_PATH=$(READER_WORK)/sample-store NEWSDESK_READER_WEIGHT=0 $(BIN)/python -m assistant.training \
		examples $(CALIBRATION) --sample --out $(READER_WORK)/sample.jsonl
	$(BIN)/python -m assistant.training synthetic $(RTQA)/articles-2023.jsonl.gz --out $(READER_WORK)/synthetic.jsonl
	$(BIN)/python -m assistant.training train $(READER_WORK)/dev.jsonl $(READER_WORK)/sample.jsonl \
		$(READER_WORK)/synthetic.jsonl --out data/reader --work $(READER_WORK)/model

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
