"""Run Arazzo workflows on Temporal (the optional ``arazzo-runner[temporal]`` extra).

The sans-I/O core (:class:`arazzo_runner.engine.Execution`) runs inside a Temporal workflow
(:mod:`.workflow`); every request it asks for is an activity (:mod:`.activities`: build, sign,
send, parse, in the worker, with the worker's own credentials, so none enters history) — a local
one, with a short wait folded in, for a safe read (:mod:`.reads`); every longer wait is a durable
timer; an Arazzo 1.1 message step is an activity too (:mod:`.message_activities`:
a ``receive`` is a heartbeating long-poll that may last as long as the step's timeout). :mod:`.codec` encrypts payloads (AES-GCM) so responses stored in
history are unreadable without the key; :mod:`.connection` connects clients and workers;
:mod:`.runs` submits and follows runs; :mod:`.devserver` starts ``temporal server start-dev``
(tests, benchmarks, the README walk-through).

Importing ``arazzo_runner`` never imports ``temporalio``; importing a submodule here does.
"""

TASK_QUEUE = "arazzo-runner"
WORKFLOW_NAME = "ArazzoRun"
SEND_ACTIVITY = "arazzo.send"
SEND_MESSAGE_ACTIVITY = "arazzo.send_message"
RECEIVE_ACTIVITY = "arazzo.receive"
ACKNOWLEDGE_ACTIVITY = "arazzo.acknowledge"
