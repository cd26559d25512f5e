"""POST /videos/{id}/retry and DELETE /videos/{id} against moto: money, races, and half-done deletes.

After every test the autouse ``ledger_invariant`` checks the books: one spend per attempt
(``spend_<id>``, ``spend_<id>_r<n>``), every attempt but a live or completed last one refunded once,
and the entries of deleted videos still adding up.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from get_video.handler import lambda_handler as get_video
from process_video.handler import lambda_handler as process
from shared import ledger, processing, video_actions, videos
from shared.config import get_settings
from shared.dal import dynamo
from shared.ids import note_id_for
from submit_video.handler import lambda_handler as submit

from tests.integration.faults import Fault, anything, fault, update_with

URL = "https://youtu.be/dQw4w9WgXcQ"
BUCKET = "ytsb-notes-test"  # conftest's NOTES_BUCKET
VTT = "WEBVTT\n\n00:00.000 --> 00:03.000\nGradients point uphill.\n"


@pytest.fixture
def call(
    api_event: Callable[..., dict], invoke: Callable[..., tuple[int, Any]]
) -> Callable[..., tuple[int, Any]]:
    """``call("retry" | "delete" | "get", video_id, user=...)``: the route over its real handler."""
    routes = {
        "retry": (submit, "POST", "/videos/{video_id}/retry"),
        "delete": (get_video, "DELETE", "/videos/{video_id}"),
        "get": (get_video, "GET", "/videos/{video_id}"),
    }

    def run(action: str, video_id: str, user: str = "user-1") -> tuple[int, Any]:
        handler, method, path = routes[action]
        return invoke(handler, api_event(method, path, user=user, path_params={"video_id": video_id}))

    return run


@pytest.fixture
def finish(
    sqs_event: Callable[..., dict], context: Any, use_cli: Callable[..., None]
) -> Callable[[str, str], None]:
    """Run process_video on the video's current attempt with a fake CLI scenario, to the end."""

    def run(video_id: str, scenario: str) -> None:
        use_cli(scenario)
        body = {"video_id": video_id, "youtube_video_id": "dQw4w9WgXcQ", "url": URL, "user_id": "user-1"}
        assert process(sqs_event(body, receive_count=3), context) == {"batchItemFailures": []}

    return run


def submitted(invoke: Callable, api_event: Callable, transcript: dict | None = None) -> str:
    body: dict[str, Any] = {"url": URL, **({"transcript": transcript} if transcript else {})}
    status, answer = invoke(submit, api_event("POST", "/videos", body=body))
    assert status == 201, answer
    return str(answer["video_id"])


def entries(reference: str) -> list[tuple[str, int]]:
    """(transaction_id, amount) of the ledger entries of one video, in key order."""
    items = boto3.resource("dynamodb").Table("ytsb-credits").scan(ConsistentRead=True)["Items"]
    return sorted((e["transaction_id"], int(e["amount"])) for e in items if e["reference"] == reference)


