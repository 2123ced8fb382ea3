"""Loading, resolution and semantic checks on small documents written by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.errors import DocumentError, Severity
from tests.conftest import FLAGSHIP

from .helpers import write_doc


def errors(path: Path, **kwargs) -> list:
    return [p for p in arazzo_runner.validate(path, **kwargs) if p.severity is Severity.ERROR]


def test_flagship_loads_and_resolves() -> None:
    doc = arazzo_runner.load(FLAGSHIP)
    workflow = doc.workflow("train-and-poll-job")
    assert [s.step_id for s in workflow.steps] == ["createTrainingJob", "pollTrainingJob"]
    create = doc.resolve_step_operation(workflow.steps[0])
    assert (create.method, create.path) == ("post", "/#X-Amz-Target=SageMaker.CreateTrainingJob")
    # The only notes: its jsonpath conditions are comparisons, not RFC 9535 queries.
    assert {w.code for w in doc.warnings} == {"criterion"}
    assert any("$[?@.TrainingJobStatus == 'InProgress']" in w.message for w in doc.warnings)
    # The model is frozen: one loaded document is shared by concurrent runs.
    with pytest.raises(AttributeError):
        workflow.steps[0].step_id = "x"  # type: ignore[misc]


def test_model_keeps_every_field_and_extensions(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """x-top: 1
workflows:
- workflowId: w
  x-owner: team
  inputs: {type: object, properties: {id: {type: string}}}
  parameters:
  - {name: limit, in: query, value: 5}
  steps:
  - stepId: s1
    operationId: listPets
    x-note: n
    successCriteria:
    - condition: $statusCode == 200
    - {context: $response.body, condition: '$[?(@.a)]', type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}}
    onFailure:
    - {name: again, type: retry, retryAfter: 0.5, retryLimit: 3}
    outputs: {first: $response.body#/0}
  - stepId: s2
    operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets~1{petId}/get'
    parameters:
    - reference: $components.parameters.petId
      value: $steps.s1.outputs.first
  outputs: {first: $steps.s1.outputs.first}
components:
  parameters:
    petId: {name: petId, in: path, value: '1'}
""",
    )
    doc = arazzo_runner.load(path)
    assert doc.spec.extensions == {"x-top": 1}
    workflow = doc.workflow("w")
    assert workflow.extensions == {"x-owner": "team"}
    s1, s2 = workflow.steps
    assert s1.extensions == {"x-note": "n"}
    assert s1.success_criteria[1].type == "jsonpath"
    assert s1.success_criteria[1].version == "draft-goessner-dispatch-jsonpath-00"
    retry = s1.on_failure[0]
    assert (retry.type, retry.retry_after, retry.retry_limit, retry.step_id) == ("retry", 0.5, 3, None)
    assert s2.parameters[0].component_name == "petId"
    operation = doc.resolve_step_operation(s2)
    assert (operation.method, operation.path) == ("get", "/pets/{petId}")
    assert doc.spec.locate(s2.pointer).line is not None


def test_operation_path_percent_encoded(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  steps:
  - stepId: s
    operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets~1%7BpetId%7D/get'
""",
    )
    doc = arazzo_runner.load(path)
    assert doc.resolve_step_operation(doc.workflows[0].steps[0]).operation_id == "getPet"


def test_fragment_path_keys_resolve(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  steps:
  - stepId: byId
    operationId: Describe
    parameters: [{name: X-Amz-Target, in: header, value: Pets.Describe}]
  - stepId: byPath
    operationPath: '{$sourceDescriptions.pets.url}#/paths/~1#X-Amz-Target=Pets.Describe/post'
""",
    )
    doc = arazzo_runner.load(path)
    by_id, by_path = (doc.resolve_step_operation(s) for s in doc.workflows[0].steps)
    assert by_id == by_path
    assert by_id.path == "/#X-Amz-Target=Pets.Describe"
    assert doc.warnings == []


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  dependsOn: [nope]
  steps:
  - stepId: a
    operationId: listPet
    onSuccess:
    - {name: loop, type: goto, stepId: b}
  - stepId: a
    operationId: $sourceDescriptions.pets.getPet
    onFailure:
    - reference: $components.failureActions.missing
  outputs:
    'bad name': $steps.a.outputs.x
- workflowId: w
  steps:
  - {stepId: c, workflowId: nothere}
""",
    )
    found = errors(path)
    messages = "\n".join(p.message for p in found)
    assert "duplicate workflowId 'w'" in messages
    assert "duplicate stepId 'a'" in messages
    assert "unknown workflowId 'nope'" in messages
    assert "unknown operationId 'listPet' (did you mean 'listPets'" in messages
    assert "no step 'b' in workflow 'w'" in messages
    assert "no components.failureActions.missing" in messages
    assert "unknown workflowId 'nothere'" in messages
    assert "output name 'bad name'" in messages
    assert all(p.location.line for p in found), found
    with pytest.raises(DocumentError) as info:
        arazzo_runner.load(path)
    assert len([p for p in info.value.problems if p.severity is Severity.ERROR]) == len(found)


