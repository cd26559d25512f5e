"""The video queue."""

from __future__ import annotations

import json
from typing import Any

from shared.aws import client


def send_sqs_message(queue_url: str, message_body: dict[str, Any]) -> str:
    response = client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(message_body))
    return str(response.get("MessageId", ""))


def change_visibility(queue_url: str, receipt_handle: str, seconds: int) -> None:
    """When a received message is visible again (a message reported as failed keeps this)."""
    client("sqs").change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
