"""process_video backs its retries off itself: 30 s, 2 min, 10 min, not the queue's 5,400 s.

The message comes from the moto queue (a real receipt handle); what the function asks SQS for is
seen on the boto3 client's ChangeMessageVisibility calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from process_video.handler import lambda_handler as process
from shared import aws as shared_aws
from shared import config, processing, retries

from ytsb_local.poller import sqs_event as event_from

REGION = "us-east-1"


@pytest.fixture
def visibility_calls() -> list[dict[str, Any]]:
    """Every ChangeMessageVisibility the functions send, with its parameters."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(params)

    shared_aws.client("sqs").meta.events.register("provide-client-params.sqs.ChangeMessageVisibility", record)
    return calls


@pytest.fixture
def receive(aws: dict[str, str]) -> Callable[[], dict[str, Any]]:
    """The next delivery of the queue's message, as Lambda's event source mapping builds it."""
    sqs = boto3.client("sqs", region_name=REGION)

    def next_event() -> dict[str, Any]:
        messages = sqs.receive_message(
            QueueUrl=aws["queue_url"], AttributeNames=["All"], VisibilityTimeout=5400
        ).get("Messages", [])
        assert messages, "no message visible"
        return event_from(messages, "arn:aws:sqs:us-east-1:123456789012:ytsb-video-queue", REGION)

    return next_event


def visible_now(queue_url: str) -> list[dict[str, Any]]:
    return boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=queue_url).get("Messages", [])


@pytest.mark.parametrize(
    ("receive_count", "delay"), [(1, 30), (2, 120), (3, 600), (4, 600), (9, 600), (0, 30)]
)
def test_given_a_receive_count_then_the_retry_delay_grows_to_ten_minutes(receive_count, delay):
    assert retries.retry_delay(receive_count) == delay


def test_given_the_local_cap_then_no_delay_is_longer(monkeypatch):
    # Given the local stack's RETRY_DELAY_MAX (YTSB_RETRY_DELAY)
    monkeypatch.setenv("RETRY_DELAY_MAX", "2")
    config.reset()
    # Then every delay, a held lease's too, is at most that
    assert [retries.retry_delay(n) for n in (1, 2, 3)] == [2, 2, 2]
    assert retries.retry_delay(1, retries.LeaseHeld(900)) == 2


def test_given_a_held_lease_then_the_duplicate_comes_back_when_the_lease_ends():
    assert retries.retry_delay(1, retries.LeaseHeld(840)) == 841
    assert retries.retry_delay(1, retries.LeaseHeld(-5)) == 1  # already over: right away
    assert retries.retry_delay(1, retries.LeaseHeld(10**6)) == retries.MAX_VISIBILITY


def test_given_a_transient_failure_when_reported_then_the_message_comes_back_after_30s_then_2min(
    message, context, use_cli, receive, visibility_calls, aws
):
    # Given a video whose CLI fails transiently
    use_cli("transient")
    # When the first and second deliveries fail
    first = receive()
    assert process(first, context)["batchItemFailures"]
    # Then the function set the message's visibility to 30 s (not the queue's 5,400 s)
    assert [(c["ReceiptHandle"], c["VisibilityTimeout"]) for c in visibility_calls] == [
        (first["Records"][0]["receiptHandle"], 30)
    ]
    assert visibility_calls[0]["QueueUrl"] == aws["queue_url"]
    assert visible_now(aws["queue_url"]) == []
    # And with the retry's time passed (made visible by hand), the second failure waits 2 minutes
    boto3.client("sqs", region_name=REGION).change_message_visibility(
        QueueUrl=aws["queue_url"], ReceiptHandle=first["Records"][0]["receiptHandle"], VisibilityTimeout=0
    )
    second = receive()
    assert second["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert process(second, context)["batchItemFailures"]
    assert [c["VisibilityTimeout"] for c in visibility_calls][-1] == 120


def test_given_the_local_cap_of_zero_then_a_failed_message_is_visible_again_at_once(
    message, context, use_cli, receive, monkeypatch, aws
):
    # Given the local stack with YTSB_RETRY_DELAY=0
    monkeypatch.setenv("RETRY_DELAY_MAX", "0")
    config.reset()
    use_cli("transient")
    # When a delivery fails
    assert process(receive(), context)["batchItemFailures"]
    # Then the message is back at once, its receive count grown
    assert receive()["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"


def test_given_a_duplicate_while_another_worker_holds_the_lease_then_it_waits_for_the_lease(
    message, context, receive, visibility_calls
):
    # Given a video claimed by another worker (a live lease)
    claimed = processing.claim(message["video_id"])
    assert claimed is not None
    lease_left = int(claimed["lease_until"]) - processing.now_epoch()
    # When a duplicate message is delivered
    assert process(receive(), context)["batchItemFailures"]
    # Then it comes back when the lease ends, not on the retry schedule (it would reach the DLQ)
    (call,) = visibility_calls
    assert lease_left - 5 <= call["VisibilityTimeout"] <= lease_left + 1
    assert call["VisibilityTimeout"] > retries.RETRY_DELAYS[0]  # the tests' lease: 20 s + 60 s
