"""Fault injection: every AWS call of submit and process_video fails in turn, and the CLI misbehaves.

Faults are injected by ``tests/integration/faults.py`` (the ``faults`` fixture): before the request
is sent (the call did not happen), or after the service applied it (the answer was lost, as on a
timeout). Each fault fires once unless a test says otherwise.

Redelivery is modelled like AWS: a batch item failure makes the message visible again after the
queue's visibility timeout (5,400 s, template.yaml), so the fake clock of ``shared.processing``
moves on by that much between deliveries; at most ``MAX_RECEIVE_COUNT`` (3) receives, then the
message is in the DLQ, and an operator's redrive delivers it again with a fresh receive count.

After every test the autouse ``ledger_invariant`` checks the books; the tests below also check,
with ``settled=True``, that no video is left ``queued`` or ``processing`` once the queue is drained.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from process_video.handler import lambda_handler as process
from shared import ledger, processing, sweep, videos
from shared.config import get_settings
from shared.dal import dynamo
from shared.errors import DependencyUnavailable
from submit_video.handler import lambda_handler as submit

from tests.integration.faults import (
    CLAIM,
    COMPLETE,
    GRANT,
    NOTE_PUT,
    REFUND,
    RELEASE,
    S3_PUT,
    SEND,
    SPEND,
    Fault,
    Params,
    anything,
    fault,
    update_with,
)
from ytsb_local.invariants import Tables, ledger_problems

URL = "https://youtu.be/dQw4w9WgXcQ"
VISIBILITY_TIMEOUT = 5400  # template.yaml: VideoQueue VisibilityTimeout
UNAVAILABLE = {"error": DependencyUnavailable().message, "details": {}}
NOTHING_SWEPT = {"resent": 0, "refunded": 0, "skipped": 0, "failed": 0}


# --- reading the tables -------------------------------------------------------------------------


def items(table: str) -> list[dict[str, Any]]:
    return boto3.resource("dynamodb").Table(table).scan(ConsistentRead=True)["Items"]


def ledger_entries(kind: str) -> list[dict[str, Any]]:
    return [entry for entry in items("ytsb-credits") if entry["type"] == kind]


def video(video_id: str) -> dict[str, Any]:
    return dynamo.get_item(get_settings().videos_table, {"video_id": video_id}, consistent=True) or {}


def queued_messages() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=get_settings().video_queue_url, MaxNumberOfMessages=10)
    return [json.loads(message["Body"]) for message in found.get("Messages", [])]


def settled_problems() -> list[str]:
    return ledger_problems(boto3.resource("dynamodb"), Tables(), settled=True)


# --- submit -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faulty", "video_after"),
    [
        ([fault(SPEND)], None),
        ([fault(SPEND, error="connection")], None),
        ([fault(SPEND, after=True)], "failed"),  # committed, answer lost: compensated
        ([fault(SEND)], "failed"),
        ([fault(SEND, error="connection")], "failed"),
        ([fault(SEND), fault(REFUND)], "failed"),  # the compensation is retried
        ([fault(SEND), fault(REFUND, times=2, error="connection")], "failed"),
    ],
    ids=[
        "spend-tx",
        "spend-tx-unreachable",
        "spend-tx-answer-lost",
        "send",
        "send-unreachable",
        "send+compensation-once",
        "send+compensation-twice",
    ],
)
def test_given_a_failing_call_when_submitting_then_503_and_no_credit_lost(
    api_event, invoke, faults, faulty, video_after
):
    # Given a known user (3 credits) and one failing call
    ledger.ensure_user("user-1", "user-1@example.com")
    faulty = [faults.add(one) for one in faulty]
    # When submitting
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    # Then a clean 503, every fault was hit, nothing queued, and the credit is still the user's
    assert (status, body) == (503, UNAVAILABLE)
    assert all(one.fired for one in faulty)
    assert queued_messages() == []
    assert ledger.get_user_credits("user-1") == 3
    assert [v["status"] for v in items("ytsb-videos")] == ([video_after] if video_after else [])
    assert len(ledger_entries("refund")) == (1 if video_after == "failed" else 0)
    assert settled_problems() == []
    # And once the dependency is back, the next submit works
    faults.clear()
    assert invoke(submit, api_event("POST", "/videos", body={"url": URL}))[0] == 201
    assert ledger.get_user_credits("user-1") == 2 and len(queued_messages()) == 1


def test_given_grant_tx_fails_for_a_new_user_when_submitting_then_503_and_nothing_written(
    api_event, invoke, faults
):
    faults.add(fault(GRANT))
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    assert (status, body) == (503, UNAVAILABLE)
    assert items("ytsb-videos") == [] and items("ytsb-credits") == [] and queued_messages() == []


def test_given_queue_and_every_compensation_fail_then_503_and_the_sweep_settles_it(
    api_event, invoke, faults, clock, sqs_event, context
):
    """SQS and then DynamoDB fail through every retry: the video is ``queued`` with no message.

    The books still balance (a spend for a video that exists); the sweep sends its message again.
    """
    ledger.ensure_user("user-1", "user-1@example.com")
    faults.add(fault(SEND))
    compensation = faults.add(fault(REFUND, times=-1))
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    assert (status, body) == (503, UNAVAILABLE)
    assert compensation.fired == videos.COMPENSATION_ATTEMPTS
    (held,) = items("ytsb-videos")
    assert held["status"] == "queued" and queued_messages() == []
    assert settled_problems() == [f"{held['video_id']}: still queued after the queue was drained"]
    # When the sweep runs once the video was untouched for SWEEP_AFTER, with AWS back
    faults.clear()
    assert sweep.sweep() == NOTHING_SWEPT
    clock.advance(get_settings().sweep_after + 1)
    assert sweep.sweep() == {**NOTHING_SWEPT, "resent": 1}
    # Then its message is back, and delivering it completes the video: one spend, one note
    (resent,) = queued_messages()
    assert resent == {"video_id": held["video_id"], "youtube_video_id": "dQw4w9WgXcQ",
                      "url": held["url"], "user_id": "user-1"}  # fmt: skip
    assert process(sqs_event(resent), context) == {"batchItemFailures": []}
    assert video(held["video_id"])["status"] == "completed"
    assert ledger.get_user_credits("user-1") == 2 and settled_problems() == []


# --- process_video ------------------------------------------------------------------------------


class Clock:
    """``shared.processing``'s clock: real time plus what the test lets pass."""

    def __init__(self) -> None:
        import time

        self.offset = 0
        self._time = time.time

    def __call__(self) -> int:
        return int(self._time()) + self.offset

    def advance(self, seconds: int) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(processing, "now_epoch", fake)
    monkeypatch.setattr(sweep, "now_epoch", fake)
    return fake


