"""The sans-I/O execution core: a small state machine over :class:`~.state.RunState`.

``Execution.next(now)`` returns what the run needs next (:class:`SendRequest`, :class:`Sleep`
or :class:`Done`; for an Arazzo 1.1 AsyncAPI step :class:`SendMessage` or :class:`Receive`);
``Execution.feed(exchange, now)`` (``feed_message(delivery, now)`` for a message step) tells it
what happened. It owns no socket, no clock and no global state; everything it has decided is
plain data in ``self.state``, so ``snapshot()`` after any call and ``Execution.restore(document,
snapshot)`` in another process carry on exactly where the run stopped (a request or message need
handed out and not answered is handed out again; a sleep is re-issued until its ``until``).
``now`` is the driver's clock (UTC epoch seconds with the bundled drivers), so deadlines survive
a restart.

Semantics (spec §§ Workflow, Step, Success/Failure Action; checklist EXEC-*):

* Inputs are validated against the workflow's schema (defaults applied) before anything runs.
* ``dependsOn`` workflows run first, once per run even when several workflows share them; a
  failed dependency fails the dependent workflow.
* Steps run in order. A step succeeds when all its ``successCriteria`` hold; without criteria,
  on any 2xx (``RunOptions.default_success``). A step that calls a workflow succeeds when that
  workflow succeeds (and its criteria, if any, hold); its ``$outputs`` are the child's outputs.
* What follows a step is decided by :func:`.decisions.decide` (pure) and applied by
  :meth:`.transitions.Machine._apply` (the one place that changes the stack after a step); every
  other transition lives in :mod:`.transitions` too.
* ``goto`` a step that already ran in this workflow execution is a poll loop: paced (see
  :mod:`.options`). ``goto`` a workflow runs it, then ends this one with its status.
* Limits: a step budget for the whole run and an optional deadline; either ends the run with
  an error naming the step.
* Anything raising inside ``next``/``feed`` puts the run in the ``error`` phase (kept in the
  state, re-raised): a bug surfaces instead of leaving half-updated state running.

``Execution`` is the public face: it prepares inputs, takes and restores snapshots, and hands
``next``/``feed`` to its :class:`~.transitions.Machine`, which owns every transition.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from ..document.resolved import Document
from .events import Event
from .inputs import input_masker, prepare_inputs
from .needs import Delivery, Done, Exchange, Need
from .options import RunOptions
from .preparation import merged_parameters
from .redaction import Redactor
from .snapshot import FORMAT, check_envelope, fingerprint, migrate, options_from_json, options_to_json
from .state import RunState, rng_from_json, rng_to_json
from .transitions import Machine

__all__ = ["Execution", "merged_parameters"]


class Execution:
    """One run of one workflow. Not thread-safe by itself; many may share one Document."""

    def __init__(
        self,
        document: Document,
        workflow_id: str | None,
        inputs: Mapping[str, Any] | None = None,
        *,
        options: RunOptions | None = None,
        rng: random.Random | None = None,
        state: RunState | None = None,
    ) -> None:
        from ..document.describe import pick_workflow

        self.document = document
        self.options = options or RunOptions()
        self.rng = rng or random.Random()
        workflow = pick_workflow(document, workflow_id)
        self.workflow_id = workflow.workflow_id
        restoring = state is not None
        if state is None:
            prepared = prepare_inputs(document, workflow, inputs)  # raises InputsError before any request
            state = RunState(workflow_id=self.workflow_id, inputs=prepared)
        self.state = state
        self.masker = input_masker(document, workflow, state.inputs)
        #: Everything an event shows goes through this: credentials, apiKey values, secret inputs.
        self.redactor = Redactor.for_document(document, self.masker)
        #: Every transition of the run (see :mod:`.transitions`).
        self.machine = Machine(
            document, state, options=self.options, rng=self.rng, masker=self.masker, redactor=self.redactor
        )
        if restoring:
            self.rng.setstate(rng_from_json(state.rng or rng_to_json(self.rng.getstate())))
            self.machine.restored()
        else:
            self.machine.start(workflow)

    @property
    def listening(self) -> bool:
        """Set False by a driver nobody listens to: skips building per-criterion explanations."""
        return self.machine.listening

    @listening.setter
    def listening(self, value: bool) -> None:
        self.machine.listening = value

    @property
    def events(self) -> list[Event]:
        """Events queued since the last :meth:`drain`."""
        return self.machine.events

    @property
    def finished(self) -> Done | None:
        """The run's :class:`Done` once it has ended."""
        return self.machine.finished

    # -- snapshots ---------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The run as a JSON document (``json.dumps``-able); take it after draining the events."""
        self._settle_state()
        return {**self.snapshot_head(), "state": self.state.to_json()}

    def snapshot_head(self) -> dict[str, Any]:
        """The snapshot's envelope without its ``state``: the same for the whole run (a journal
        encodes it once)."""
        return {
            "format": FORMAT,
            "document": {"location": self.document.location, "fingerprint": fingerprint(self.document)},
            "options": options_to_json(self.options),
        }

    def snapshot_state_view(self, *, records: bool = True) -> dict[str, Any]:
        """The snapshot's ``state`` sharing the live values (:meth:`RunState.json_view`): encode it
        at once (``engine.state.encode``); :meth:`snapshot` is the copy to keep. ``records=False``:
        without the step records (a journal writes them apart)."""
        self._settle_state()
        return self.state.json_view(records=records)

    def _settle_state(self) -> None:
        """Write into the state what lives beside it between snapshots (the RNG)."""
        if self.machine.events:
            raise RuntimeError("drain() the events before taking a snapshot (they are not part of it)")
        self.state.rng = rng_to_json(self.rng.getstate())

    @classmethod
    def restore(
        cls, document: Document, snapshot: dict[str, Any], *, options: RunOptions | None = None
    ) -> Execution:
        """A fresh Execution that carries on from ``snapshot`` (an older format is migrated);
        refused if the document changed."""
        snapshot = migrate(snapshot)
        check_envelope(document, snapshot)
        state = RunState.from_json(snapshot["state"])
        return cls(
            document,
            state.workflow_id,
            options=options or options_from_json(snapshot["options"]),
            state=state,
        )

    # -- public protocol ---------------------------------------------------------------------
    def next(self, now: float) -> Need:
        """What the run needs next. Call again after fulfilling a :class:`Sleep`."""
        return self.machine.next(now)

    def feed(self, exchange: Exchange, now: float) -> None:
        """Report the outcome of the last :class:`SendRequest`."""
        self.machine.feed(exchange, now)

    def feed_message(self, delivery: Delivery, now: float) -> None:
        """Report the outcome of the last :class:`SendMessage` / :class:`Receive` (Arazzo 1.1 AsyncAPI)."""
        self.machine.feed_message(delivery, now)

    def drain(self) -> list[Event]:
        """Events since the last call (the driver hands them to listeners)."""
        machine = self.machine
        events, machine.events = machine.events, []
        return events
