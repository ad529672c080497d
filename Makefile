# Paceline: every target is idempotent and works on a fresh Debian 12 as root.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
PACKAGES_FILE := packaging/debian-packages.txt
PYTEST_ARGS ?=

.PHONY: setup deps venv test check lint typecheck unit demo bench sim clean install-agents

setup: deps venv

# Install the Debian packages from $(PACKAGES_FILE) that are missing.
# Services are kept from starting on the host by a policy-rc.d that exists
# only for the duration of the install (whatever was there is put back).
deps:
	@missing=$$(grep -v '^\s*#' $(PACKAGES_FILE) | xargs -r dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' 2>/dev/null \
	    | awk '$$2 == "ii" {print $$1}' | sort > /tmp/.paceline-have.$$$$; \
	    grep -v '^\s*#' $(PACKAGES_FILE) | xargs -n1 | sort | comm -23 - /tmp/.paceline-have.$$$$; rm -f /tmp/.paceline-have.$$$$); \
	if [ -z "$$missing" ]; then echo "setup: all Debian packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "setup: missing Debian packages; run as root:"; \
	    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$(echo $$missing)"; \
	    exit 1; fi; \
	echo "setup: installing $$(echo $$missing)"; \
	saved=""; if [ -e /usr/sbin/policy-rc.d ]; then saved=$$(mktemp); cp -p /usr/sbin/policy-rc.d $$saved; fi; \
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; \
	restore() { if [ -n "$$saved" ]; then mv -f "$$saved" /usr/sbin/policy-rc.d; else rm -f /usr/sbin/policy-rc.d; fi; }; \
	trap restore EXIT; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/tmp/paceline-apt.log 2>&1 \
	    || { tail -30 /tmp/paceline-apt.log; exit 1; }

# The virtual environment with the pinned dependencies and the project.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed"'
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements.lock
	$(VPY) -m pip install -q --no-deps -e .
	touch $@

venv: $(VENV)/.installed

test: setup
	$(VPY) -m pytest $(PYTEST_ARGS)

check: venv lint typecheck unit

lint:
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck:
	$(VENV)/bin/mypy src/paceline

unit: venv
	$(VPY) -m pytest -q -m "not lab and not crmsh and not slow" $(PYTEST_ARGS)

# Paceline's own OCF agents (ocf:paceline:drbd) under /usr/lib/ocf/resource.d/paceline/.
install-agents: venv
	$(VPY) -m paceline.runtime.ocf_drbd install /usr/lib/ocf

demo: setup
	@bash examples/demo.sh

bench: setup
	$(VPY) -m bench.run --out bench/results/latest.json

# Deterministic simulation: many swarm seeds (each run replays from its seed).
SEEDS ?= 1000
sim: venv
	$(VPY) -m paceline.sim --scenario swarm --count $(SEEDS) --quiet

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
