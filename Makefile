# Consonance: `make run` to try it, `make test` to test it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The benchmarks' own tools (locust, django-gdpr-assist): the suite runs every benchmark once.
BENCH_STAMP := $(VENV)/.installed-bench
# `make run PORT=8080` serves on another port.
PORT ?= 8000

# Find a Python >= 3.12: pyenv's 3.13/3.12 first, then python3.13/python3.12/python3 on PATH.
PYTHON ?= $(shell for p in $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3 \
                           $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3 \
                           $$(command -v python3.13) $$(command -v python3.12) $$(command -v python3); do \
                    [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
                    && { echo "$$p"; break; }; done)

.PHONY: run test bench lint typecheck messages clean system-packages lock

# System packages the tests need: Chromium for the browser tests, Dovecot for the IMAP tests.
# Installed with apt-get when missing (as root, or through sudo).
SYSTEM_PACKAGES := chromium dovecot-imapd
system-packages:
	@missing=""; \
	 command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	 [ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	 if [ -n "$$missing" ]; then \
	   echo "Installing system packages:$$missing"; \
	   if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	   $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	   || { echo "Could not install$$missing; install them with apt-get." >&2; exit 1; }; \
	   command -v systemctl >/dev/null 2>&1 && $$SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true; \
	 fi

# The exact, hashed versions from the lock files; the project itself on top, without resolving.
$(STAMP): pyproject.toml requirements/dev.txt
	@[ -n "$(PYTHON)" ] || { echo "No Python >= 3.12 found (tried pyenv, python3.13, python3.12, python3)." >&2; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.txt
	@touch $(BENCH_STAMP)

# The lock files, from pyproject.toml's ranges, for every platform and Python >= 3.12:
# production.txt (the server recipe), dev.txt (tests), bench.txt (`make bench`).
LOCK := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes \
        --quiet --custom-compile-command 'make lock'
lock: $(STAMP)
	$(LOCK) -o requirements/production.txt
	$(LOCK) --extra dev -o requirements/dev.txt
	$(LOCK) --extra dev --extra bench -o requirements/bench.txt

# Compiled translations are built from the .po sources, never committed.
messages: $(STAMP)
	CONSONANCE_DEBUG=1 $(BIN)/consonance compilemessages --verbosity 0 --ignore .venv --ignore var

# The site's links in e-mails follow the port (CONSONANCE_SITE_URL).
DEV := CONSONANCE_DEBUG=1 CONSONANCE_SITE_URL=http://127.0.0.1:$(PORT)
run: $(STAMP) messages
	@mkdir -p var/static
	$(DEV) $(BIN)/consonance migrate --no-input
	$(DEV) $(BIN)/consonance demo
	@echo "Starting the site on http://127.0.0.1:$(PORT) and the worker (Ctrl-C stops both)."
	@$(DEV) $(BIN)/consonance worker & worker=$$!; \
	 trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	 $(DEV) $(BIN)/consonance runserver 127.0.0.1:$(PORT)

test: $(BENCH_STAMP) messages system-packages
	@mkdir -p var
	$(BIN)/pytest -n 2 --create-db $(PYTEST_ARGS)

bench: $(BENCH_STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; CONSONANCE_DEBUG=1 $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy consonance

clean:
	rm -rf $(VENV) var/*.sqlite3*
