"""Runtime expressions: every 1.0.1 form, its reference fields, its value, and its errors."""

from __future__ import annotations

import pytest

from arazzo_runner.expressions import (
    MISSING,
    EvaluationContext,
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    parse_runtime_expression,
)


def context() -> EvaluationContext:
    return EvaluationContext(
        url="https://api.example.com/pets/7",
        method="GET",
        status_code=200,
        request_headers={"Accept": "application/json", "X-Multi": ["a", "b"]},
        request_query={"page": "2", "filter.status": "ok"},
        request_path={"id": 7},
        request_body={"user": {"uuid": "u-1"}, "a/b": 1, "m~n": 2},
        response_headers={"Content-Type": "application/json", "Server": "test"},
        response_body={"status": "done", "results": [{"name": "rex"}], "count": 0, "none": None},
        inputs={"username": "ann", "x-api-key": "k", "customer": {"address": {"city": "Oslo"}}, "limit": 10},
        outputs={"bar": [1, 2]},
        steps={"login": {"token": "t0k", "pets": [{"id": 11}]}},
        workflows={"foo": {"inputs": {"username": "bob"}, "outputs": {"mapped": {"name": "n"}}}},
        source_descriptions={"petStore": {"url": "https://x/openapi.yaml", "get.pet": "op"}},
        components={"parameters": {"petId": {"name": "petId", "in": "path"}}},
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$url", "https://api.example.com/pets/7"),
        ("$method", "GET"),
        ("$statusCode", 200),
        ("$request.header.accept", "application/json"),
        ("$request.header.ACCEPT", "application/json"),
        ("$request.header.X-Multi", "a, b"),
        ("$request.query.page", "2"),
        ("$request.query.filter.status", "ok"),
        ("$request.path.id", 7),
        ("$request.body", {"user": {"uuid": "u-1"}, "a/b": 1, "m~n": 2}),
        ("$request.body#/user/uuid", "u-1"),
        ("$request.body#/a~1b", 1),
        ("$request.body#/m~0n", 2),
        ("$response.header.content-type", "application/json"),
        ("$response.header.server", "test"),
        ("$response.body#/status", "done"),
        ("$response.body#/results/0/name", "rex"),
        ("$response.body#/count", 0),
        ("$response.body#/none", None),
        ("$inputs.username", "ann"),
        ("$inputs.x-api-key", "k"),
        ("$inputs.customer#/address/city", "Oslo"),
        ("$inputs.limit", 10),
        ("$outputs.bar", [1, 2]),
        ("$outputs.bar#/1", 2),
        ("$steps.login.outputs.token", "t0k"),
        ("$steps.login.outputs.pets#/0/id", 11),
        ("$workflows.foo.inputs.username", "bob"),
        ("$workflows.foo.outputs.mapped#/name", "n"),
        ("$sourceDescriptions.petStore.url", "https://x/openapi.yaml"),
        ("$sourceDescriptions.petStore.get.pet", "op"),
        ("$components.parameters.petId", {"name": "petId", "in": "path"}),
    ],
)
def test_value_keeps_its_json_type(text: str, value: object) -> None:
    assert parse_runtime_expression(text).evaluate(context()) == value


@pytest.mark.parametrize(
    "text",
    [
        "$inputs.nope",
        "$response.body#/nope",
        "$response.body#/results/1",
        "$response.body#/results/01",
        "$response.body#/results/-",
        "$response.body#/status/x",
        "$steps.nope.outputs.token",
        "$steps.login.outputs.nope",
        "$workflows.nope.outputs.x",
        "$request.header.x-nope",
        "$components.successActions.x",
    ],
)
def test_absent_value_is_missing_not_none(text: str) -> None:
    assert parse_runtime_expression(text).evaluate(context()) is MISSING


def test_null_is_not_missing() -> None:
    assert parse_runtime_expression("$response.body#/none").evaluate(context()) is None