def deliver(sqs_event, context, clock: Clock, message: dict[str, str], counts=(1, 2, 3)) -> list[bool]:
    """Deliver like SQS until a delivery succeeds or the receives run out; True = batch item failure."""
    failures = []
    for count in counts:
        result = process(sqs_event(message, receive_count=count), context)
        failures.append(bool(result["batchItemFailures"]))
        if not failures[-1]:
            break
        clock.advance(VISIBILITY_TIMEOUT)
    return failures


@pytest.mark.parametrize(
    ("scenario", "faulty", "failures", "final"),
    [
        ("success", [fault(CLAIM)], [True, False], "completed"),
        ("success", [fault(CLAIM, error="connection")], [True, False], "completed"),
        ("success", [fault(S3_PUT)], [True, False], "completed"),
        ("success", [fault(NOTE_PUT)], [True, False], "completed"),
        ("success", [fault(COMPLETE)], [True, False], "completed"),
        ("success", [fault(COMPLETE, after=True)], [True, False], "completed"),
        ("permanent", [fault(REFUND)], [True, False], "failed"),
        ("permanent", [fault(REFUND, after=True)], [True, False], "failed"),
        ("transient", [fault(RELEASE)], [True, True, False], "failed"),
        ("transient", [fault(RELEASE, after=True)], [True, True, False], "failed"),
        ("garbage", [], [False], "failed"),  # the CLI crashes printing a traceback
        ("killed", [], [True, True, False], "failed"),  # the CLI is killed by a signal each time
        ("hang", [], [False], "failed"),  # the CLI hangs past the timeout and is killed
    ],
    ids=[
        "claim",
        "claim-unreachable",
        "s3-put",
        "note-put",
        "completion",
        "completion-answer-lost",
        "refund",
        "refund-answer-lost",
        "release",
        "release-answer-lost",
        "cli-crash",
        "cli-killed",
        "cli-hang",
    ],
)
def test_given_a_fault_in_process_video_when_redelivered_then_settled_once(
    message, sqs_event, context, use_cli, faults, clock, scenario, faulty, failures, final
):
    # Given the CLI behaves as ``scenario`` and one call fails once
    use_cli(scenario, timeout=1 if scenario == "hang" else None)
    faulty = [faults.add(one) for one in faulty]
    # When SQS delivers (and redelivers after each batch item failure)
    assert deliver(sqs_event, context, clock, message) == failures
    # Then the fault was hit, and the video is settled: completed with one note and no refund, or
    # failed with one refund; one spend either way, and the books balance
    assert all(one.fired for one in faulty)
    done = video(message["video_id"])
    assert done["status"] == final and "lease_until" not in done
    assert len(ledger_entries("spend")) == 1
    assert len(ledger_entries("refund")) == (1 if final == "failed" else 0)
    assert len(items("ytsb-notes")) == (1 if final == "completed" else 0)
    assert ledger.get_user_credits("user-1") == (2 if final == "completed" else 3)
    if final == "failed":
        assert "Traceback" not in done["error"] and done["error"] == done["status_message"]
    assert settled_problems() == []