def test_depends_on_cycle(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- {workflowId: a, dependsOn: [b], steps: [{stepId: s, operationId: listPets}]}
- {workflowId: b, dependsOn: [c], steps: [{stepId: s, operationId: listPets}]}
- {workflowId: c, dependsOn: [a], steps: [{stepId: s, operationId: listPets}]}
- {workflowId: d, dependsOn: [a], steps: [{stepId: s, operationId: listPets}]}
""",
    )
    found = [p for p in errors(path) if p.code == "cycle"]
    assert len(found) == 1
    assert "a → b → c → a" in found[0].message


def test_component_reference_kinds(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  steps:
  - stepId: s
    operationId: listPets
    parameters:
    - reference: $components.successActions.done
    onSuccess:
    - reference: $components.successActions.done
    - reference: $components.successActions.jump
components:
  successActions:
    done: {name: done, type: end}
    jump: {name: jump, type: goto, stepId: elsewhere}
""",
    )
    messages = [p.message for p in errors(path)]
    assert any("points at successActions, but parameters are expected" in m for m in messages)
    assert any("(from $components.successActions.jump): no step 'elsewhere'" in m for m in messages)
    assert len(messages) == 2


def test_ambiguous_and_qualified_operation_ids(tmp_path: Path) -> None:
    header = """arazzo: 1.0.1
info: {title: T, version: '1'}
sourceDescriptions:
- {name: pets, url: ./pets.openapi.yaml}
- {name: more, url: ./pets.openapi.yaml}
"""
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  steps:
  - {stepId: amb, operationId: listPets}
  - {stepId: ok, operationId: $sourceDescriptions.more.listPets}
  - {stepId: bad, operationId: $sourceDescriptions.nosuch.listPets}
""",
        header=header,
    )
    messages = [p.message for p in errors(path)]
    assert any("'listPets' is ambiguous: sources more, pets define it" in m for m in messages)
    assert any("unknown source description 'nosuch'" in m for m in messages)
    assert len(messages) == 2


def test_nested_arazzo_sources_and_cycles(tmp_path: Path) -> None:
    write_doc(
        tmp_path,
        """workflows:
- {workflowId: child, steps: [{stepId: s, operationId: listPets}]}
""",
        name="child.arazzo.yaml",
    )
    parent = write_doc(
        tmp_path,
        """workflows:
- workflowId: parent
  dependsOn: [$sourceDescriptions.kid.child]
  steps:
  - {stepId: call, workflowId: $sourceDescriptions.kid.child}
  - {stepId: bad, workflowId: $sourceDescriptions.kid.nochild}
""",
        header="""arazzo: 1.0.0
info: {title: T, version: '1'}
sourceDescriptions:
- {name: kid, url: child.arazzo.yaml, type: arazzo}
""",
    )
    messages = [p.message for p in errors(parent)]
    assert messages == [
        "step 'bad': workflow 'nochild' is not defined in source 'kid' (did you mean 'child'?)"
    ]

    # Two documents that name each other load once each and resolve each other's workflows.
    loop_a = tmp_path / "a.arazzo.yaml"
    loop_b = tmp_path / "b.arazzo.yaml"
    header = (
        "arazzo: 1.0.1\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n"
        "- {name: other, url: %s, type: arazzo}\n- {name: pets, url: pets.openapi.yaml}\n"
    )
    body = "workflows:\n- {workflowId: %s, steps: [{stepId: s, workflowId: $sourceDescriptions.other.%s}]}\n"
    loop_a.write_text(header % "b.arazzo.yaml" + body % ("wa", "wb"))
    loop_b.write_text(
        header % "a.arazzo.yaml"
        + "workflows:\n- {workflowId: wb, steps: [{stepId: s, operationId: listPets}]}\n"
    )
    doc = arazzo_runner.load(loop_a)
    other = doc.sources["other"]
    assert other.sources["other"] is doc
    assert doc.resolve_workflow("$sourceDescriptions.other.wb").workflow.workflow_id == "wb"


def test_source_map_and_remote_policy(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets}]}\n",
        header="arazzo: 1.0.1\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n"
        "- {name: pets, url: 'https://example.invalid/specs/pets.yaml'}\n",
    )
    refused = errors(path)
    assert [p.code for p in refused] == ["remote-refused"]
    assert "--allow-remote" in refused[0].message
    mapped = arazzo_runner.validate(path, source_map={"https://example.invalid/specs/": str(tmp_path)})
    assert [p for p in mapped if p.severity is Severity.ERROR] == [
        p for p in mapped if p.severity is Severity.ERROR and "pets.yaml" in p.message
    ]
    (tmp_path / "pets.yaml").write_text((tmp_path / "pets.openapi.yaml").read_text())
    assert (
        errors(path, source_map={"https://example.invalid/specs/pets.yaml": str(tmp_path / "pets.yaml")})
        == []
    )


def test_warnings_do_not_fail(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  steps:
  - stepId: s
    operationId: listPets
    parameters: [{name: undeclared, in: query, value: 1}]
""",
    )
    doc = arazzo_runner.load(path)
    assert [w.code for w in doc.warnings] == ["undeclared-parameter"]


