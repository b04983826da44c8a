# Every target bootstraps its own .venv, so a fresh clone needs only Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test unit lint bench reliability serve clean sam-build browser lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip

$(VENV)/.base: $(BIN)/python pyproject.toml shared/requirements.txt tools/requirements.txt
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.base
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

demo: $(VENV)/.base
	$(BIN)/touchpoint demo

serve: $(VENV)/.base
	$(BIN)/touchpoint serve

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml

test: $(VENV)/.dev lint
	$(BIN)/pytest -n 2

# the pure tests alone (no moto, no servers): under a minute
unit: $(VENV)/.dev
	$(BIN)/pytest -n 2 tests/unit

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/run.py

# fuzz cases per route, concurrent redeliveries, provider faults: 5xx, duplicate and unwanted sends
reliability: $(VENV)/.dev
	@mkdir -p reports
	$(BIN)/python benchmarks/reliability.py 2>reports/reliability.log

# the real browser the preference-page test drives (Debian packages; needs root, as CI has)
browser:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

# sam-cli pins boto3/pydantic tightly: it lives in its own venv, away from the app.
sam-build:
	test -x .sam-venv/bin/sam || ($(PYTHON) -m venv .sam-venv && .sam-venv/bin/pip install -q -U pip aws-sam-cli)
	.sam-venv/bin/sam build
	@du -sh .aws-sam/build/SharedLayer | sed 's/\t.*/ the layer, unpacked (limit 250 MB with the functions)/'

# re-resolve the layer's pins (shared/constraints.txt) from shared/requirements.txt
lock: $(VENV)/.base
	$(BIN)/python shared/build_layer.py --lock

clean:
	rm -rf $(VENV) .sam-venv .aws-sam .pytest_cache .mypy_cache .ruff_cache