@pytest.mark.parametrize("step", [1, 2, 3])
def test_given_a_progress_update_fails_then_the_video_still_completes_at_once(
    message, sqs_event, context, use_cli, faults, clock, step
):
    # Given the step-th of the three progress writes fails (progress is best effort)
    use_cli("success")
    skipped = {"n": 0}

    def nth(params: Params) -> bool:
        if not update_with("SET progress = :p")(params):
            return False
        skipped["n"] += 1
        return skipped["n"] == step

    injected = faults.add(Fault("dynamodb", "UpdateItem", nth, times=-1))
    # When processing, then it completes on the first delivery
    assert deliver(sqs_event, context, clock, message) == [False]
    assert injected.fired == 1 and skipped["n"] == 3
    assert video(message["video_id"])["status"] == "completed"
    assert len(items("ytsb-notes")) == 1 and settled_problems() == []


@pytest.mark.parametrize(
    ("last_faults", "stuck"),
    [
        ([fault(REFUND, error="connection")], "queued"),  # the claim was given back
        ([fault(CLAIM)], "queued"),
        # the refund fails and so does giving the claim back: the lease expires before a redrive
        ([fault(REFUND), fault(RELEASE)], "processing"),
    ],
    ids=["refund", "claim", "refund+release"],
)
def test_given_a_fault_on_the_last_attempt_then_dlq_and_a_redrive_settles_it(
    message, sqs_event, context, use_cli, faults, clock, last_faults, stuck
):
    # Given a CLI that fails transiently, two deliveries that release the video for a retry
    use_cli("transient")
    assert deliver(sqs_event, context, clock, message, counts=(1, 2)) == [True, True]
    # When the last allowed delivery hits a DynamoDB fault
    last_faults = [faults.add(one) for one in last_faults]
    assert deliver(sqs_event, context, clock, message, counts=(3,)) == [True]
    # Then it is a batch item failure: after maxReceiveCount the message is in the DLQ (the alarm
    # fires), the video is not settled, and nothing was refunded twice or lost
    assert all(one.fired == 1 for one in last_faults)
    assert video(message["video_id"])["status"] == stuck
    assert ledger_entries("refund") == [] and ledger.get_user_credits("user-1") == 2
    # When an operator redrives the DLQ (a fresh receive count) once DynamoDB is back
    faults.clear()
    use_cli("success")
    assert deliver(sqs_event, context, clock, message) == [False]
    # Then the video completes, once
    assert video(message["video_id"])["status"] == "completed"
    assert len(items("ytsb-notes")) == 1 and ledger_entries("refund") == []
    assert settled_problems() == []


def test_given_dynamodb_down_for_every_attempt_then_dlq_and_a_redrive_settles_it(
    message, sqs_event, context, use_cli, faults, clock
):
    use_cli("success")
    outage = faults.add(Fault("dynamodb", "UpdateItem", anything, times=-1))
    assert deliver(sqs_event, context, clock, message) == [True, True, True]
    assert outage.fired == 3 and video(message["video_id"])["status"] == "queued"
    faults.clear()
    assert deliver(sqs_event, context, clock, message) == [False]
    assert video(message["video_id"])["status"] == "completed" and settled_problems() == []


def test_given_refund_fails_and_the_retry_comes_before_the_lease_expires_then_it_still_settles(
    message, sqs_event, context, use_cli, faults, clock
):
    """The local poller retries after seconds, not 5,400 s: the claim must not outlive the failure."""
    use_cli("permanent")
    faults.add(fault(REFUND))
    assert process(sqs_event(message, receive_count=1), context)["batchItemFailures"]
    # no time passes: the released claim is taken at once, and the refund happens this time
    assert video(message["video_id"])["status"] == "queued"
    assert process(sqs_event(message, receive_count=2), context) == {"batchItemFailures": []}
    assert video(message["video_id"])["status"] == "failed"
    assert len(ledger_entries("refund")) == 1 and settled_problems() == []


