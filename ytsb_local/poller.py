"""The SQS event source mapping, emulated: receive, invoke process_video, delete what succeeded.

Like Lambda with ``ReportBatchItemFailures``: records listed in ``batchItemFailures`` stay in the
queue, untouched: they come back when their visibility says (the queue's timeout, or what the
function set itself, as process_video does to back off). The queue's redrive policy moves a message
to the DLQ after ``maxReceiveCount`` receives (moto implements that on receive).
One difference: when the invocation itself fails (Lambda would leave the whole batch invisible for
the queue's 5,400 s), the batch comes back after ``retry_delay`` seconds, so a local crash is retried
in seconds.
"""

from __future__ import annotations

import hashlib
import sys
import traceback
from typing import Any

from ytsb_local.invoke import BackgroundLoop, LocalFunction


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda builds from a ReceiveMessage result."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class SqsPoller(BackgroundLoop):
    """One thread polling one queue for one function."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        function: LocalFunction,
        *,
        batch_size: int,
        visibility_timeout: int,
        retry_delay: int,
    ) -> None:
        super().__init__("sqs-poller")
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.function = function
        self.batch_size = batch_size
        self.visibility_timeout = visibility_timeout
        self.retry_delay = retry_delay

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception:  # noqa: BLE001 - the poller must survive a bad batch or a blip
                traceback.print_exc(file=sys.stderr)
                self.stopping.wait(1)

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch, invoke, settle each message; returns the number of messages received."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=self.visibility_timeout,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.function.invoke(sqs_event(messages, self.queue_arn, self.function.region)) or {}
        except Exception:  # noqa: BLE001 - an invocation error fails the whole batch, like Lambda
            traceback.print_exc(file=sys.stderr)
            for m in messages:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=m["ReceiptHandle"],
                    VisibilityTimeout=self.retry_delay,
                )
            return len(messages)
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] not in failed:  # a reported failure keeps the visibility it has
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)