def s3_keys() -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def read_together(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Make ``parties`` concurrent requests all read the video before any of them writes, so every
    one decides on the same state and only the conditional writes can tell them apart."""
    read, local = video_actions.get_owned, threading.local()
    start = threading.Barrier(parties)

    def first_read_in_step(user_id: str, video_id: str) -> dict[str, Any]:
        found = read(user_id, video_id)
        if not getattr(local, "waited", False):
            local.waited = True
            start.wait(timeout=10)
        return found

    monkeypatch.setattr(video_actions, "get_owned", first_read_in_step)


def queued_bodies(queue_url: str) -> list[dict[str, Any]]:
    found = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(message["Body"]) for message in found.get("Messages", [])]


# --- retry ---------------------------------------------------------------------------------------


def test_given_a_failed_video_when_retried_then_one_credit_is_spent_under_the_retry_key_and_it_is_queued(
    message, call, finish, stored_video, aws
):
    # Given a failed video (refunded: the balance is back to 3) whose first message was consumed
    video_id = message["video_id"]
    finish(video_id, "permanent")
    queued_bodies(aws["queue_url"])
    assert call("get", video_id)[1]["error_code"] == "failed"
    # When the owner retries it
    status, body = call("retry", video_id)
    # Then it is queued again for one credit, with its own ledger key, and its message is sent
    assert (status, body) == (
        200,
        {"video_id": video_id, "youtube_video_id": "dQw4w9WgXcQ", "status": "queued",
         "message": "Video queued for another attempt"},
    )  # fmt: skip
    assert ledger.get_user_credits("user-1") == 2
    assert entries(video_id) == [
        (f"refund_{video_id}", 1),
        (f"spend_{video_id}", -1),
        (f"spend_{video_id}_r1", -1),
    ]
    row = stored_video(video_id)
    assert (row["status"], row["retries"], row["progress"]) == ("queued", 1, 0)
    assert not {"refunded", "error", "error_code", "lease_until"} & set(row)
    assert queued_bodies(aws["queue_url"]) == [message]
    view = call("get", video_id)[1]
    assert view["status"] == "queued" and "error" not in view and "error_code" not in view
    # And when the new attempt succeeds, it is completed and keeps its credit
    finish(video_id, "success")
    assert stored_video(video_id)["status"] == "completed" and ledger.get_user_credits("user-1") == 2


def test_given_retries_that_fail_again_then_each_attempt_is_refunded_under_its_own_key(message, call, finish):
    video_id = message["video_id"]
    finish(video_id, "permanent")
    for _ in range(2):
        assert call("retry", video_id)[0] == 200
        finish(video_id, "permanent")
    assert ledger.get_user_credits("user-1") == 3
    assert entries(video_id) == sorted(
        [(f"spend_{video_id}{suffix}", -1) for suffix in ("", "_r1", "_r2")]
        + [(f"refund_{video_id}{suffix}", 1) for suffix in ("", "_r1", "_r2")]
    )


@pytest.mark.parametrize("scenario", [None, "success"])
def test_given_a_video_that_is_not_failed_when_retried_then_409_with_its_status_and_nothing_spent(
    message, call, finish, scenario
):
    if scenario:
        finish(message["video_id"], scenario)
    status, body = call("retry", message["video_id"])
    expected = "completed" if scenario else "queued"
    assert (status, body) == (
        409,
        {"error": "Only a failed video can be retried", "details": {"status": expected}},
    )
    assert ledger.get_user_credits("user-1") == 2


def test_given_a_processing_video_when_retried_then_409(message, call):
    processing.claim(message["video_id"])
    assert call("retry", message["video_id"]) == (
        409, {"error": "Only a failed video can be retried", "details": {"status": "processing"}}
    )  # fmt: skip


def test_given_another_users_or_an_unknown_video_when_retried_then_the_same_404(message, call, finish):
    finish(message["video_id"], "permanent")
    foreign = call("retry", message["video_id"], user="user-2")
    unknown = call("retry", "video_1700000000_000000000000")
    assert foreign == unknown == (404, {"error": "Video not found", "details": {}})
    assert ledger.get_user_credits("user-2", "user-2@example.com") == 3  # nothing spent


def test_given_no_credits_when_retrying_then_402_and_the_video_stays_failed(
    message, call, finish, invoke, api_event, stored_video
):
    finish(message["video_id"], "permanent")
    for _ in range(3):  # spend every credit
        submitted(invoke, api_event)
    status, body = call("retry", message["video_id"])
    assert (status, body) == (
        402,
        {"error": "Insufficient credits", "details": {"required": 1, "available": 0}},
    )
    row = stored_video(message["video_id"])
    assert row["status"] == "failed" and row["refunded"] is True and row["retries"] == 0


def test_given_the_queue_down_when_retrying_then_503_and_the_retry_is_refunded_under_its_key(
    message, call, finish, monkeypatch, stored_video
):
    finish(message["video_id"], "permanent")
    monkeypatch.setenv("VIDEO_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/missing")
    get_settings.cache_clear()
    assert call("retry", message["video_id"])[0] == 503
    row = stored_video(message["video_id"])
    assert (row["status"], row["retries"], row["error_code"]) == ("failed", 1, "failed")
    assert (f"refund_{message['video_id']}_r1", 1) in entries(message["video_id"])
    assert ledger.get_user_credits("user-1") == 3


def test_given_five_simultaneous_retries_of_one_failed_video_then_one_credit_is_spent_once(
    message, call, finish, aws, monkeypatch
):
    # Given a failed video and plenty of credits
    video_id = message["video_id"]
    finish(video_id, "permanent")
    queued_bodies(aws["queue_url"])
    ledger.add_credits("user-1", 10, "pi_topup")
    # When five retries arrive at once, and all of them read the video as failed before any writes
    read_together(monkeypatch, 5)
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: call("retry", video_id), range(5)))
    # Then exactly one is queued and spends; the others' conditional writes fail, and they are told
    # the video is no longer failed
    assert sorted(status for status, _ in results) == [200, 409, 409, 409, 409], results
    lost = {"error": "Only a failed video can be retried", "details": {"status": "queued"}}
    assert [body for status, body in results if status == 409] == [lost] * 4
    assert ledger.get_user_credits("user-1") == 13 - 1
    assert [key for key, _ in entries(video_id) if key.startswith("spend_")] == [
        f"spend_{video_id}",
        f"spend_{video_id}_r1",
    ]
    assert queued_bodies(aws["queue_url"]) == [message]


def test_given_a_worker_refunding_an_attempt_when_the_owner_retries_at_once_then_each_attempt_is_paid_once(
    invoke, api_event, call, stored_video
):
    # Given videos being processed (claimed), and credits for their retries
    ledger.ensure_user("user-1", "user-1@example.com")
    ledger.add_credits("user-1", 10, "pi_topup")
    outcomes = []
    for _ in range(4):
        video_id = submitted(invoke, api_event)
        processing.claim(video_id)
        start = threading.Barrier(3)

        # When the worker refunds the failed attempt (twice: a duplicate delivery) while the owner retries
        def refund(vid: str = video_id, barrier: threading.Barrier = start) -> bool:
            barrier.wait()
            return videos.refund_video("user-1", vid, "This video has no transcript", retries=0)

        def retry(vid: str = video_id, barrier: threading.Barrier = start) -> int:
            barrier.wait()
            return call("retry", vid)[0]

        with ThreadPoolExecutor(max_workers=3) as pool:
            refunds = [pool.submit(refund), pool.submit(refund)]
            retried = pool.submit(retry).result()
            refunded = [future.result() for future in refunds]
        # Then the attempt is refunded once; the retry either came too early (409) or is attempt 1,
        # which nobody refunded
        assert sorted(refunded) == [False, True]
        row = stored_video(video_id)
        keys = [key for key, _ in entries(video_id)]
        if retried == 200:
            assert (row["status"], row["retries"]) == ("queued", 1) and "refunded" not in row
            assert keys == [f"refund_{video_id}", f"spend_{video_id}", f"spend_{video_id}_r1"]
        else:
            assert retried == 409 and (row["status"], row["retries"]) == ("failed", 0)
            assert keys == [f"refund_{video_id}", f"spend_{video_id}"]
        outcomes.append(retried)
    # (whichever order the race took, the autouse invariant checks the books)
    print("refund/retry race outcomes:", outcomes)


def test_given_a_retried_video_when_a_stale_refund_of_the_old_attempt_arrives_then_it_refunds_nothing(
    message, call, finish, stored_video
):
    # Given a failed video retried (attempt 1 queued)
    video_id = message["video_id"]
    finish(video_id, "permanent")
    assert call("retry", video_id)[0] == 200
    # When a stale worker or sweep refunds attempt 0 again
    assert videos.refund_video("user-1", video_id, "stale", retries=0) is False
    # Then attempt 1 is untouched and no second credit came back
    assert stored_video(video_id)["status"] == "queued" and ledger.get_user_credits("user-1") == 2


# --- delete --------------------------------------------------------------------------------------


def test_given_a_completed_video_when_deleted_then_its_rows_and_note_are_gone_and_the_credit_stays_spent(
    message, call, finish, stored_video
):
    # Given a completed video with its note
    video_id = message["video_id"]
    finish(video_id, "success")
    note_id = stored_video(video_id)["note_id"]
    assert s3_keys() == [f"user-1/{video_id}/note.md"]
    # When the owner deletes it
    assert call("delete", video_id) == (200, {"video_id": video_id, "deleted": True})
    # Then the video, its note row and its note file are gone; the ledger keeps its spend
    assert stored_video(video_id) is None
    assert dynamo.get_item(get_settings().notes_table, {"note_id": note_id}) is None
    assert s3_keys() == []
    assert entries(video_id) == [(f"spend_{video_id}", -1)] and ledger.get_user_credits("user-1") == 2
    assert call("get", video_id)[0] == 404 and call("delete", video_id)[0] == 404
    assert videos.list_for_user("user-1", 10, None, None)["videos"] == []


def test_given_a_failed_video_with_an_uploaded_transcript_when_deleted_then_the_transcript_is_gone(
    invoke, api_event, call, finish, stored_video
):
    video_id = submitted(invoke, api_event, {"format": "vtt", "content": VTT})
    finish(video_id, "permanent")
    assert s3_keys() == [f"user-1/{video_id}/transcript.vtt"]
    assert call("delete", video_id)[0] == 200
    assert s3_keys() == [] and stored_video(video_id) is None
    assert entries(video_id) == [(f"refund_{video_id}", 1), (f"spend_{video_id}", -1)]


@pytest.mark.parametrize("claimed", [False, True], ids=["queued", "processing"])
def test_given_a_video_still_running_when_deleted_then_409_and_nothing_is_touched(
    message, call, stored_video, claimed
):
    if claimed:
        processing.claim(message["video_id"])
    before = stored_video(message["video_id"])
    status, body = call("delete", message["video_id"])
    assert status == 409 and body["details"] == {"status": before["status"]}
    assert stored_video(message["video_id"]) == before


def test_given_another_users_or_an_unknown_video_when_deleted_then_the_same_404_and_nothing_is_touched(
    message, call, finish, stored_video
):
    finish(message["video_id"], "success")
    before = stored_video(message["video_id"])
    foreign = call("delete", message["video_id"], user="user-2")
    unknown = call("delete", "video_1700000000_000000000000")
    assert foreign == unknown == (404, {"error": "Video not found", "details": {}})
    assert stored_video(message["video_id"]) == before and len(s3_keys()) == 1


DELETE_STEPS = {
    "flag": ("dynamodb", "UpdateItem", update_with("SET deleting")),
    "note file": ("s3", "DeleteObject", lambda params: params.get("Key", "").endswith("/note.md")),
    "transcript file": ("s3", "DeleteObject", lambda params: "/transcript." in params.get("Key", "")),
    "rows": ("dynamodb", "TransactWriteItems", anything),
}


@pytest.mark.parametrize("after", [False, True], ids=["before-applied", "applied-answer-lost"])
@pytest.mark.parametrize("step", list(DELETE_STEPS))
@pytest.mark.parametrize("scenario", ["success", "permanent"], ids=["completed", "failed"])
def test_given_a_failure_at_any_step_of_a_delete_when_it_is_repeated_then_nothing_is_left(
    invoke, api_event, call, finish, stored_video, faults, step, after, scenario
):
    # Given a finished video with an uploaded transcript (and its note, when completed)
    video_id = submitted(
        invoke, api_event, {"format": "srt", "content": "1\n00:00:00,000 --> 00:00:02,000\nHi\n"}
    )
    finish(video_id, scenario)
    note_id = note_id_for(video_id)
    # When one step of the delete fails (before it applied, or after with the answer lost)
    injected: Fault = faults.add(fault(DELETE_STEPS[step], after=after))
    first = call("delete", video_id)
    assert injected.fired == 1 and first[0] == 503, first
    # Then whatever is left, the video cannot be retried into a half-deleted state, and a repeated
    # DELETE finishes the job (or finds it already done, when only the last answer was lost)
    left = stored_video(video_id)
    if left is not None:
        if left.get("deleting"):  # half deleted: no retry may queue it again
            refused = {"error": "This video is being deleted", "details": {"status": left["status"]}}
            assert call("retry", video_id) == (409, refused)
        else:
            assert (step, after) == ("flag", False)  # nothing happened yet
        assert call("delete", video_id) == (200, {"video_id": video_id, "deleted": True})
    else:
        assert (step, after) == ("rows", True) and call("delete", video_id)[0] == 404
    assert stored_video(video_id) is None and s3_keys() == []
    assert dynamo.get_item(get_settings().notes_table, {"note_id": note_id}) is None


@pytest.mark.parametrize("in_step", [False, True], ids=["free-race", "both-read-failed-first"])
def test_given_a_delete_and_a_retry_racing_on_a_failed_video_then_never_both_and_nothing_half_deleted(
    invoke, api_event, call, finish, stored_video, monkeypatch, in_step
):
    ledger.ensure_user("user-1", "user-1@example.com")
    ledger.add_credits("user-1", 10, "pi_topup")
    seen = set()
    for _ in range(4):
        # Given a failed video with an uploaded transcript
        video_id = submitted(invoke, api_event, {"format": "txt", "content": "Gradients point uphill."})
        finish(video_id, "permanent")
        start = threading.Barrier(2)
        if in_step:  # both decide on "failed": only the conditional writes can stop one of them
            read_together(monkeypatch, 2)

        def act(action: str, vid: str = video_id, barrier: threading.Barrier = start) -> int:
            barrier.wait()
            return call(action, vid)[0]

        # When its owner deletes it and retries it at the same moment
        with ThreadPoolExecutor(max_workers=2) as pool:
            deleted, retried = pool.map(act, ["delete", "retry"])
        # Then exactly one wins: a deleted video was not retried; a retried one was not deleted
        row = stored_video(video_id)
        if deleted == 200:
            assert retried in (404, 409) and row is None
            assert f"user-1/{video_id}/transcript.txt" not in s3_keys()
            assert f"spend_{video_id}_r1" not in dict(entries(video_id))
        else:
            assert (deleted, retried) == (409, 200) and row["status"] == "queued"
            assert f"user-1/{video_id}/transcript.txt" in s3_keys()
        seen.add((deleted, retried))
    print("delete/retry race outcomes:", sorted(seen))


def test_given_known_keys_then_retry_and_delete_make_few_aws_calls(
    invoke, api_event, call, finish, aws_calls
):
    # Given a failed video with an uploaded transcript
    video_id = submitted(invoke, api_event, {"format": "vtt", "content": VTT})
    finish(video_id, "permanent")
    # When it is retried: one read, one transaction, one send
    aws_calls.clear()
    assert call("retry", video_id)[0] == 200
    assert dict(aws_calls) == {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1, "sqs.SendMessage": 1}
    # When it is deleted (failed again first): one read, the flag, the two known keys, one transaction
    finish(video_id, "permanent")
    aws_calls.clear()
    assert call("delete", video_id)[0] == 200
    assert dict(aws_calls) == {
        "dynamodb.GetItem": 1,
        "dynamodb.UpdateItem": 1,
        "s3.DeleteObject": 2,
        "dynamodb.TransactWriteItems": 1,
    }


def test_given_a_failed_video_stored_before_retries_existed_when_retried_then_its_first_retry_key(
    message, call, finish, stored_video
):
    # Mutants: `video.get("retries", 0)` defaulting to 1 or -1: a video stored before retries were
    # counted could not be retried (its condition expects a count it does not have), or paid twice.
    video_id = message["video_id"]
    finish(video_id, "permanent")
    dynamo.update_item(
        get_settings().videos_table, {"video_id": video_id}, "REMOVE retries", return_values="NONE"
    )
    assert call("retry", video_id)[0] == 200
    assert (f"spend_{video_id}_r1", -1) in entries(video_id) and stored_video(video_id)["retries"] == 1
    assert ledger.get_user_credits("user-1") == 2


def test_given_a_video_deleted_by_a_concurrent_request_when_deleted_again_then_404(
    message, call, finish, monkeypatch
):
    # Mutant: `current is None or ...` made `and`: the flag's condition fails on a row that is gone,
    # and `None.get` turns the 404 into a 500.
    video_id = message["video_id"]
    finish(video_id, "success")
    read = video_actions.get_owned

    def read_then_lose_the_race(user_id: str, video_id: str) -> dict[str, Any]:
        video = read(user_id, video_id)
        boto3.resource("dynamodb").Table(get_settings().videos_table).delete_item(Key={"video_id": video_id})
        return video

    monkeypatch.setattr(video_actions, "get_owned", read_then_lose_the_race)
    assert call("delete", video_id) == (404, {"error": "Video not found", "details": {}})
