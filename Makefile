# Everything a fresh clone needs is installed from here: `make test` and `make demo` create .venv on first
# use and install exactly what uv.lock pins (again only when uv.lock or pyproject.toml changes).
#
# Setup is three phases, one line each: a plain venv from the system Python; into it, with pip, the exact uv
# that uv.lock pins (uv is a dev dependency, so the sync below keeps it); then `uv sync --locked`, which
# installs every locked package (hashes checked) and refuses a lock that no longer matches pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
# The uv version is read from the lock, so the bootstrap installs the same uv the lock was made with.
UV_VERSION := $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' uv.lock)
# uv must use the venv's interpreter and never download one (the machines reach package registries only).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
UV_QUIET := --quiet

.PHONY: test lint imports typecheck demo demo-events clean lock test-latest openapi fuzz bench browser

$(BIN)/uv: uv.lock
	@echo "setup: creating $(VENV) with $$($(PYTHON) --version)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setup: installing uv $(UV_VERSION) into $(VENV)"
	@$(BIN)/python -m pip --isolated install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@touch $@

$(STAMP): $(BIN)/uv uv.lock pyproject.toml
	@echo "setup: installing the locked dependencies (uv sync --locked)"
	@$(BIN)/uv sync $(UV_QUIET) --locked --extra dev --python $(BIN)/python
	@touch $@
	@echo "setup: done. The arazzo command is $(BIN)/arazzo: run '. $(BIN)/activate' to put it on your PATH"
	@echo "       (the README's examples use bare 'arazzo'), or call it as $(BIN)/arazzo or 'uv run arazzo'."

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Debian's chromium, for the HTML report's browser test (tests/testing/test_html_report.py): installed with apt-get
# only when missing and this runs as root with apt-get available; otherwise (or if apt fails) that one test is
# skipped and says why. Never a download of a browser build of our own.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "setup: installing chromium with apt-get (for the HTML report's browser test)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium >/dev/null 2>&1 \
	      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
	      || echo "setup: apt-get could not install chromium; the HTML report's browser test will be skipped"; \
	  else \
	    echo "setup: chromium is not installed and apt-get cannot run here; the HTML report's browser test will be skipped"; \
	  fi; }

# The layer rules (.importlinter): what each package may import, no import cycles.
imports: $(STAMP)
	$(BIN)/lint-imports --no-cache

# The suite on TEST_WORKERS processes (pytest-xdist; 0: in this process). A file's tests stay on one worker
# (--dist loadfile: module fixtures such as a scripted server are made once); session fixtures (moto's and
# Temporal's dev servers, the journal folder) are per worker, on free ports and in their own folders. Files
# are handed out in collection order (--no-loadscope-reorder; xdist's default puts the files with the most
# tests first), which tests/conftest.py starts with the longest files (LONGEST_FIRST).
TEST_WORKERS ?= 2

# Bytecode compiled ahead, once: the suite starts hundreds of interpreters (the CLI, moto's server, Temporal
# workers, pytest in fresh projects), and where no import writes bytecode (PYTHONDONTWRITEBYTECODE set, as on
# CI images, or a read-only venv; uv installs without it) every one of them compiled each module it imported
# again: half of a child's start-up, and of the suite's CPU. compileall skips what is up to date.
BYTECODE := $(VENV)/.bytecode
$(BYTECODE): $(STAMP)
	@echo "setup: compiling the installed packages' bytecode"
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null
	@touch $@

test: $(BYTECODE) lint imports typecheck browser
	@$(BIN)/python -m compileall -q -j 0 arazzo_runner tests > /dev/null
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The fuzz suite at length (tests/fuzz; `make test` runs it briefly): 2,000 examples per target
# (FUZZ_EXAMPLES=N to change), a deadline per example so that a hang fails, statistics printed.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/fuzz --hypothesis-show-statistics

demo: $(STAMP)
	@$(BIN)/python -m arazzo_runner.cli.demo

# Issue 20's figures in one run (not part of CI; ~5 min on 2 cores): transports vs the raw asyncio floor,
# the 1,000-run fleet journal off/on, the poll-loop ratio, the peers (installed on first use into
# bench/.peers/). Markdown for bench/RESULTS.md on stdout. BENCH_ARGS=--with-10000 adds the 10,000-run fleet
# (~12 min more).
bench: $(STAMP)
	@$(BIN)/python bench/figures.py $(BENCH_ARGS)

# The event-driven flagship (Arazzo 1.1 AsyncAPI receive): the emulator publishes training job state changes
# to moto's EventBridge, a rule sends them to an SQS queue, the workflow receives them (0 DescribeTrainingJob).
demo-events: $(STAMP)
	@$(BIN)/python -m arazzo_runner.cli.demo_events

# Refresh the lock to the newest versions pyproject.toml allows. Then run `make test`: if botocore moved,
# the test of the committed SageMaker description says to run `make openapi`.
lock: $(BIN)/uv
	$(BIN)/uv lock --upgrade
	@echo "lock: uv.lock refreshed; now run 'make test' (and 'make openapi' if it asks)"

# Drift on purpose (not part of CI): a throw-away environment with the newest versions pyproject.toml allows,
# ignoring uv.lock, running the whole suite. ARAZZO_TEST_LATEST tells the suite which checks are about the lock.
LATEST := .venv-latest
test-latest: $(BIN)/uv
	@rm -rf $(LATEST)
	@echo "test-latest: resolving the newest allowed versions into $(LATEST)"
	@$(BIN)/uv venv $(UV_QUIET) --python $(BIN)/python $(LATEST)
	@$(BIN)/uv pip install $(UV_QUIET) --python $(LATEST)/bin/python --upgrade -e '.[dev]'
	@$(BIN)/uv pip freeze $(UV_QUIET) --python $(LATEST)/bin/python > $(LATEST)/versions.txt
	@echo "test-latest: versions that differ from uv.lock:"
	@$(BIN)/python -m tests.lock_drift uv.lock $(LATEST)/versions.txt
	ARAZZO_TEST_LATEST=1 $(LATEST)/bin/python -m pytest -q -p no:cacheprovider; rc=$$?; rm -rf $(LATEST); exit $$rc

clean:
	rm -rf $(VENV) $(LATEST) build *.egg-info .pytest_cache .ruff_cache .mypy_cache

# The SageMaker description the workflows use, generated from botocore's model (a test checks it is current).
SAGEMAKER_OPERATIONS := CreateModel,CreateProcessingJob,CreateTrainingJob,CreateTransformJob,DescribeModel,DescribeProcessingJob,DescribeTrainingJob,DescribeTransformJob,StopProcessingJob,StopTrainingJob,StopTransformJob
openapi: $(STAMP)
	$(BIN)/arazzo aws-openapi sagemaker --operations $(SAGEMAKER_OPERATIONS) -o openapi/amazon-sagemaker-openapi.yml
