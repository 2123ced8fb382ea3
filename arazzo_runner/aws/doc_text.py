"""AWS model documentation (HTML fragments) → short plain text for OpenAPI descriptions.

botocore's models carry documentation as HTML (``<p>``, ``<code>``, ``<a>``, lists, notes). An
OpenAPI file meant to be reviewed wants a sentence or a paragraph, not the whole developer
guide: :func:`to_text` strips the markup and :func:`shorten` keeps whole sentences up to a limit.
Both are pure and deterministic (the generated file is compared byte for byte in a test).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset({"p", "li", "ul", "ol", "note", "important", "br", "div", "dd", "dt", "dl"})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"`])")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: paragraphs separated by one blank line, spaces collapsed."""
    if not html:
        return ""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(collector.parts).split("\n")]
    paragraphs: list[str] = []
    for line in lines:
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def shorten(text: str, limit: int) -> str:
    """The first paragraph of ``text``, cut after the last whole sentence that fits in ``limit``.

    A first sentence longer than ``limit`` is cut at a word boundary and ends with ``…``.
    """
    first = text.split("\n\n", 1)[0].strip()
    sentences = _SENTENCE_END.split(first)
    if first.endswith(":") and len(sentences) > 1:  # "… For example:" announces a block we leave out
        first = " ".join(sentences[:-1])
    if len(first) <= limit:
        return first
    kept = ""
    for sentence in _SENTENCE_END.split(first):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def summary(html: str | None, limit: int = 120) -> str:
    """One short sentence for an operation's ``summary``."""
    text = to_text(html)
    if not text:
        return ""
    first = _SENTENCE_END.split(text.split("\n\n", 1)[0].strip(), 1)[0]
    return shorten(first, limit)


def description(html: str | None, limit: int) -> str:
    """A paragraph-long ``description`` (empty when the model has no documentation)."""
    return shorten(to_text(html), limit)
