"""A worker killed mid-video: the lease expires and the redelivered message completes it, once.

The queue and its DLQ come from template.yaml (moto in-process), and ``ytsb_local.poller.SqsPoller``
delivers like Lambda's event source mapping. The first invocation claims the video, starts the
real (fake) CLI, sees its progress, and then dies the way a Lambda sandbox does (the function
times out or runs out of memory): the CLI is killed with it, nothing is written, the message is
neither deleted nor released. Time is two clocks: SQS's visibility timeout runs in wall time (2 s
here instead of 5,400 s), and ``shared.processing``'s clock is moved on by what that stands for.
"""

from __future__ import annotations

import time

import boto3
import pytest
from process_video.handler import lambda_handler as process
from shared import config, ledger, processing
from submit_video.handler import lambda_handler as submit

from ytsb_local.aws import create_queues
from ytsb_local.invariants import Tables, ledger_problems
from ytsb_local.invoke import LocalFunction
from ytsb_local.poller import SqsPoller
from ytsb_local.template import Resolver, load_template

REGION = "us-east-1"


class SandboxDied(BaseException):
    """Not an Exception: nothing in the handler may catch it, as nothing survives a dead sandbox."""


def items(table: str) -> list[dict]:
    return boto3.resource("dynamodb").Table(table).scan(ConsistentRead=True)["Items"]


def test_given_worker_killed_mid_video_then_the_redelivery_takes_over_after_the_lease_and_completes_once(
    api_event, invoke, use_cli, monkeypatch
):
    # Given the template's queue and DLQ (maxReceiveCount 5), and a submitted video
    sqs = boto3.client("sqs", region_name=REGION)
    resolver = Resolver(load_template(), REGION, {"Prefix": "kill"})
    create_queues(sqs, resolver)
    queue_url, dlq_url = resolver.refs["VideoQueue"], resolver.refs["VideoDeadLetterQueue"]
    monkeypatch.setenv("VIDEO_QUEUE_URL", queue_url)
    monkeypatch.setenv("RETRY_DELAY_MAX", "0")  # the function's back-off, in wall time: at once
    config.get_settings.cache_clear()
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}))
    assert status == 201
    video_id = body["video_id"]
    offset = {"seconds": 0}
    monkeypatch.setattr(processing, "now_epoch", lambda: int(time.time()) + offset["seconds"])
    poller = SqsPoller(
        sqs, queue_url, resolver.attrs[("VideoQueue", "Arn")],
        LocalFunction("ProcessVideoFunction", lambda: process, region=REGION),
        batch_size=1, visibility_timeout=2, retry_delay=0,
    )  # fmt: skip

    # When the worker dies while the CLI runs (a CLI that hangs, killed with the sandbox)
    real_run_cli = processing.run_cli

    def run_then_die(*args, **kwargs):
        real_run_cli(*args, **{**kwargs, "timeout": 0.5})
        raise SandboxDied

    use_cli("hang")
    monkeypatch.setattr(processing, "run_cli", run_then_die)
    with pytest.raises(SandboxDied):
        poller.poll_once()
    # Then the video is left processing under a lease (the CLI got no further than "starting"), and
    # nothing else: no note, no refund, and the message is in flight (not deleted)
    (left,) = items("ytsb-videos")
    assert left["status"] == "processing" and left["status_message"] == "Processing started"
    assert int(left["lease_until"]) > time.time() + 60
    assert items("ytsb-notes") == [] and ledger.get_user_credits("user-1") == 2
    assert poller.poll_once() == 0  # still invisible

    # When the message is visible again before the lease has expired (a redelivery that came early)
    monkeypatch.setattr(processing, "run_cli", real_run_cli)
    use_cli("success")
    assert poller.poll_once(wait_seconds=5) == 1
    # Then it is retried, not run a second time alongside a worker that might still be alive
    assert items("ytsb-videos")[0]["status"] == "processing" and items("ytsb-notes") == []

    # When the next delivery comes after the lease expired (on AWS: 5,400 s of visibility > 900 s lease)
    offset["seconds"] = int(left["lease_until"]) - int(time.time()) + 1
    assert poller.poll_once(wait_seconds=2) == 1
    # Then the video completes: one note, one charge, no refund; the queue and the DLQ are empty
    (done,) = items("ytsb-videos")
    assert done["status"] == "completed" and int(done["attempts"]) == 2 and "lease_until" not in done
    (note,) = items("ytsb-notes")
    assert note["video_id"] == video_id and done["note_id"] == note["note_id"]
    entries = sorted(entry["type"] for entry in items("ytsb-credits"))
    assert entries == ["grant", "spend"] and ledger.get_user_credits("user-1") == 2
    text = boto3.client("s3").get_object(Bucket="ytsb-notes-test", Key=f"user-1/{video_id}/note.md")["Body"]
    assert text.read().decode().startswith("# Fake Lecture")
    for url in (queue_url, dlq_url):
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None, url
    assert ledger_problems(boto3.resource("dynamodb"), Tables(), settled=True) == []
