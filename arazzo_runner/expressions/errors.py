"""The two error types of the expression language.

Parsing raises only :class:`ExpressionSyntaxError` (a property test holds us to it), so the
loader can turn any problem in a document's expression into one located line: it knows where
the scalar starts, and ``offset`` says where inside the scalar the problem is.
"""

from __future__ import annotations

from ..errors import ArazzoError, Location


class ExpressionSyntaxError(ArazzoError):
    """An expression, condition, template, regex, JSONPath or XPath that does not parse.

    ``text`` is the whole text that was parsed and ``offset`` the 0-based character offset of
    the problem inside it (``len(text)`` for "unexpected end").
    """

    exit_code = 2

    def __init__(self, message: str, text: str, offset: int, location: Location | None = None) -> None:
        super().__init__(message, location)
        self.text = text
        self.offset = max(0, min(offset, len(text)))

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}{self.message} (at offset {self.offset} in {self.text!r})"

    def pointer_line(self) -> str:
        """The text and a caret under the offending character, for ``-v`` output."""
        return f"{self.text}\n{' ' * self.offset}^"


class ExpressionEvaluationError(ArazzoError):
    """A value the engine required was not there (see ``RuntimeExpression.require``).

    Ordinary evaluation never raises: an absent value is ``MISSING`` and a criterion that
    cannot be decided fails with a reason. This type is for callers that cannot go on
    without the value (an ``operationPath`` URL, a ``workflowId`` to call).
    """
