"""Workflows as MCP tool definitions (no server): names, filters, schemas, argument checks."""

from __future__ import annotations

import pytest

import arazzo_runner
from arazzo_runner.mcp_server.tools import check_arguments, secret_variable, workflow_tools
from tests.conftest import DATA, FLAGSHIP

NOTES = str(DATA / "mcp" / "notes.arazzo.yaml")
MORE = str(DATA / "mcp" / "more-notes.arazzo.yaml")


@pytest.fixture(scope="module")
def documents():
    return [(path, arazzo_runner.load(path)) for path in (str(FLAGSHIP), NOTES, MORE)]


def test_colliding_and_reserved_names_are_prefixed_by_their_document(documents) -> None:
    names = [tool.name for tool in workflow_tools(documents)]
    assert names == ["train-and-poll-job", "notes.addNote", "more-notes.addNote", "more-notes.arazzo_runs"]


def test_allow_and_deny_globs_match_the_workflow_id_or_the_tool_name(documents) -> None:
    assert [t.name for t in workflow_tools(documents, allow=["addNote"])] == [
        "notes.addNote",
        "more-notes.addNote",
    ]
    assert [t.name for t in workflow_tools(documents, allow=["*Note"], deny=["more-notes.*"])] == [
        "notes.addNote"
    ]
    assert [t.name for t in workflow_tools(documents, deny=["*"])] == []


def test_the_input_schema_is_self_contained_and_has_no_secret(documents) -> None:
    tool = next(t for t in workflow_tools(documents) if t.name == "more-notes.addNote")
    assert tool.secret_inputs == {"password"}
    assert tool.input_schema == {
        "type": "object",
        "properties": {"text": {"type": "string", "maxLength": 100}},
        "required": ["text"],
    }


def test_arguments_are_checked_every_problem_named_and_secrets_come_from_the_server(documents) -> None:
    tool = next(t for t in workflow_tools(documents) if t.name == "more-notes.addNote")
    inputs, problems = check_arguments(tool, {"text": "x" * 101, "password": "p4ssw0rd!", "extra": 1}, {})
    assert inputs == {}
    assert problems[0].startswith("password: a secret input")
    assert problems[1] == "extra: no such input"
    assert any("is too long" in p for p in problems)
    assert any(p.startswith("password: secret input not configured on the server") for p in problems)
    assert all("p4ssw0rd!" not in p for p in problems)

    inputs, problems = check_arguments(tool, {"text": "hi"}, {"password": "p4ssw0rd!", "unrelated": "x"})
    assert (inputs, problems) == ({"text": "hi", "password": "p4ssw0rd!"}, [])


def test_secret_variables_are_upper_snake_case() -> None:
    assert secret_variable("apiToken") == "ARAZZO_SECRET_API_TOKEN"
    assert secret_variable("client-secret") == "ARAZZO_SECRET_CLIENT_SECRET"
