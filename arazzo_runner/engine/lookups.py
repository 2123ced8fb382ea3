"""Ids in the state → objects of the loaded document (documents, workflows, step kinds).

The state names a document by the path of source names from the root document and a workflow
by id; :class:`DocumentIndex` turns them back into objects, cached per run (one Document serves
many runs, so the caches live here, not on the Document).
"""

from __future__ import annotations

from ..document.model import Step, Workflow
from ..document.resolved import Document
from ..errors import ArazzoError
from ..sources.openapi import OpenApiSource, Operation
from .needs import SendRequest
from .state import FrameState


class DocumentIndex:
    """Look-ups from the ids a run's state holds to the objects of its documents."""

    __slots__ = ("_documents", "_message_steps", "_workflows", "root")

    def __init__(self, root: Document) -> None:
        self.root = root
        self._documents: dict[tuple[str, ...], Document] = {(): root}
        self._workflows: dict[tuple[tuple[str, ...], str], Workflow] = {}
        #: id(step) -> whether it is an Arazzo 1.1 AsyncAPI (message) step, worked out once per run.
        self._message_steps: dict[int, bool] = {}

    def document_at(self, path: list[str] | tuple[str, ...]) -> Document:
        key = tuple(path)
        found = self._documents.get(key)
        if found is None:
            parent = self.document_at(key[:-1])
            source = parent.sources[key[-1]]
            assert isinstance(source, Document)
            found = self._documents[key] = source
        return found

    def workflow(self, frame: FrameState) -> Workflow:
        key = (tuple(frame.document_path), frame.workflow_id)
        workflow = self._workflows.get(key)
        if workflow is None:
            workflow = self.document_at(frame.document_path).workflow(frame.workflow_id)
            assert workflow is not None
            self._workflows[key] = workflow
        return workflow

    def step(self, frame: FrameState) -> Step:
        """The step ``frame`` stands at."""
        return self.workflow(frame).steps[frame.index]

    def step_index(self, frame: FrameState, step_id: str) -> int:
        for i, candidate in enumerate(self.workflow(frame).steps):
            if candidate.step_id == step_id:
                return i
        raise RuntimeError(f"no step {step_id!r}")  # the loader rejects such documents

    def path_to(self, frame: FrameState, document: Document) -> list[str]:
        """The document path of ``document``, reached from ``frame``'s document."""
        here = self.document_at(frame.document_path)
        if document is here:
            return list(frame.document_path)
        for name, source in here.sources.items():
            if source is document:
                return [*frame.document_path, name]
        raise RuntimeError(f"document {document.location} is not a source of {here.location}")

    def is_message_step(self, document: Document, step: Step) -> bool:
        """Whether ``step`` sends or receives a message (Arazzo 1.1 AsyncAPI) instead of calling HTTP."""
        found = self._message_steps.get(id(step))
        if found is None:
            found = self._message_steps[id(step)] = document.is_async_step(step)
        return found


def operation_of(document: Document, need: SendRequest) -> tuple[OpenApiSource, Operation]:
    """The source and operation a request names (ids → objects of the loaded document)."""
    for name in need.document_path:
        nested = document.sources[name]
        assert isinstance(nested, Document)
        document = nested
    source = document.sources[need.source]
    assert isinstance(source, OpenApiSource)
    operation = source.operation_at(need.operation_path, need.method)
    if operation is None:
        raise ArazzoError(f"source {need.source!r} has no {need.method.upper()} {need.operation_path}")
    return source, operation
