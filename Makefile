# Everything a fresh clone needs is installed from here: `make test` and `make demo` each
# create .venv on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint demo clean fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

# The fuzz suite at length (tests/fuzz; `make test` runs it briefly): 2,000 examples per target
# (FUZZ_EXAMPLES=N to change), a deadline per example so that a hang fails, statistics printed.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/fuzz --hypothesis-show-statistics

demo: $(STAMP)
	$(BIN)/python -m arazzo_runner.aws.demo

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# The SageMaker description the workflows use, generated from botocore's model (a test checks it is current).
SAGEMAKER_OPERATIONS := CreateModel,CreateProcessingJob,CreateTrainingJob,CreateTransformJob,DescribeModel,DescribeProcessingJob,DescribeTrainingJob,DescribeTransformJob,StopProcessingJob,StopTrainingJob,StopTransformJob
.PHONY: openapi
openapi: $(STAMP)
	$(BIN)/arazzo aws-openapi sagemaker --operations $(SAGEMAKER_OPERATIONS) -o openapi/amazon-sagemaker-openapi.yml
