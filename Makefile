# Two commands do all the set-up: `make lab` (learners) and `make test` (everyone else).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: lab test test-image lint setup images doctor verify verify-sandbox workshop messages bench clean-venv

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Python packages, the base images (pulled, or built offline) and the `docker compose` plugin;
# as root, also what sandboxes need (grading, `verify --sandbox`): Debian packages, /dev/net/tun.
setup: $(STAMP)
	$(PY) -m course images
	$(PY) -m course doctor
	if [ "$$(id -u)" = 0 ]; then $(PY) -m course.sandbox install; fi

lab: $(STAMP)
	$(PY) -m course lab

# The linter first (seconds), then the suite.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup lint
	$(PY) -m pytest

# The workshop's single-user image for Kubernetes (docs/scaling.md): built from nothing, then run (minutes).
test-image: setup
	$(PY) -m pytest -m image

verify: setup
	$(PY) -m course verify

# Every chapter again, each in a fresh sandbox (root): what workshops and grading run.
verify-sandbox: setup
	$(PY) -m course verify --sandbox

# A workshop server on this machine (root): JupyterHub, a sandbox per learner, the instructor's live dashboard.
# `python -m course workshop status | export | down` while it runs; see docs/workshop.md.
workshop: setup
	$(PY) -m course workshop up $(WORKSHOP_ARGS)

# After changing any learner-facing text: extract it and merge it into the Korean catalogue
# (checker/locale/ko/LC_MESSAGES/course.po), then translate what comes in empty. See checker/i18n.py.
messages: $(STAMP)
	$(PY) -m checker.i18n_extract

bench: setup
	$(PY) bench/run_all.py

clean-venv:
	rm -rf $(VENV)
