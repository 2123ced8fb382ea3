"""AWS-specific tools built on botocore's data: OpenAPI generation and a local SageMaker emulator.

Nothing here is imported by the engine or by ``arazzo --help``; each module imports botocore
only when it is used, so the CLI stays fast.

* :mod:`.openapi_gen` — an OpenAPI 3.1 description of an AWS service in any of botocore's
  protocols, generated from the service model shipped inside botocore (``arazzo aws-openapi``);
* :mod:`.openapi_rest`, :mod:`.openapi_query`, :mod:`.openapi_common` — its operations per
  protocol family and what they share (ids, aliases, documentation);
* :mod:`.service_models`, :mod:`.shape_schemas`, :mod:`.doc_text` — its parts (model loading and
  endpoints, shapes → JSON Schema, HTML documentation → short text);
* :mod:`.sagemaker_emulator` — a local SageMaker (JSON 1.1, SigV4-verified) for demos and tests,
  with :mod:`.sagemaker_jobs` (the job lifecycles), :mod:`.sigv4_verify` (signature checks),
  :mod:`.emulator_faults` (throttling / 5xx injection) and :mod:`.emulator_http` (the server);
* :mod:`.iam_policy` — the least-privilege IAM policy for the AWS steps a workflow can reach
  (``arazzo iam-policy``), with :mod:`.aws_calls` (which AWS operation each step calls, and what
  a run can reach);
* :mod:`.asl_export` — the workflow as a Step Functions state machine (``arazzo export-asl``),
  with :mod:`.asl_paths` (expressions and criteria as JSONPath and Choice rules) and
  :mod:`.asl_schema` (the States Language JSON Schema check);

Recognising AWS hosts and writing and reading every protocol on the wire is not here but in
:mod:`arazzo_runner.aws_model`, below the HTTP layer that uses it.
"""
