"""Keyword arguments declared once as a TypedDict (``**options: Unpack[LoadOptions]``) are checked at
the call as a spelled-out signature checks them.

mypy checks such keywords where it sees the call; at run time ``**options`` takes anything, so a
misspelt ``allow_remtoe=True`` would be dropped without a word and the option silently not applied.
:func:`check_keywords` makes it the ``TypeError`` a plain signature raises, naming the public
function, before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping


def check_keywords(function: str, given: Mapping[str, object], declared: type) -> None:
    """Raise ``TypeError`` for the first keyword in ``given`` that the TypedDict ``declared`` lacks."""
    allowed: frozenset[str] = declared.__required_keys__ | declared.__optional_keys__  # type: ignore[attr-defined]
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}")
