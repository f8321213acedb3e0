# Two commands on a fresh machine with Python 3.11:
#   make run   - install, migrate, load the demo ISP once, print the admin login, serve
#   make test  - install what the tests need and run the whole suite
# Production settings come from the environment (see README: DATABASE_URL, REDIS_URL ...).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app run
PYTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the tests drive for real: Chromium (browser tests) and FreeRADIUS.
TEST_DEBS := chromium freeradius freeradius-postgresql

.PHONY: run test install install-test system-deps translations migrate setup lint audit clean worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.base: requirements/base.in requirements/constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements/base.in -c requirements/constraints.txt
	touch $@

$(VENV)/.test: $(VENV)/.base requirements/test.in requirements/constraints.txt
	$(BIN)/pip install -q -r requirements/test.in -c requirements/constraints.txt
	touch $@

install: $(VENV)/.base

install-test: $(VENV)/.test

# Installs the Debian packages the tests need when they are missing (as root, or sudo).
system-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

translations: install
	$(BIN)/pybabel --quiet compile -d app/translations

migrate: install
	$(FLASK) db upgrade

setup: migrate translations
	$(FLASK) panel init
	$(FLASK) panel demo-data
	$(FLASK) panel create-admin

# The demo OLTs point at the bundled simulator (flask olt-sim), started in the background
# and stopped with the panel. Without Redis one process sweeps the due work (scheduled
# transfers, speed reverts, monthly charges) every minute; with Redis, `make worker`.
run: setup
	@$(FLASK) olt-sim > instance/olt-sim.log 2>&1 & sim=$$!; \
	due=; if [ -z "$$REDIS_URL" ]; then \
		$(FLASK) panel run-due --every 60 > instance/due-work.log 2>&1 & due=$$!; \
	fi; \
	trap 'kill $$sim $$due 2>/dev/null' EXIT INT TERM; \
	echo "OLT simulator running (log: instance/olt-sim.log)"; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

worker: install
	$(BIN)/rq worker -w app.jobs.worker.PanelWorker --with-scheduler --url "$$REDIS_URL" default network

test: install-test system-deps translations
	PANEL_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check app tests bench config.py run.py

# Known vulnerabilities in the pinned set (requirements/constraints.txt), from PyPI's
# advisory data through pip-audit: any one fails. Where that data cannot be reached
# pip-audit skips every package and would still say "No known vulnerabilities found";
# that is reported as a warning (an error with AUDIT_STRICT=1), never as a pass.
AUDIT_JSON := $(VENV)/audit.json
audit: install-test
	$(BIN)/pip-audit -r requirements/constraints.txt --no-deps --disable-pip \
	  --progress-spinner off -f json -o $(AUDIT_JSON)
	@$(BIN)/python -c 'import json, os, sys; \
	deps = json.load(open("$(AUDIT_JSON)"))["dependencies"]; \
	skipped = [d["name"] for d in deps if "skip_reason" in d]; \
	print(f"pip-audit: {len(deps) - len(skipped)} of {len(deps)} pinned packages audited, none with a known vulnerability"); \
	skipped and print(f"WARNING: {len(skipped)} packages could not be audited (advisory data unreachable?): " + ", ".join(skipped), file=sys.stderr); \
	sys.exit(1 if skipped and os.environ.get("AUDIT_STRICT") == "1" else 0)'

clean:
	rm -rf $(VENV) instance .pytest_cache