def test_given_completion_recorded_but_answer_lost_on_last_attempt_then_not_refunded(
    message, sqs_event, context, use_cli, faults, clock
):
    """A completed video is never turned into a failed one by a late refund."""
    use_cli("success")
    faults.add(fault(COMPLETE, after=True))
    assert deliver(sqs_event, context, clock, message, counts=(3,)) == [False]
    done = video(message["video_id"])
    assert done["status"] == "completed" and ledger_entries("refund") == []
    assert ledger.get_user_credits("user-1") == 2 and settled_problems() == []


# --- the sweep ----------------------------------------------------------------------------------


def drain_queue() -> int:
    """Receive and delete every message: whatever was queued is lost, as if it never arrived."""
    sqs, url, lost = boto3.client("sqs"), get_settings().video_queue_url, 0
    while found := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for one in found:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=one["ReceiptHandle"])
        lost += len(found)
    return lost


def set_video(video_id: str, **fields: Any) -> None:
    names = {f"#{name}": name for name in fields}
    dynamo.update_item(
        get_settings().videos_table,
        {"video_id": video_id},
        "SET " + ", ".join(f"#{name} = :{name}" for name in fields),
        return_values="NONE",
        names=names,
        values={f":{name}": value for name, value in fields.items()},
    )


@pytest.mark.parametrize(
    ("status", "lease_from_now", "age", "swept"),
    [
        ("queued", None, "fresh", False),
        ("queued", None, "old", True),
        ("processing", 600, "old", False),  # a worker holds a live lease
        ("processing", -1, "old", True),  # its worker died, the lease expired
        ("processing", -1, "fresh", False),
        ("completed", None, "old", False),
        ("failed", None, "old", False),
    ],
)
def test_given_a_video_when_the_sweep_looks_then_only_stale_pending_ones_are_found(
    message, clock, status, lease_from_now, age, swept
):
    drain_queue()
    if status == "failed":
        videos.refund_video("user-1", message["video_id"], "failed earlier")
    elif status != "queued":
        set_video(message["video_id"], status=status)
    if age == "old":
        clock.advance(get_settings().sweep_after + 1)
    if lease_from_now is not None:
        set_video(message["video_id"], lease_until=clock() + lease_from_now)
    found = [one["video_id"] for one in sweep.stale_videos()]
    assert found == ([message["video_id"]] if swept else [])
    if swept:  # settle what the test left pending, so the books are clean
        videos.refund_video("user-1", message["video_id"], "test over")