def test_version_routing(tmp_path: Path) -> None:
    for version, expected in (
        ("1.0.0", None),
        ("1.1.0", None),
        ("1.2.0", "unsupported Arazzo version '1.2.0': this runner executes Arazzo 1.0.x and 1.1.x"),
        ("2.0.0", "unsupported Arazzo version '2.0.0'"),
    ):
        path = write_doc(
            tmp_path,
            "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets}]}\n",
            header=f"arazzo: {version}\ninfo: {{title: T, version: '1'}}\nsourceDescriptions:\n"
            "- {name: pets, url: ./pets.openapi.yaml}\n",
        )
        found = errors(path)
        if expected is None:
            assert found == []
        else:
            assert len(found) == 1 and found[0].message.startswith(expected)
            assert (found[0].location.line, found[0].location.column) == (1, 9)


def test_expression_errors_are_located_inside_the_string(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  inputs: {type: object, properties: {id: {type: string}}}
  steps:
  - stepId: s
    operationId: getPet
    parameters:
    - {name: petId, in: path, value: $inputs.id}
    - {name: X-Trace, in: header, value: 'id-{$inputs.id}-{$stepz.s.outputs.x}'}
    successCriteria:
    - condition: $statusCode == 200 &&
    - {context: $response.body, condition: '$[?@.a ==', type: jsonpath}
    outputs:
      name: $response.body#/name
      bad: $response.body#/a~2b
  outputs:
    name: $steps.s.outputs.nam
    fine: $steps.s.outputs.name
""",
    )
    found = {p.location.pointer: p for p in errors(path)}
    template = found["/workflows/0/steps/0/parameters/1/value"]
    # 'id-{$inputs.id}-{' is 17 characters: the bad root starts right after the brace.
    line_text = path.read_text().splitlines()[template.location.line - 1]
    assert line_text[template.location.column - 1 :].startswith("$stepz")
    assert "/workflows/0/steps/0/successCriteria/0/condition" in found
    assert "/workflows/0/steps/0/successCriteria/1/condition" in found
    assert "/workflows/0/steps/0/outputs/bad" in found
    assert "step 's' has no output 'nam'" in found["/workflows/0/outputs/name"].message
    assert len(found) == 5


def test_inputs_and_outputs_references_warn(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  inputs: {type: object, properties: {id: {type: string}}}
  steps:
  - stepId: s
    operationId: getPet
    parameters: [{name: petId, in: path, value: $inputs.ID}]
""",
    )
    doc = arazzo_runner.load(path)
    assert [w.code for w in doc.warnings] == ["undeclared-input"]
    assert "declares no input 'ID' (did you mean 'id'?)" in doc.warnings[0].message


def test_inputs_schema_by_component_reference(tmp_path: Path) -> None:
    from arazzo_runner.document.describe import describe_workflows

    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  inputs: {$ref: '#/components/inputs/petQuery'}
  steps:
  - stepId: s
    operationId: listPets
    parameters: [{name: limit, in: query, value: $inputs.limt}]
- workflowId: broken
  inputs: {$ref: '#/components/inputs/nope'}
  steps: [{stepId: s, operationId: listPets}]
components:
  inputs:
    petQuery: {type: object, required: [limit], properties: {limit: {type: integer, default: 5}}}
""",
    )
    problems = arazzo_runner.validate(path)
    assert [(p.severity, p.location.pointer) for p in problems] == [
        (Severity.ERROR, "/workflows/1/inputs/$ref"),
        (Severity.WARNING, "/workflows/0/steps/0/parameters/0/value"),
    ]
    assert "did you mean 'limit'" in problems[1].message
    fixed = path.read_text().replace(
        "- workflowId: broken\n  inputs: {$ref: '#/components/inputs/nope'}\n  steps: [{stepId: s, operationId: listPets}]\n",
        "",
    )
    path.write_text(fixed.replace("$inputs.limt", "$inputs.limit"))
    doc = arazzo_runner.load(path)
    assert describe_workflows(doc)[0]["inputs"] == [
        {"name": "limit", "type": "integer", "required": True, "default": 5}
    ]
    assert doc.spec.declared_inputs(doc.workflow("w")) == frozenset({"limit"})
