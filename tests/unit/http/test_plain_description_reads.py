"""Parameters, request content types and security schemes are read from the parsed description
when no ``$ref`` stands in the way, through SchemaPath when one does: the same answer either way,
and a run start without references never builds SchemaPath (jsonschema-path and requests are
~0.1 s of imports; issue 31)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import arazzo_runner
from arazzo_runner.http import request as building
from arazzo_runner.sources import security_schemes as schemes
from tests.conftest import FLAGSHIP
from tests.unit.document.helpers import write_doc

REFERENCED = """openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /pets/{id}:
    parameters:
    - $ref: '#/components/parameters/Id'
    post:
      operationId: addPet
      parameters:
      - {name: X-Trace, in: header, schema: {type: string}}
      requestBody: {$ref: '#/components/requestBodies/Pet'}
      responses: {'200': {description: ok}}
  /plain:
    parameters:
    - {name: q, in: query, schema: {type: string}}
    put:
      operationId: putPlain
      parameters:
      - {name: X-Trace, in: header, schema: {type: string}}
      - {name: ignored, in: body}
      requestBody:
        content: {application/json: {schema: {type: object}}, text/plain: {schema: {type: string}}}
      responses: {'200': {description: ok}}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string}}
  requestBodies:
    Pet:
      content: {application/xml: {schema: {type: object}}}
  securitySchemes:
    key: {type: apiKey, name: X-Key, in: header}
    shared: {$ref: '#/components/securitySchemes/key'}
"""


def _source(tmp_path: Path, text: str):
    (tmp_path / "api.yaml").write_text(text)
    path = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: putPlain}]}\n",
        header="arazzo: 1.0.1\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n- {name: api, url: api.yaml}\n",
    )
    return arazzo_runner.load(path).sources["api"]


def test_plain_and_resolved_reads_agree(tmp_path: Path) -> None:
    source = _source(tmp_path, REFERENCED)
    plain, referenced = source.operations_by_id("putPlain")[0], source.operations_by_id("addPet")[0]
    assert building._plain_parameter_definitions(source, plain) == building._resolved_parameter_definitions(
        source, plain
    )
    assert set(building.parameter_definitions(source, plain)) == {("q", "query"), ("x-trace", "header")}
    assert building.operation_content_types(source, plain) == ["application/json", "text/plain"]
    # A $ref on the way: read through SchemaPath, which resolves it.
    assert building._plain_parameter_definitions(source, referenced) is None
    assert set(building.parameter_definitions(source, referenced)) == {("id", "path"), ("x-trace", "header")}
    assert building.operation_content_types(source, referenced) == ["application/xml"]
    assert schemes.security_schemes(source) == {
        "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
        "shared": {"type": "apiKey", "name": "X-Key", "in": "header"},
    }


def test_security_schemes_without_references_are_read_as_parsed(tmp_path: Path) -> None:
    source = _source(
        tmp_path, REFERENCED.replace("    shared: {$ref: '#/components/securitySchemes/key'}\n", "")
    )
    assert schemes.security_schemes(source) == {"key": {"type": "apiKey", "name": "X-Key", "in": "header"}}
    assert "spec" not in vars(source)  # SchemaPath was never built
    assert schemes._resolved_security_schemes(source) == schemes.security_schemes(source)
    (tmp_path / "bare").mkdir()
    bare = _source(
        tmp_path / "bare",
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /plain:\n    put:\n      operationId: putPlain\n"
        "      responses: {'200': {description: ok}}\n",
    )
    assert schemes.security_schemes(bare) == {} == schemes._resolved_security_schemes(bare)


def test_a_flagship_run_imports_no_jsonschema_path() -> None:
    """The flagship's run (replayed from its recording: the same requests built and signed)."""
    recording = Path(__file__).parents[2] / "recordings" / "amazon-sagemaker-train-and-poll-job.har"
    code = (
        "import sys\n"
        "from arazzo_runner.cli.main import main\n"
        f"code = main(['run', {str(FLAGSHIP)!r}, '--replay', {str(recording)!r}, '-q', '--no-journal'])\n"
        "print(code, sorted(m for m in ('jsonschema_path', 'requests') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "trainingJobStatus: Completed" in done.stdout
    assert done.stdout.splitlines()[-1] == "0 []"