def test_given_the_worker_died_and_its_message_is_in_the_dlq_then_the_sweep_completes_the_video(
    message, sqs_event, context, use_cli, faults, clock
):
    # Given the last delivery failed to refund and to release: ``processing`` under a lease, no message
    use_cli("transient")
    assert deliver(sqs_event, context, clock, message, counts=(1, 2)) == [True, True]
    faults.add(fault(REFUND))
    faults.add(fault(RELEASE))
    assert deliver(sqs_event, context, clock, message, counts=(3,)) == [True]
    drain_queue()  # the message is in the DLQ; nobody redrives it
    assert video(message["video_id"])["status"] == "processing"
    faults.clear()
    # When the sweep runs after the lease expired and SWEEP_AFTER passed
    clock.advance(get_settings().sweep_after + 1)
    assert process({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, context) == {
        **NOTHING_SWEPT,
        "resent": 1,
    }
    # Then the re-sent message takes over the expired lease and completes the video, once
    use_cli("success")
    (resent,) = queued_messages()
    assert process(sqs_event(resent), context) == {"batchItemFailures": []}
    done = video(message["video_id"])
    assert done["status"] == "completed" and done["sweeps"] == 1
    assert len(items("ytsb-notes")) == 1 and ledger_entries("refund") == []
    assert ledger.get_user_credits("user-1") == 2 and settled_problems() == []


def test_given_every_resent_message_is_lost_then_after_max_sweeps_the_credit_is_refunded_once(message, clock):
    drain_queue()
    for _ in range(get_settings().max_sweeps):
        clock.advance(get_settings().sweep_after + 1)
        assert sweep.sweep() == {**NOTHING_SWEPT, "resent": 1}
        assert drain_queue() == 1  # re-sent, and lost again
    clock.advance(get_settings().sweep_after + 1)
    assert sweep.sweep() == {**NOTHING_SWEPT, "refunded": 1}
    failed = video(message["video_id"])
    assert failed["status"] == "failed" and failed["error"] == sweep.GAVE_UP == failed["status_message"]
    clock.advance(get_settings().sweep_after + 1)
    assert sweep.sweep() == NOTHING_SWEPT and queued_messages() == []
    assert len(ledger_entries("refund")) == 1 and ledger.get_user_credits("user-1") == 3
    assert settled_problems() == []


def test_given_a_retry_of_a_video_the_sweep_gave_up_on_then_it_is_swept_afresh_and_refunded_under_its_key(
    message, clock, api_event, invoke
):
    # Given a video whose messages were all lost: the sweep gave up and refunded it
    drain_queue()
    for _ in range(get_settings().max_sweeps + 1):
        clock.advance(get_settings().sweep_after + 1)
        sweep.sweep()
        drain_queue()
    assert video(message["video_id"])["status"] == "failed"
    # When the owner retries it and the retry's message is lost too
    retry = api_event("POST", "/videos/{video_id}/retry", path_params={"video_id": message["video_id"]})
    assert invoke(submit, retry)[0] == 200
    assert drain_queue() == 1 and ledger.get_user_credits("user-1") == 2
    # Then the sweep starts counting again (it re-sends before it gives up), and refunds the retry once
    clock.advance(get_settings().sweep_after + 1)
    assert sweep.sweep() == {**NOTHING_SWEPT, "resent": 1}
    for _ in range(get_settings().max_sweeps - 1):
        drain_queue()
        clock.advance(get_settings().sweep_after + 1)
        assert sweep.sweep() == {**NOTHING_SWEPT, "resent": 1}
    drain_queue()
    clock.advance(get_settings().sweep_after + 1)
    assert sweep.sweep() == {**NOTHING_SWEPT, "refunded": 1}
    refunds = sorted(entry["transaction_id"] for entry in ledger_entries("refund"))
    assert refunds == [f"refund_{message['video_id']}", f"refund_{message['video_id']}_r1"]
    assert ledger.get_user_credits("user-1") == 3 and settled_problems() == []


@pytest.mark.parametrize("sweeps_so_far", [0, 3], ids=["would-resend", "would-refund"])
def test_given_a_worker_claims_the_video_while_the_sweep_settles_it_then_the_worker_wins(
    message, sqs_event, context, clock, sweeps_so_far
):
    # Given the sweep read a stale video (its message still exists: it was only slow)
    set_video(message["video_id"], sweeps=sweeps_so_far)
    clock.advance(get_settings().sweep_after + 1)
    (stale,) = sweep.stale_videos()
    # When a worker claims it before the sweep writes
    assert processing.claim(message["video_id"]) is not None
    drain_queue()
    # Then the sweep changes nothing: no second message, and no refund under the worker's feet
    assert sweep.settle(stale) == "skipped"
    assert queued_messages() == [] and ledger_entries("refund") == []
    claimed = video(message["video_id"])
    assert claimed["status"] == "processing" and claimed["sweeps"] == sweeps_so_far
    # (the worker dies; its message, redelivered after the lease, completes the video)
    clock.advance(VISIBILITY_TIMEOUT)
    assert process(sqs_event(message, receive_count=2), context) == {"batchItemFailures": []}
    assert video(message["video_id"])["status"] == "completed" and settled_problems() == []


def test_given_sqs_fails_for_one_video_then_the_sweep_settles_the_others_and_retries_it_later(
    api_event, invoke, faults, clock, sqs_event, context
):
    for _ in range(2):
        assert invoke(submit, api_event("POST", "/videos", body={"url": URL}))[0] == 201
    drain_queue()
    clock.advance(get_settings().sweep_after + 1)
    send = faults.add(fault(SEND))
    assert sweep.sweep() == {**NOTHING_SWEPT, "resent": 1, "failed": 1}
    (first,) = queued_messages()
    assert send.fired == 1 and process(sqs_event(first), context) == {"batchItemFailures": []}
    # The other one counted its attempt and stays pending; the next pass sends it
    clock.advance(get_settings().sweep_after + 1)
    assert sweep.sweep() == {**NOTHING_SWEPT, "resent": 1}
    (second,) = queued_messages()
    assert second["video_id"] != first["video_id"]
    assert process(sqs_event(second), context) == {"batchItemFailures": []}
    assert [v["sweeps"] for v in items("ytsb-videos") if v["video_id"] == second["video_id"]] == [2]
    assert {v["status"] for v in items("ytsb-videos")} == {"completed"}
    assert ledger.get_user_credits("user-1") == 1 and settled_problems() == []
