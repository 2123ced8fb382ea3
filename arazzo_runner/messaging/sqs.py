"""Amazon SQS as a message transport (AsyncAPI ``protocol: sqs``), over botocore.

botocore does what must not be hand-written: SigV4 signing, the credential chain (environment,
profile, SSO, instance metadata), retries (standard mode), and the endpoint: ``AWS_ENDPOINT_URL_SQS``
(or ``AWS_ENDPOINT_URL``, or the profile's ``services`` section) points it at another SQS, such as
moto's server in the tests. The channel ``address`` is a queue name (looked up once with
GetQueueUrl) or a queue URL. The region is the run's (``--region``, ``AWS_REGION``, profile), else
the one in the server host ``sqs.<region>.amazonaws.com``.

``receive`` long-polls (``WaitTimeSeconds`` up to 20, within the step's timeout). Every message it
is shown is hidden from other consumers only while this receive lasts (its visibility timeout is
the time left, plus a margin, so a crash gives them back on their own); the one it accepts is
deleted, every other one is made visible again (``ChangeMessageVisibility`` 0) before it returns.
So a receive consumes exactly the message it matched and nothing else. With ``hold`` (the Temporal
driver's two-phase receive) the accepted one is not deleted but hidden for ``hold`` seconds, and
:meth:`SqsTransport.acknowledge` deletes it once the run has recorded it.
"""

from __future__ import annotations

import base64
import contextlib
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .base import Accept, Message, MessagingError, OutgoingMessage, parse_body
from .bindings import BindingContext

#: SQS's longest long poll.
MAX_WAIT_SECONDS = 20
_HOST_REGION = re.compile(r"^sqs[.-]([a-z0-9-]+)\.amazonaws\.com")


def open_transport(context: BindingContext) -> SqsTransport:
    from ..http import AwsEnvironment

    aws = context.aws or AwsEnvironment()
    match = _HOST_REGION.match(context.host or "")
    region = aws.region or (match[1] if match else None)
    if region is None:
        raise MessagingError("no AWS region for SQS: set AWS_REGION (or --region)")
    from botocore.config import Config

    config = Config(read_timeout=MAX_WAIT_SECONDS + 10, connect_timeout=10, retries={"mode": "standard"})
    try:
        client = aws.session.create_client(
            "sqs", region_name=region, endpoint_url=context.endpoint_url, config=config
        )
    except Exception as exc:  # a broken profile, an invalid endpoint URL
        raise MessagingError(f"cannot make an SQS client: {type(exc).__name__}: {exc}") from None
    return SqsTransport(client)


class SqsTransport:
    """One botocore SQS client; queue URLs looked up once."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._urls: dict[str, str] = {}

    def _call(self, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            code, message = _error(exc.response.get("Error", {}))
            raise MessagingError(f"SQS {exc.operation_name}: {code}: {message}".rstrip(": ")) from None
        except BotoCoreError as exc:
            raise MessagingError(f"SQS: {exc}") from None

    def queue_url(self, address: str) -> str:
        if address.startswith(("https://", "http://")):
            return address
        found = self._urls.get(address)
        if found is None:
            found = self._call("get_queue_url", QueueName=address)["QueueUrl"]
            self._urls[address] = found
        return found

    def send(self, address: str, message: OutgoingMessage) -> str | None:
        url = self.queue_url(address)
        extra: dict[str, Any] = {}
        headers = dict(message.headers)
        if url.endswith(".fifo"):
            extra["MessageGroupId"] = headers.pop("MessageGroupId", "arazzo-runner")
            extra["MessageDeduplicationId"] = headers.pop("MessageDeduplicationId", uuid.uuid4().hex)
        attributes = {
            name: {"DataType": "String", "StringValue": str(value)} for name, value in headers.items()
        }
        if message.content_type and "contentType" not in attributes:
            attributes["contentType"] = {"DataType": "String", "StringValue": message.content_type}
        answer = self._call(
            "send_message", QueueUrl=url, MessageBody=message.body(), MessageAttributes=attributes, **extra
        )
        message_id = answer.get("MessageId")
        return None if message_id is None else str(message_id)

    def receive(
        self,
        address: str,
        accept: Accept,
        timeout: float,
        clock: Callable[[], float],
        hold: float | None = None,
    ) -> Message | None:
        """See :meth:`.base.Transport.receive`; with ``hold``, the accepted message is not deleted but
        hidden for ``hold`` seconds and returned with its receipt handle (:meth:`acknowledge`)."""
        url = self.queue_url(address)
        deadline = clock() + max(timeout, 0.0)
        held: dict[str, str] = {}  # MessageId -> receipt handle of messages shown but not ours
        try:
            while True:
                remaining = deadline - clock()
                if remaining <= 0:
                    return None
                answer = self._call(
                    "receive_message",
                    QueueUrl=url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=min(MAX_WAIT_SECONDS, max(1, math.ceil(remaining))),
                    VisibilityTimeout=min(43_200, math.ceil(remaining) + 5),
                    MessageAttributeNames=["All"],
                )
                batch = answer.get("Messages") or ()
                for raw in batch:  # every one is held until released, the rest of the batch too
                    held[raw.get("MessageId", raw.get("ReceiptHandle", ""))] = raw.get("ReceiptHandle", "")
                for raw in batch:
                    message = _message(raw)
                    if accept(message):
                        handle = held.pop(raw.get("MessageId", raw.get("ReceiptHandle", "")))
                        if hold is None:
                            self._call("delete_message", QueueUrl=url, ReceiptHandle=handle)
                            return message
                        self._call(
                            "change_message_visibility",
                            QueueUrl=url,
                            ReceiptHandle=handle,
                            VisibilityTimeout=min(43_200, max(0, math.ceil(hold))),
                        )
                        return replace(message, receipt=handle)
        finally:
            self._release(url, list(held.values()))

    def acknowledge(self, address: str, receipt: str) -> None:
        """Delete a message received with ``hold`` (its receipt handle)."""
        self._call("delete_message", QueueUrl=self.queue_url(address), ReceiptHandle=receipt)

    def _release(self, url: str, handles: list[str]) -> None:
        """Make the messages this receive saw but did not take visible to others again."""
        for start in range(0, len(handles), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                for i, h in enumerate(handles[start : start + 10])
            ]
            # On failure they come back on their own when their visibility timeout ends.
            with contextlib.suppress(MessagingError):
                self._call("change_message_visibility_batch", QueueUrl=url, Entries=entries)

    def close(self) -> None:
        self.client.close()


_XML_FIELD = re.compile(r"<(Code|Message)>([^<]{0,500})</\1>")


def _error(error: dict[str, Any]) -> tuple[str, str]:
    """(code, message) of an SQS error; an XML error body (moto's auth failures) is read too."""
    code, message = str(error.get("Code", "error")), str(error.get("Message", ""))
    if message.lstrip().startswith("<"):
        fields = dict(_XML_FIELD.findall(message[:4096]))
        code, message = fields.get("Code", code), fields.get("Message", "")
    return code, message[:500]


def _message(raw: dict[str, Any]) -> Message:
    headers: dict[str, str] = {}
    for name, value in (raw.get("MessageAttributes") or {}).items():
        if "StringValue" in value:
            headers[name] = value["StringValue"]
        elif "BinaryValue" in value:
            headers[name] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    body = raw.get("Body") or ""
    return Message(headers=headers, payload=parse_body(body), message_id=raw.get("MessageId"), body=body)
