"""The local SQS event source against moto's server, with the template's queue and DLQ.

Checks what the stack relies on to behave like Lambda's event source mapping: success deletes,
a reported failure keeps the visibility the function gave it (process_video backs off itself) and
comes back with a higher ApproximateReceiveCount, and after ``maxReceiveCount`` (5) receives the
message is in the dead-letter queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from ytsb_local.aws import MotoServer, create_queues
from ytsb_local.invoke import LocalFunction
from ytsb_local.poller import SqsPoller
from ytsb_local.scheduler import Scheduler
from ytsb_local.template import Resolver, Schedule, load_template, rate_seconds, schedules
from ytsb_local.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
REGION = "us-east-1"


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Resolver]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    server = MotoServer(0)
    server.start()
    sqs = boto3.client("sqs", endpoint_url=server.url, region_name=REGION)
    resolver = Resolver(load_template(), REGION, {"Prefix": "poller"})
    create_queues(sqs, resolver)
    yield sqs, resolver
    server.stop()


def _poller(sqs: Any, resolver: Resolver, handler: Any) -> SqsPoller:
    return SqsPoller(
        sqs, resolver.refs["VideoQueue"], resolver.attrs[("VideoQueue", "Arn")],
        LocalFunction("ProcessVideoFunction", lambda: handler, region=REGION),
        batch_size=1, visibility_timeout=5400, retry_delay=0,
    )  # fmt: skip


def test_given_a_handler_that_succeeds_then_the_message_is_deleted_after_one_real_shaped_event(
    queues: tuple[Any, Resolver],
) -> None:
    sqs, resolver = queues
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        assert context.get_remaining_time_in_millis() > 0
        return {"batchItemFailures": []}

    sqs.send_message(QueueUrl=resolver.refs["VideoQueue"], MessageBody=json.dumps({"video_id": "v1"}))
    poller = _poller(sqs, resolver, handler)
    assert poller.poll_once() == 1
    assert poller.poll_once() == 0
    (record,) = events[0]["Records"]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":poller-video-queue")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert json.loads(record["body"]) == {"video_id": "v1"}


def test_given_a_record_that_keeps_failing_then_it_is_retried_and_lands_in_the_dlq_after_5(
    queues: tuple[Any, Resolver],
) -> None:
    sqs, resolver = queues
    counts: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        counts.extend(r["attributes"]["ApproximateReceiveCount"] for r in event["Records"])
        if len(counts) == 1:
            raise RuntimeError("the function crashed")  # an invocation error fails the batch
        for r in event["Records"]:  # as process_video does: come back now (its back-off, capped locally)
            sqs.change_message_visibility(
                QueueUrl=resolver.refs["VideoQueue"], ReceiptHandle=r["receiptHandle"], VisibilityTimeout=0
            )
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    sqs.send_message(QueueUrl=resolver.refs["VideoQueue"], MessageBody="{}")
    poller = _poller(sqs, resolver, handler)
    for _ in range(7):
        poller.poll_once()
    assert counts == ["1", "2", "3", "4", "5"]
    dead = wait_for(
        lambda: sqs.receive_message(QueueUrl=resolver.refs["VideoDeadLetterQueue"]).get("Messages"), 5
    )
    assert [m["Body"] for m in dead] == ["{}"]


# --- the schedule -------------------------------------------------------------------------------


def test_given_the_template_then_the_local_scheduler_runs_the_sweep_every_ten_minutes() -> None:
    assert schedules(load_template()) == [Schedule("SweepSchedule", "ProcessVideoFunction", 600)]


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(10 minutes)", 600), ("rate(2 hours)", 7200), ("rate(1 day)", 86400),
     ("cron(0 12 * * ? *)", None), ("rate(0 minutes)", None), ("rate(5 weeks)", None), ("rate(x)", None)],
)  # fmt: skip
def test_given_a_schedule_expression_then_rates_are_understood_and_the_rest_refused(
    expression: str, seconds: int | None
) -> None:
    if seconds is None:
        with pytest.raises(ValueError, match="not a rate expression"):
            rate_seconds(expression)
    else:
        assert rate_seconds(expression) == seconds


def test_given_a_scheduler_then_it_sends_scheduled_events_and_survives_a_failed_invocation() -> None:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
        assert context.function_name == "ProcessVideoFunction"
        events.append(event)
        if len(events) == 1:
            raise RuntimeError("the first invocation fails")
        return {"resent": len(events)}

    function = LocalFunction("ProcessVideoFunction", lambda: handler, region=REGION)
    scheduler = Scheduler(function, rule="SweepSchedule", seconds=0.05)
    scheduler.start()
    try:
        wait_for(lambda: len(events) >= 3, 10)  # it kept ticking after the first invocation raised
    finally:
        scheduler.stop()
    first = events[0]
    assert (first["detail-type"], first["source"], first["detail"]) == ("Scheduled Event", "aws.events", {})
    assert first["resources"] == [f"arn:aws:events:{REGION}:123456789012:rule/SweepSchedule"]
    assert len({event["id"] for event in events}) == len(events)
    assert scheduler.tick() == {"resent": len(events)}  # a tick answers what the function returned
    events.clear()
    assert scheduler.tick() is None and len(events) == 1  # or None when it raised


def test_given_a_reported_failure_then_the_poller_leaves_its_visibility_alone_like_lambda(
    queues: tuple[Any, Resolver],
) -> None:
    # Given a handler that reports a failure without changing the message's visibility
    sqs, resolver = queues
    counts: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        counts.extend(r["attributes"]["ApproximateReceiveCount"] for r in event["Records"])
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    sqs.send_message(QueueUrl=resolver.refs["VideoQueue"], MessageBody="{}")
    poller = _poller(sqs, resolver, handler)
    # When polling again
    assert poller.poll_once() == 1
    # Then the message waits out the visibility timeout (5,400 s), as on Lambda: not retried, not deleted
    assert poller.poll_once() == 0 and counts == ["1"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=resolver.refs["VideoQueue"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
