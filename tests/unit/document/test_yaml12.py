"""The YAML 1.2 reader: JSON types only, 1.2 scalars, positions, and hostile-input limits."""

from __future__ import annotations

import pytest

from arazzo_runner import yaml12
from arazzo_runner.yaml12 import YamlReadError, parse_bytes, parse_text


def test_yaml_1_2_scalars_stay_strings() -> None:
    data = parse_text(
        "d: 2023-02-23\na: yes\nb: no\nc: on\ne: off\nf: 1_000\ng: 0b101\nh: 12:30\n", "x.yaml"
    ).data
    assert data == {
        "d": "2023-02-23",
        "a": "yes",
        "b": "no",
        "c": "on",
        "e": "off",
        "f": "1_000",
        "g": "0b101",
        "h": "12:30",
    }


def test_core_schema_types() -> None:
    data = parse_text(
        "t: true\nT: True\nn: null\nt2: ~\ni: -12\no: 0o17\nx: 0x1F\nf: 1.5e3\ninf: .inf\nempty:\ns: '200'\n",
        "x.yaml",
    ).data
    assert data == {
        "t": True,
        "T": True,
        "n": None,
        "t2": None,
        "i": -12,
        "o": 15,
        "x": 31,
        "f": 1500.0,
        "inf": float("inf"),
        "empty": None,
        "s": "200",
    }


def test_integer_keys_become_strings() -> None:
    # OpenAPI response codes are often written unquoted.
    assert parse_text("responses:\n  200: {description: ok}\n", "x.yaml").data == {
        "responses": {"200": {"description": "ok"}}
    }


def test_positions_for_every_node() -> None:
    parsed = parse_text("a:\n  b:\n  - x\n  - 'y'\n", "f.yaml")
    assert parsed.locate("/a/b/0").line == 3
    assert (parsed.locate("/a/b/1").line, parsed.locate("/a/b/1").column) == (4, 5)
    assert parsed.locate("/a/b/1").file == "f.yaml"
    # Unknown pointers fall back to the closest known parent.
    assert parsed.locate("/a/b/7").line == 3
    # Offsets inside a quoted scalar skip the opening quote.
    assert parsed.locate_in_text("/a/b/1", 0).column == 6


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(YamlReadError) as info:
        parse_text("a: 1\nb: 2\na: 3\n", "d.yaml")
    problem = info.value.problems[0]
    assert "duplicate key 'a'" in problem.message
    assert (problem.location.line, problem.location.column) == (3, 1)


def test_python_tags_are_refused() -> None:
    with pytest.raises(YamlReadError) as info:
        parse_text("a: !!python/object/apply:os.system ['true']\n", "evil.yaml")
    assert info.value.problems[0].location.line == 1


def test_explicit_timestamp_tag_is_refused() -> None:
    with pytest.raises(YamlReadError, match="JSON types only"):
        parse_text("a: !!timestamp 2023-02-23\n", "t.yaml")


def test_json_trailing_comma_is_located() -> None:
    with pytest.raises(YamlReadError) as info:
        parse_bytes(b'{\n  "a": 1,\n}\n', "doc.json")
    problem = info.value.problems[0]
    assert problem.message.startswith("invalid JSON")
    assert (problem.location.line, problem.location.column) == (3, 1)


def test_alias_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(YamlReadError, match="alias bomb"):
        parse_text("\n".join(lines) + "\n", "bomb.yaml")


def test_deep_nesting_is_refused_by_our_limit() -> None:
    depth = yaml12.MAX_DEPTH + 50  # past our limit, below any YAML library's own
    with pytest.raises(YamlReadError) as caught:
        parse_text("[" * depth + "]" * depth, "deep.yaml")
    (problem,) = caught.value.problems
    assert problem.code == "too-deep"
    assert f"deeper than {yaml12.MAX_DEPTH} levels" in problem.message
    assert (problem.location.file, problem.location.line) == ("deep.yaml", 1)


def test_very_deep_nesting_is_a_located_error_whoever_stops_it() -> None:
    """At 5,000 levels the YAML library may stop first (PyYAML >= 6.0.4 does, in its own words):
    what we promise is our error type, one located problem, and no RecursionError."""
    with pytest.raises(YamlReadError) as caught:
        parse_text("[" * 5000 + "]" * 5000, "deep.yaml")
    (problem,) = caught.value.problems
    assert problem.code in {"too-deep", "yaml"}
    assert (problem.location.file, problem.location.line) == ("deep.yaml", 1)


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(yaml12.MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(YamlReadError, match=r"over the .* limit"):
        yaml12.read_file(str(big))


def test_empty_document() -> None:
    with pytest.raises(YamlReadError, match="empty"):
        parse_text("# nothing\n", "e.yaml")


def test_not_utf8() -> None:
    with pytest.raises(YamlReadError, match="UTF-8"):
        parse_bytes(b"a: \xff\xfe\n", "b.yaml")


def test_libyaml_and_pure_python_parsers_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "d: 2023-02-23\na: yes\nn: ~\ni: 0o17\nq: 'it''s'\nlist:\n- {k: 1.5}\n- \"x\"\n"
    fast = parse_text(text, "f.yaml")
    monkeypatch.setattr(yaml12, "_PARSER", yaml12.Yaml12Loader)
    slow = parse_text(text, "f.yaml")
    assert (
        fast.data
        == slow.data
        == {"d": "2023-02-23", "a": "yes", "n": None, "i": 15, "q": "it's", "list": [{"k": 1.5}, "x"]}
    )
    assert {p: (v.line, v.column) for p, v in fast.positions.items()} == {
        p: (v.line, v.column) for p, v in slow.positions.items()
    }


def test_follow_tokens_walks_mappings_and_lists_and_says_missing_otherwise() -> None:
    from arazzo_runner.yaml12 import follow_tokens, pointer_tokens

    data = {"a": [{"b/c": 1}, None], "200": "text", 200: "int key"}
    absent = object()
    assert follow_tokens(data, pointer_tokens("/a/0/b~1c"), absent) == 1
    assert follow_tokens(data, pointer_tokens("/a/1"), absent) is None  # present, and null
    assert follow_tokens(data, pointer_tokens(""), absent) is data
    for pointer in ("/x", "/a/2", "/a/-1", "/a/0/b~1c/deeper", "/200/0"):
        assert follow_tokens(data, pointer_tokens(pointer), absent) is absent, pointer
    assert follow_tokens(data, ["200"]) == "text"  # a token is a string: an int key is another key
    assert follow_tokens(None, ["a"]) is None  # the default for missing
