"""SQS -> process_video: one message = one video; failed records are reported, not the batch.

The same function runs the sweep on a schedule (EventBridge), for videos whose message was lost.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from shared import processing, retries, sweep
from shared.log import logger


def record_handler(record: SQSRecord) -> str:
    receive_count = int(record.attributes.approximate_receive_count or 1)
    logger.append_keys(message_id=record.message_id)
    try:
        return processing.process_message(record.body, receive_count)
    except Exception as exc:
        # A batch item failure: set when it comes back, or it waits out the queue's visibility timeout.
        retries.back_off(record.receipt_handle, receive_count, exc)
        raise


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("detail-type") == "Scheduled Event":
        return sweep.sweep()
    # A processor per invocation: it holds per-batch state, and the local stack may run invocations in
    # threads. Failed records are reported even when all failed: a retry is expected, not a function error.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
