"""Safe YAML/JSON reading with YAML 1.2 scalars and a source position for every node.

Why not ``yaml.safe_load``: PyYAML follows YAML 1.1, where an unquoted ``2023-02-23`` becomes a
``datetime.date`` and ``yes``/``no``/``on``/``off`` become booleans; both break JSON Schema
validation and change what a workflow sends. This module keeps PyYAML's *safe* constructor
(no arbitrary tags, no Python objects) but resolves plain scalars with the YAML 1.2 core schema,
and records the ``(line, column)`` of every node under its RFC 6901 pointer so that every later
error can say ``file:line:col``.

It also refuses hostile input with a clear message instead of exhausting memory: documents over
a size limit, alias expansion ("billion laughs") beyond a node budget (and beyond a smaller budget of
nodes added by aliases), nesting beyond a depth
limit, and duplicate mapping keys (YAML forbids them; JSON parsers silently keep the last one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import yaml

from .errors import ArazzoError, Location, Problem

#: Larger documents are refused before parsing (the largest real OpenAPI descriptions are ~10 MB).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
#: Nodes produced after alias expansion; a document legitimately that big is not an Arazzo file.
MAX_NODES = 2_000_000
#: Nodes that aliases add on top of the nodes written out: reading costs ~20 µs a node, so a
#: 400-byte alias document "just under" MAX_NODES took 17 s and 350 MB; real documents that use
#: anchors repeat a few parameters or schemas.
MAX_ALIAS_EXPANSION = 100_000
#: Deepest nesting: every later stage (schema validation, building, expressions) recurses, and
#: PyYAML itself gives up past ~500 levels; no real document nests anywhere near this.
MAX_DEPTH = 128

_CORE_SCHEMA: list[tuple[str, re.Pattern[str], str]] = [
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), "~nN"),
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        "-+0123456789.",
    ),
]


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader whose implicit scalar resolution is the YAML 1.2 core schema."""


Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in _CORE_SCHEMA:
    Yaml12Loader.add_implicit_resolver(_tag, _regexp, list(_first))
# An empty plain scalar (``key:`` with nothing after it) is null, as in JSON-schema YAML 1.2.
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])

if getattr(yaml, "__with_libyaml__", False):

    class FastYaml12Loader(yaml.CSafeLoader):
        """libyaml's parser (about 10x faster on large OpenAPI files) with the same 1.2 resolvers."""

    FastYaml12Loader.yaml_implicit_resolvers = dict(Yaml12Loader.yaml_implicit_resolvers)
    _PARSER: type = FastYaml12Loader
else:  # PyYAML built without libyaml: the pure-Python parser, same results
    _PARSER = Yaml12Loader

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class YamlReadError(ArazzoError):
    """Raised with every problem found while reading one file."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based
    #: Where the scalar's text starts relative to ``column`` (1 for quoted scalars), or None
    #: when the text cannot be mapped to columns one to one (block scalars, escapes, folding).
    text_offset: int | None = 0


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The plain data of a file and where each of its nodes came from."""

    data: Any
    positions: dict[str, Position]
    #: Positions of mapping keys, by the pointer of the value they introduce.
    key_positions: dict[str, Position]
    path: str

    def locate(self, pointer: str, *, key: bool = False) -> Location:
        """The closest known location for ``pointer`` (walking up to a parent if needed)."""
        table = self.key_positions if key else self.positions
        probe = pointer
        while True:
            pos = table.get(probe) or self.positions.get(probe)
            if pos is not None:
                return Location(self.path, pos.line, pos.column, pointer or "/")
            if not probe:
                return Location(self.path, None, None, pointer or "/")
            probe = probe.rsplit("/", 1)[0]

    def locate_in_text(self, pointer: str, offset: int) -> Location:
        """Location of character ``offset`` inside the scalar at ``pointer``."""
        loc = self.locate(pointer)
        pos = self.positions.get(pointer)
        if pos is None or pos.text_offset is None:
            return loc
        return loc.shifted(pos.text_offset + offset)


def escape_token(token: str | int) -> str:
    """RFC 6901 escaping of one reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_tokens(pointer: str) -> list[str]:
    """The unescaped reference tokens of an RFC 6901 pointer (``""`` is the whole document)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer (it must start with '/')")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def follow_tokens(data: Any, tokens: Iterable[str], missing: Any = None) -> Any:
    """The node of plain data (mappings and lists) that unescaped reference ``tokens`` lead to, or
    ``missing`` when one of them names nothing there (a key absent, an index out of range, a scalar)."""
    node = data
    for token in tokens:
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return missing
    return node


def _scalar_text_offset(node: yaml.ScalarNode) -> int | None:
    style = node.style
    if style in (None, ""):
        return 0 if node.start_mark.line == node.end_mark.line else None
    if style == "'":
        return 1 if "''" not in (node.value or "") and node.start_mark.line == node.end_mark.line else None
    if style == '"':
        raw_len = node.end_mark.index - node.start_mark.index - 2
        same = raw_len == len(node.value) and node.start_mark.line == node.end_mark.line
        return 1 if same else None
    return None


