# Xinyong: two commands for users (`make run`, `make test`), a few for developers.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH ?=

.PHONY: run test smoke bench lint messages system-deps help

help:
	@echo "make run    - set up and serve the demo platform on http://127.0.0.1:8000 (SQLite)"
	@echo "make test   - set up and run the whole suite on PostgreSQL, plus a SQLite smoke run"
	@echo "make bench  - run the benchmarks (BENCH=<name> for one)"
	@echo "make lint   - ruff"

system-deps:
	@scripts/system-deps.sh $(DEPS_PROFILE)

$(STAMP): requirements/base.txt requirements/test.txt requirements/lock.txt pyproject.toml
	@echo "==> Python environment ($(VENV))"
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/test.txt -c requirements/lock.txt \
		2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . \
		2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
	@touch $(STAMP)

messages: $(STAMP)
	@scripts/compile-messages.sh

run: DEPS_PROFILE = run
run: system-deps $(STAMP) messages
	@scripts/run.sh

test: DEPS_PROFILE = test
test: system-deps $(STAMP) messages
	@scripts/test.sh

bench: DEPS_PROFILE = test
bench: system-deps $(STAMP) messages
	@scripts/bench.sh $(BENCH)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
