"""Tests of arazzo_runner.aws: OpenAPI generation, the SageMaker job lifecycles, SigV4 verification."""