class _Converter:
    """Turns a composed node graph into plain data, recording positions and enforcing limits."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.positions: dict[str, Position] = {}
        self.key_positions: dict[str, Position] = {}
        self.nodes = 0
        self.constructor = Yaml12Loader("")

    def _pos(self, node: yaml.Node, text_offset: int | None = 0) -> Position:
        return Position(node.start_mark.line + 1, node.start_mark.column + 1, text_offset)

    def _refusal(self, node: yaml.Node, message: str, code: str) -> YamlReadError:
        """The error that refuses the whole document because of ``node`` (located at it)."""
        location = Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)
        return YamlReadError([Problem(message, location, code=code)])

    def _not_json(self, node: yaml.Node) -> YamlReadError:
        return self._refusal(
            node, f"tag {node.tag!r} is not allowed: Arazzo documents use JSON types only", "yaml"
        )

    def convert(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._refusal(
                node,
                f"document expands to more than {MAX_NODES:,} nodes (YAML alias bomb?); refusing to load it",
                "too-large",
            )
        if depth > MAX_DEPTH:
            raise self._refusal(
                node, f"document nests deeper than {MAX_DEPTH} levels; refusing to load it", "too-deep"
            )
        if node.tag not in _ALLOWED_TAGS:
            raise self._not_json(node)
        if pointer not in self.positions:
            offset = _scalar_text_offset(node) if isinstance(node, yaml.ScalarNode) else 0
            self.positions[pointer] = self._pos(node, offset)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(cast(yaml.ScalarNode, node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlReadError([_problem_from_yaml_error(self.path, exc)]) from None
        if node.tag == "tag:yaml.org,2002:int" and isinstance(value, int):
            # YAML 1.2 octal is 0o17; PyYAML's 1.1 int constructor reads "0o17" wrongly.
            text = node.value.lstrip("+-")
            if text.startswith("0o"):
                value = int(text[2:], 8) * (-1 if node.value.startswith("-") else 1)
        if isinstance(value, bytes | set) or not isinstance(value, str | int | float | bool | type(None)):
            # Binary, timestamps, sets... only reachable through explicit tags: keep JSON types.
            raise self._not_json(node)
        return value

    def _mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        "mapping keys must be scalar strings",
                        Location(self.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                        code="yaml",
                    )
                )
                continue
            raw_key = self._scalar(key_node)
            key = raw_key if isinstance(raw_key, str) else key_node.value
            child = f"{pointer}/{escape_token(key)}"
            if key in result:
                self.problems.append(
                    Problem(
                        f"duplicate key {key!r}",
                        Location(
                            self.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1, child
                        ),
                        code="duplicate-key",
                    )
                )
                continue
            self.key_positions[child] = self._pos(key_node)
            result[key] = self.convert(value_node, child, depth + 1)
        return result


def _check_expanded_size(root: yaml.Node, path: str) -> None:
    """Refuse documents whose aliases expand past MAX_NODES, before expanding anything.

    Aliases share node objects, so the graph is small even when its expansion is huge; sizes
    are counted once per node object.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise _too_deep(path, node)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key, depth + 1) + size(value, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
        sizes[id(node)] = total
        return total

    try:
        expanded = size(root, 0)
    except RecursionError:
        raise _too_deep(path, root) from None
    if expanded - len(sizes) > MAX_ALIAS_EXPANSION:
        raise _too_large(
            path,
            root,
            f"aliases expand the document by {expanded - len(sizes):,} nodes, more than"
            f" {MAX_ALIAS_EXPANSION:,} (YAML alias bomb?)",
        )
    if expanded > MAX_NODES:
        raise _too_large(path, root, f"document expands to more than {MAX_NODES:,} nodes (YAML alias bomb?)")


def _too_large(path: str, root: yaml.Node, why: str) -> YamlReadError:
    where = Location(path, root.start_mark.line + 1, root.start_mark.column + 1)
    return YamlReadError([Problem(f"{why}; refusing to load it", where, code="too-large")])


def _too_deep(path: str, node: yaml.Node | None = None) -> YamlReadError:
    where = Location(path, node.start_mark.line + 1, node.start_mark.column + 1) if node else Location(path)
    return YamlReadError(
        [Problem(f"document nests deeper than {MAX_DEPTH} levels; refusing to load it", where, code="too-deep")]
    )


def _problem_from_yaml_error(path: str, exc: yaml.YAMLError, text: str | None = None) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if "nesting depth" in str(problem):  # PyYAML's own limit (recent versions)
        location = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        return Problem(
            f"document nests deeper than {MAX_DEPTH} levels; refusing to load it", location, code="too-deep"
        )
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if _tab_in_indentation(mark, text):
        message = "invalid YAML: tabs are not allowed for indentation (use spaces)"
    if mark is None:
        return Problem(message, Location(path), code="yaml")
    return Problem(message, Location(path, mark.line + 1, mark.column + 1), code="yaml")


def _tab_in_indentation(mark: Any, text: str | None) -> bool:
    """Whether the error's line starts with whitespace holding a tab (PyYAML's messages do not say so)."""
    line_number = getattr(mark, "line", None)
    if text is None or not isinstance(line_number, int):
        return False
    lines = text.splitlines()
    if not 0 <= line_number < len(lines):
        return False
    line = lines[line_number]
    return "\t" in line[: len(line) - len(line.lstrip(" \t"))]


def _check_json(text: str, path: str) -> None:
    """Strict JSON first for ``.json`` files: YAML would accept a trailing comma or comments."""
    try:
        json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise YamlReadError(
            [Problem(f"invalid JSON: {exc.msg}", Location(path, exc.lineno, exc.colno), code="json")]
        ) from None
    except ValueError as exc:
        raise YamlReadError([Problem(f"invalid JSON: {exc}", Location(path), code="json")]) from None
    except RecursionError:
        raise YamlReadError(
            [Problem("document nests too deeply; refusing to load it", Location(path), code="too-deep")]
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_text(text: str, path: str, *, json_only: bool = False) -> ParsedFile:
    """Parse YAML (or strict JSON when ``json_only``) into a :class:`ParsedFile`.

    Raises :class:`YamlReadError` with located problems.
    """
    if len(text) > MAX_DOCUMENT_BYTES:
        raise YamlReadError(
            [
                Problem(
                    f"document is {len(text) / 1e6:.1f} MB, over the {MAX_DOCUMENT_BYTES // 2**20} MiB limit;"
                    " refusing to load it",
                    Location(path),
                    code="too-large",
                )
            ]
        )
    if json_only:
        _check_json(text, path)
    problems: list[Problem] = []
    try:
        loader = _PARSER(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise YamlReadError([_problem_from_yaml_error(path, exc, text)]) from None
    except RecursionError:
        raise _too_deep(path) from None
    if root is None:
        raise YamlReadError([Problem("document is empty", Location(path, 1, 1), code="empty")])
    _check_expanded_size(root, path)
    converter = _Converter(path, problems)
    try:
        data = converter.convert(root, "", 0)
    except RecursionError:
        raise _too_deep(path, root) from None
    if problems:
        raise YamlReadError(problems)
    return ParsedFile(data, converter.positions, converter.key_positions, path)


def read_file(
    path: str, *, opener: Callable[[str], bytes] | None = None, verify: Callable[[int], None] | None = None
) -> ParsedFile:
    """Read and parse a local *regular* file, refusing oversized files before reading them.

    Devices (``/dev/zero``), FIFOs (which block), sockets and directories are refused: a document
    only ever names regular files. The file is opened without blocking and checked again once
    open, and never read past the size limit, so a file swapped after the check cannot hang or
    exhaust the load either. ``verify`` is called with the open file descriptor before anything is
    read (the folder confinement checks the file it opened, not the path, which may be swapped).
    """
    import os
    import stat

    try:
        status = os.stat(path)
        size, mode = status.st_size, status.st_mode
    except FileNotFoundError:
        raise YamlReadError([Problem("file not found", Location(path), code="not-found")]) from None
    except OSError as exc:
        raise YamlReadError([Problem(f"cannot read file: {exc.strerror}", Location(path))]) from None
    if not stat.S_ISREG(mode):
        raise YamlReadError([Problem(_not_regular(mode), Location(path), code="not-regular")])
    if size > MAX_DOCUMENT_BYTES:
        raise YamlReadError(
            [
                Problem(
                    f"file is {size / 1e6:.1f} MB, over the {MAX_DOCUMENT_BYTES // 2**20} MiB limit;"
                    " refusing to load it",
                    Location(path),
                    code="too-large",
                )
            ]
        )
    try:
        raw = opener(path) if opener else _read_regular(path, verify)
    except _NotRegular as exc:
        raise YamlReadError([Problem(_not_regular(exc.mode), Location(path), code="not-regular")]) from None
    except OSError as exc:
        raise YamlReadError([Problem(f"cannot read file: {exc.strerror}", Location(path))]) from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise YamlReadError(
            [Problem("file grew over the size limit while being read", Location(path), code="too-large")]
        )
    return parse_bytes(raw, path)


class _NotRegular(OSError):
    def __init__(self, mode: int) -> None:
        super().__init__("not a regular file")
        self.mode = mode


def _read_regular(path: str, verify: Callable[[int], None] | None = None) -> bytes:
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if verify is not None:
            verify(fd)
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegular(mode)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_DOCUMENT_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _not_regular(mode: int) -> str:
    import stat

    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return f"refusing to read {kind}: documents are read from regular files only"


def parse_bytes(raw: bytes, path: str) -> ParsedFile:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlReadError(
            [Problem(f"not UTF-8 text (byte {exc.start})", Location(path), code="encoding")]
        ) from None
    json_only = path.lower().endswith(".json") or text.lstrip().startswith(("{", "["))
    # A ".json" name or a leading brace means JSON: hold it to JSON's rules (no trailing commas).
    if json_only and not path.lower().endswith(".json"):
        try:
            return parse_text(text, path, json_only=True)
        except YamlReadError:
            return parse_text(text, path)  # flow-style YAML that merely starts with a brace
    return parse_text(text, path, json_only=json_only)
