"""End to end over HTTP: a video from uploaded captions, a failed video retried, a video deleted.

The stack is offline: a video with no bundled sample and no uploaded transcript cannot be fetched
(no internet), so it fails with a transient error, is retried by the queue (``YTSB_RETRY_DELAY`` is
1 s in child stacks) and is refunded after the fifth receive: a few seconds in all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import Client
from ytsb_local.invariants import Tables, ledger_problems
from ytsb_local.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

NO_SAMPLE = "dQw4w9WgXcQ"  # not among the bundled samples: the stack would have to ask YouTube
VTT = """WEBVTT

00:00:00.000 --> 00:00:06.000
Photosynthesis is the process by which plants turn light energy into chemical energy.

00:00:06.000 --> 00:00:12.000
Chlorophyll in the chloroplasts absorbs mostly red and blue light and reflects green light.

00:00:12.000 --> 00:00:18.000
The light reactions split water and release oxygen, while the Calvin cycle fixes carbon dioxide.

00:00:18.000 --> 00:00:24.000
In short, photosynthesis stores the energy of sunlight in the bonds of glucose.
"""


def _wait_until_done(user: Client, video_id: str, timeout: float = 120) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        response = user.call("GET", f"/videos/{video_id}")
        assert response.status == 200, response.body
        return response.body if response.body["status"] in ("completed", "failed") else None

    return wait_for(done, timeout)


def _ledger(user: Client, video_id: str) -> list[tuple[str, int]]:
    entries = user.call("GET", "/credits").body["transactions"]
    return sorted((e["transaction_id"], e["amount"]) for e in entries if e["reference"] == video_id)


def _books_balance(stack: dict[str, Any]) -> list[str]:
    dynamodb = boto3.resource(
        "dynamodb", endpoint_url=stack["aws_endpoint_url"], region_name=stack["region"],
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    return ledger_problems(dynamodb, Tables())


def test_given_uploaded_captions_for_a_video_without_sample_then_the_note_is_built_from_them(
    new_user: Callable[[], Client], stack: dict[str, Any]
) -> None:
    # Given a video the offline stack cannot fetch, submitted with its captions
    user = new_user()
    submitted = user.call(
        "POST",
        "/videos",
        {"url": f"https://youtu.be/{NO_SAMPLE}", "transcript": {"format": "vtt", "content": VTT}},
    )
    assert submitted.status == 201, submitted.body
    # When it is processed
    started = time.monotonic()
    done = _wait_until_done(user, submitted.body["video_id"])
    # Then it completes, from the uploaded captions, and costs one credit
    assert done["status"] == "completed", done
    assert done["has_transcript"] is True
    print(f"submit with transcript -> completed in {time.monotonic() - started:.1f} s")
    note = user.call("GET", f"/notes/{done['note_id']}?include_content=true")
    assert note.status == 200 and "chlorophyll" in note.body["content"].lower()
    assert user.call("GET", "/credits").body["credits"] == 2
    # And when the owner deletes it, the video and its note are gone, the credit stays spent
    deleted = user.call("DELETE", f"/videos/{done['video_id']}")
    assert (deleted.status, deleted.body) == (200, {"video_id": done["video_id"], "deleted": True})
    assert user.call("GET", f"/videos/{done['video_id']}").status == 404
    assert user.call("GET", f"/notes/{done['note_id']}").status == 404
    assert user.call("GET", "/videos").body["videos"] == []
    assert user.call("GET", "/credits").body["credits"] == 2
    assert _ledger(user, done["video_id"]) == [(f"spend_{done['video_id']}", -1)]
    assert user.call("DELETE", f"/videos/{done['video_id']}").status == 404
    assert _books_balance(stack) == []


def test_given_a_video_that_cannot_be_fetched_then_it_fails_refunded_and_a_retry_spends_and_refunds_again(
    new_user: Callable[[], Client], stack: dict[str, Any]
) -> None:
    # Given a video the offline stack cannot fetch, without captions
    user = new_user()
    submitted = user.call("POST", "/videos", {"url": f"https://youtu.be/{NO_SAMPLE}"})
    assert submitted.status == 201, submitted.body
    video_id = submitted.body["video_id"]
    # When the queue has tried it three times
    started = time.monotonic()
    failed = _wait_until_done(user, video_id)
    print(f"offline fetch -> failed and refunded in {time.monotonic() - started:.1f} s")
    # Then it failed with a readable reason and the credit is back
    assert failed["status"] == "failed" and failed["error_code"] == "failed", failed
    assert "YouTube" in failed["error"]
    assert user.call("GET", "/credits").body["credits"] == 3
    # When the owner retries it (a retry of a video still running is refused)
    retried = user.call("POST", f"/videos/{video_id}/retry")
    assert retried.status == 200 and retried.body["status"] == "queued", retried.body
    again = user.call("POST", f"/videos/{video_id}/retry")
    assert again.status == 409 and again.body["details"]["status"] in ("queued", "processing")
    assert user.call("DELETE", f"/videos/{video_id}").status == 409
    # Then one more credit is spent under the retry's own key, and refunded under it when it fails again
    assert (f"spend_{video_id}_r1", -1) in _ledger(user, video_id)
    refailed = _wait_until_done(user, video_id)
    assert refailed["status"] == "failed" and refailed["error_code"] == "failed"
    assert user.call("GET", "/credits").body["credits"] == 3
    assert _ledger(user, video_id) == [
        (f"refund_{video_id}", 1), (f"refund_{video_id}_r1", 1),
        (f"spend_{video_id}", -1), (f"spend_{video_id}_r1", -1),
    ]  # fmt: skip
    # And another user can neither retry nor delete it
    other = new_user()
    assert other.call("POST", f"/videos/{video_id}/retry").status == 404
    assert other.call("DELETE", f"/videos/{video_id}").status == 404
    assert _books_balance(stack) == []
