"""Error types shared by every layer, and the map of every error the library raises.

Every error a user can cause carries *where* (file, line, column, JSON pointer, workflow and
step ids) so that the CLI can print one located line instead of a traceback. There is a single
root, :class:`ArazzoError`, so callers embedding the library can catch everything of ours
without catching Python's own bugs (``tests/unit/test_error_root.py`` holds every module to it).
The whole hierarchy (``exit_code`` in brackets where a class sets its own; 1 otherwise)::

    ArazzoError                                  errors.py
    ├── UsageError [2]                           errors.py           bad option, unknown workflow id
    │   ├── InputsError [2]                      engine/inputs.py    inputs that fail the workflow's schema
    │   ├── JournalError [2]                     journal/store.py    journal unreadable, no such run
    │   │   ├── RunClaimed [2]                   journal/store.py    a run another live process holds
    │   │   ├── DamagedRun [2]                   journal/store.py    a run's row that cannot be read back
    │   │   └── JournalWriteError [1]            journal/store.py    the journal cannot be written mid-run
    │   ├── SecretInputsMissing [2]              journal/sealing.py  a resume without the secret inputs
    │   ├── SettingsError [2]                    run_settings.py     settings that cannot be read or applied
    │   └── AwsModelError [2]                    aws/errors.py       an AWS service model we cannot use
    ├── DocumentError [2]                        errors.py           every Problem found in a document
    ├── YamlReadError [2]                        yaml12.py           a file that is not YAML 1.2 / JSON
    ├── ResolutionError [2]                      document/resolved.py  a reference that does not resolve
    │   └── SourceUnavailable [2]                document/resolved.py  a source description not loaded
    ├── AsyncApiError [2]                        sources/asyncapi.py   an AsyncAPI operation a step cannot use
    ├── ExpressionSyntaxError [2]                expressions/errors.py
    ├── ExpressionEvaluationError                expressions/errors.py  a value the engine required is absent
    ├── BudgetExceeded (also TimeoutError)       expressions/budget.py  a criterion over its time/size budget
    ├── SnapshotError [2]                        engine/snapshot.py  a snapshot of another format or document
    ├── MessageStepError                         engine/message_steps.py  an AsyncAPI step that cannot be prepared
    ├── MessagingError                           messaging/base.py   a message not sent or not received
    ├── HttpError                                http/errors.py
    │   ├── RequestBuildError                    http/errors.py      values that cannot make the request
    │   ├── CredentialsError                     http/errors.py      no (readable) credentials
    │   │   ├── XSecurityError                   http/x_security.py
    │   │   └── SecurityUnsatisfied              http/security.py
    │   ├── TransportFailure                     http/errors.py      no answer after the transport's retries
    │   │   └── ResponseLimitExceeded            http/retry_loop.py  an answer over the response limits
    │   ├── ApiError                             http/errors.py      an error answer, with its typed code
    │   └── NetworkPolicyError                   http/network_policy.py  a destination the policy refuses
    ├── MissingCredential                        http/security.py
    ├── RequestInDoubt [2]                       journal/in_doubt.py a resumed request that may have been done
    ├── ReplayMismatch                           recording/replay.py a request the recording does not hold
    ├── HarError [2]                             recording/har.py    a HAR file that cannot be read
    └── RemoteRunFailed                          temporal/runs.py    a Temporal run that failed remotely

Exceptions that never leave their module (control flow inside one function: ``_Stop``,
``_TooDeep``, ``_NotRegular``, ``NotXML``, ``NotTranslatable``) and the SageMaker emulator's
``SageMakerError`` (turned into an AWS error answer by the emulator's server) are not part of it,
nor is the CLI's ``Terminated`` (SIGTERM as a ``KeyboardInterrupt``: a signal, not an error).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a document: file path or URL, 1-based line and column, RFC 6901 pointer."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<document>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def shifted(self, columns: int) -> Location:
        """The same place moved right by ``columns`` (for an offset inside a scalar)."""
        if self.column is None:
            return self
        return Location(self.file, self.line, self.column + columns, self.pointer)

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "pointer": self.pointer}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth a warning) in a document, with where it is."""

    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = Severity.ERROR
    code: str = "invalid"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        suffix = f" (at {self.location.pointer})" if self.location.pointer else ""
        return f"{self.location}: {prefix}{self.message}{suffix}"

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            **self.location.to_dict(),
        }


class ArazzoError(Exception):
    """Root of every error this library raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class UsageError(ArazzoError):
    """The caller asked for something that cannot be done (bad option, unknown workflow id)."""

    exit_code = 2


class DocumentError(ArazzoError):
    """A document (Arazzo or a source description) is unreadable or invalid.

    Carries *every* problem found, so that a user fixes a document in one round trip.
    """

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        first = errors[0] if errors else problems[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first.message + more, first.location)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """A " (did you mean ...?)" hint: the same name in another case first, then close spellings."""
    known = list(known)
    close = [k for k in known if k.lower() == value.lower() and k != value]
    close = close or difflib.get_close_matches(value, known, n=3)
    if close:
        return f" (did you mean {', '.join(repr(c) for c in close)}?)"
    return ""
