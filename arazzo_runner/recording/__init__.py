"""Record runs to HAR files and replay them without a network (see ``har.py`` for the format).

* :func:`record` / :func:`replay` / :func:`replay_async`: run and write, or run from a recording;
* :class:`Recorder` (capture transport + event listener) and :class:`ReplayTransport` (answers
  from a recording or canned responses), for callers that build their own ``httpx`` client;
* :func:`read_har` / :func:`write_har` and the :class:`Recording` model.
"""

from ..engine.redaction import Redactor
from .canned import canned_entries
from .har import HarError, RecordedExchange, RecordedRequest, RecordedResponse, Recording, read_har, write_har
from .matching import DEFAULT_MATCH, MATCH_KEYS, parse_match
from .recorder import AsyncRecordingTransport, Recorder, RecordingTransport
from .replay import ReplayEntry, ReplayMismatch, ReplayTransport
from .runs import ReplayOutcome, record, replay, replay_async, replay_aws_environment

__all__ = [
    "DEFAULT_MATCH",
    "MATCH_KEYS",
    "AsyncRecordingTransport",
    "HarError",
    "RecordedExchange",
    "RecordedRequest",
    "RecordedResponse",
    "Recorder",
    "Recording",
    "RecordingTransport",
    "Redactor",
    "ReplayEntry",
    "ReplayMismatch",
    "ReplayOutcome",
    "ReplayTransport",
    "canned_entries",
    "parse_match",
    "read_har",
    "record",
    "replay",
    "replay_async",
    "replay_aws_environment",
    "write_har",
]