def test_empty_context_gives_missing_everywhere() -> None:
    empty = EvaluationContext()
    for text in ("$url", "$statusCode", "$response.body", "$response.body#/a", "$request.header.a"):
        assert parse_runtime_expression(text).evaluate(empty) is MISSING


def test_require_raises_our_error_when_absent() -> None:
    with pytest.raises(ExpressionEvaluationError, match=r"\$inputs.nope"):
        parse_runtime_expression("$inputs.nope").require(context())
    assert parse_runtime_expression("$inputs.limit").require(context()) == 10


@pytest.mark.parametrize(
    ("text", "root", "part", "owner", "name", "pointer"),
    [
        ("$steps.login.outputs.pets#/0/id", "steps", "outputs", "login", "pets", ("0", "id")),
        ("$workflows.w-1.inputs.x", "workflows", "inputs", "w-1", "x", None),
        ("$components.parameters.petId", "components", "parameters", None, "petId", None),
        ("$components.failureActions.retry.it", "components", "failureActions", None, "retry.it", None),
        ("$sourceDescriptions.api.listPets", "sourceDescriptions", None, "api", "listPets", None),
        ("$inputs.my.nested.name", "inputs", None, None, "my.nested.name", None),
        ("$request.header.X-Id", "request", "header", None, "X-Id", None),
        ("$response.body", "response", "body", None, None, None),
        ("$response.body#", "response", "body", None, None, ()),
        ("$statusCode", "statusCode", None, None, None, None),
    ],
)
def test_reference_fields(text, root, part, owner, name, pointer) -> None:
    expr = parse_runtime_expression(text)
    assert (expr.root, expr.part, expr.owner, expr.name, expr.pointer) == (root, part, owner, name, pointer)
    assert expr.references() == (expr,)


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("", 0, "starts with"),
        ("$", 0, "unknown"),
        ("$foo", 0, "unknown"),
        ("$urlx", 0, "unknown"),
        ("$url.x", 4, "unexpected"),
        ("$statusCode ", 11, "unexpected"),
        ("$request", 8, "expected '.'"),
        ("$request.cookie.a", 9, "header, query, path or body"),
        ("$request.header.", 16, "header name"),
        ("$request.header.a b", 17, "unexpected"),
        ("$request.bodyx", 9, "header, query, path or body"),
        ("$request.body#x", 14, "must start with '/'"),
        ("$request.body#/a~2", 16, "'~'"),
        ("$request.body#/a~", 16, "'~'"),
        ("$response.query.a", 10, "no meaning"),
        ("$response.path.a", 10, "no meaning"),
        ("$inputs.", 8, "expected a name"),
        ("$inputs.a b", 9, "unexpected"),
        ("$inputs.{foo}", 8, "expected a name"),
        ("$steps.s.name", 8, ".outputs."),
        ("$steps.s", 8, ".outputs."),
        ("$steps..outputs.x", 7, "step id"),
        ("$steps.s.outputs.", 17, "output name"),
        ("$workflows.w.result.x", 13, "inputs."),
        ("$sourceDescriptions.api", 23, "expected '.'"),
        ("$components.schemas.x", 12, "parameters"),
        ("$self", 0, "Arazzo 1.1"),
        ("$message.body", 0, "Arazzo 1.1"),
    ],
)
def test_syntax_error_points_at_the_problem(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match=message) as info:
        parse_runtime_expression(text)
    assert info.value.offset == offset
    assert info.value.text == text


def test_syntax_error_is_an_arazzo_error_with_a_caret() -> None:
    from arazzo_runner.errors import ArazzoError

    with pytest.raises(ArazzoError) as info:
        parse_runtime_expression("$inputs.a b")
    assert info.value.pointer_line() == "$inputs.a b\n         ^"  # type: ignore[attr-defined]


def test_header_lookup_with_httpx_headers() -> None:
    httpx = pytest.importorskip("httpx")
    ctx = EvaluationContext(response_headers=httpx.Headers({"Retry-After": "3"}))
    assert parse_runtime_expression("$response.header.retry-after").evaluate(ctx) == "3"
