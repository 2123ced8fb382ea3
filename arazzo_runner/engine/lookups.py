"""Ids in the state → objects of the loaded document (documents, workflows, contexts, step kinds).

A mixin of :class:`~.core.Execution`, split off to keep each module readable. The state names a
document by the path of source names from the root document and a workflow by id; these look-ups
turn them back into objects, cached per run (one Document serves many runs).
"""

from __future__ import annotations

from typing import Any

from ..document.model import Step, Workflow
from ..document.resolved import Document
from ..expressions import EvaluationContext
from .preparation import context_for
from .state import FrameState

#: The mixin's base: ``Execution`` (core.py) inherits from this class, so naming it here would be a
#: cyclic class definition; its attributes are typed there (mypy: subclassing Any allowed here only).
_Base: Any = object


class Lookups(_Base):
    _documents: dict[tuple[str, ...], Document]
    _workflows: dict[tuple[tuple[str, ...], str], Workflow]
    #: id(step) -> whether it is an Arazzo 1.1 AsyncAPI (message) step, worked out once per run.
    _message_steps: dict[int, bool]

    def _document_at(self, path: list[str] | tuple[str, ...]) -> Document:
        key = tuple(path)
        found = self._documents.get(key)
        if found is None:
            parent = self._document_at(key[:-1])
            source = parent.sources[key[-1]]
            assert isinstance(source, Document)
            found = self._documents[key] = source
        return found

    def _workflow(self, frame: FrameState) -> Workflow:
        key = (tuple(frame.document_path), frame.workflow_id)
        workflow = self._workflows.get(key)
        if workflow is None:
            workflow = self._document_at(frame.document_path).workflow(frame.workflow_id)
            assert workflow is not None
            self._workflows[key] = workflow
        return workflow

    def _path_to(self, frame: FrameState, document: Document) -> list[str]:
        """The document path of ``document``, reached from ``frame``'s document."""
        here = self._document_at(frame.document_path)
        if document is here:
            return list(frame.document_path)
        for name, source in here.sources.items():
            if source is document:
                return [*frame.document_path, name]
        raise RuntimeError(f"document {document.location} is not a source of {here.location}")

    def _context(self, frame: FrameState) -> EvaluationContext:
        """The evaluation context over ``frame``'s values (a view: the state stays the truth)."""
        document = self._document_at(frame.document_path)
        ctx = context_for(document, frame.inputs, frame.steps, frame.outputs, self.state.workflow_results)
        self._load_exchange(ctx, frame.exchange)
        return ctx

    def _is_message_step(self, document: Document, step: Step) -> bool:
        """Whether ``step`` sends or receives a message (Arazzo 1.1 AsyncAPI) instead of calling HTTP."""
        found = self._message_steps.get(id(step))
        if found is None:
            found = self._message_steps[id(step)] = document.is_async_step(step)
        return found
