"""End to end over HTTP: sign up, credits, paying with a test card, a video to a note, paging, isolation."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import Client
from yt_study_buddy.samples import samples_dir
from ytsb_local.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SAMPLE_VIDEOS = sorted(p.name.split(".")[0] for p in samples_dir().glob("*.info.json"))
VIDEO_TIMEOUT = 120


def _credits(user: Client) -> int:
    response = user.call("GET", "/credits")
    assert response.status == 200, response.body
    return int(response.body["credits"])


def _wait_until_done(user: Client, video_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        response = user.call("GET", f"/videos/{video_id}")
        assert response.status == 200, response.body
        return response.body if response.body["status"] in ("completed", "failed") else None

    return wait_for(done, VIDEO_TIMEOUT)


def _local_command(env: dict[str, str], *args: str) -> str:
    """``python -m ytsb_local ARGS`` against the running stack, as the README shows."""
    done = subprocess.run(
        [sys.executable, "-m", "ytsb_local", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_given_a_new_user_when_they_buy_a_package_then_the_webhook_adds_its_credits_once(
    new_user: Callable[[], Client], stack_env: dict[str, str]
) -> None:
    # Given a user just signed up: the free tier
    user = new_user()
    assert _credits(user) == 3
    # When they start a purchase and pay with a test card at Stripe
    purchase = user.call("POST", "/credits/purchase", {"package": "basic"})
    assert purchase.status == 200, purchase.body
    assert purchase.body["client_secret"] and purchase.body["payment_intent_id"].startswith("pi_")
    paid = _local_command(stack_env, "pay", purchase.body["payment_intent_id"])  # the README's way
    assert paid.strip().endswith(": succeeded"), paid
    # Then Stripe's webhook arrives and the balance rises by the package's credits (the specification's
    # table: basic is 10 credits for $9.99)
    assert (purchase.body["credits"], purchase.body["amount"]) == (10, 999)
    expected = 3 + 10
    wait_for(lambda: _credits(user) == expected, 30)
    ledger = user.call("GET", "/credits").body["transactions"]
    purchases = [t for t in ledger if t["type"] == "purchase"]
    assert [(t["transaction_id"], t["amount"]) for t in purchases] == [
        (purchase.body["payment_intent_id"], 10)
    ]


def test_given_credits_when_videos_are_submitted_then_notes_are_readable_paged_and_private(
    new_user: Callable[[], Client],
) -> None:
    # Given a user with the free credits, and two sample videos
    user, other = new_user(), new_user()
    first, second = SAMPLE_VIDEOS[:2]
    # When they submit both and wait for processing
    submitted = []
    for youtube_id in (first, second):
        response = user.call(
            "POST", "/videos", {"url": f"https://www.youtube.com/watch?v={youtube_id}&t=42s"}
        )
        assert response.status == 201, response.body
        assert response.body["status"] == "queued" and response.body["youtube_video_id"] == youtube_id
        submitted.append(response.body["video_id"])
        time.sleep(1.1)  # distinct created_at seconds make "newest first" observable
    done = [_wait_until_done(user, video_id) for video_id in submitted]
    # Then each is completed with a note whose markdown has the video's title
    assert [v["status"] for v in done] == ["completed", "completed"], done
    assert _credits(user) == 1
    expected_title = json.loads((samples_dir() / f"{first}.info.json").read_text())["title"]
    assert done[0]["title"] == expected_title
    note = user.call("GET", f"/notes/{done[0]['note_id']}?include_content=true")
    assert note.status == 200, note.body
    assert f"# {expected_title}" in note.body["content"]
    assert note.body["video_id"] == submitted[0] and note.body["content_length"] > 0
    without = user.call("GET", f"/notes/{done[0]['note_id']}")
    assert without.status == 200 and "content" not in without.body
    # And the list pages newest first, one at a time
    page1 = user.call("GET", "/videos?limit=1")
    assert page1.status == 200 and page1.body["count"] == 1, page1.body
    page2 = user.call(
        "GET", "/videos?" + urllib.parse.urlencode({"limit": 1, "last_key": page1.body["last_key"]})
    )
    assert page2.status == 200, page2.body
    listed = [page1.body["videos"][0]["video_id"], page2.body["videos"][0]["video_id"]]
    assert listed == list(reversed(submitted))
    assert (
        "last_key" not in page2.body
        or user.call(
            "GET", "/videos?" + urllib.parse.urlencode({"limit": 1, "last_key": page2.body["last_key"]})
        ).body["videos"]
        == []
    )
    # And another user sees none of it
    assert other.call("GET", f"/videos/{submitted[0]}").status == 404
    assert other.call("GET", f"/notes/{done[0]['note_id']}").status == 404
    assert other.call("GET", "/videos").body["videos"] == []
    assert (
        other.call("GET", "/videos?" + urllib.parse.urlencode({"last_key": page1.body["last_key"]})).status
        == 400
    )


def _signed(payload: str, secret: str) -> str:
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def test_given_one_payment_when_its_webhook_arrives_five_times_at_once_then_credits_are_added_once(
    stack: dict[str, Any], new_user: Callable[[], Client], stripe_client: Any
) -> None:
    # Given a purchase whose PaymentIntent exists at Stripe (not yet delivered to us)
    user = new_user()
    before = _credits(user)
    purchase = user.call("POST", "/credits/purchase", {"package": "standard"}).body
    intent = stripe_client.v1.payment_intents.retrieve(purchase["payment_intent_id"]).to_dict()
    event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": "payment_intent.succeeded",
             "created": int(time.time()), "livemode": False, "data": {"object": intent}}  # fmt: skip
    payload = json.dumps(event)
    headers = {"Stripe-Signature": _signed(payload, stack["stripe_webhook_secret"])}
    webhook = Client(stack["api_url"], None)
    # When Stripe delivers the same signed event five times concurrently
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(
            pool.map(lambda _: webhook.call("POST", "/webhooks/stripe", payload.encode(), headers), range(5))
        )
    # Then every delivery is acknowledged and the credits were added exactly once
    assert [r.status for r in results] == [200] * 5, [r.body for r in results]
    assert _credits(user) == before + 25  # standard: 25 credits (the specification's table)
    purchases = [t for t in user.call("GET", "/credits").body["transactions"] if t["type"] == "purchase"]
    assert len(purchases) == 1


def test_given_no_or_a_bad_token_then_401_and_unknown_routes_get_json_404(
    stack: dict[str, Any], new_user: Callable[[], Client]
) -> None:
    anonymous = Client(stack["api_url"], None)
    forged = Client(stack["api_url"], new_user().token[:-4] + "AAAA")
    for client in (anonymous, forged):
        response = client.call("GET", "/credits")
        assert (response.status, response.body) == (401, {"error": "Unauthorized", "details": {}})
    unknown = anonymous.call("GET", "/no-such-route")
    not_found = {"error": "Not found", "details": {"path": "/no-such-route"}}
    assert (unknown.status, unknown.body) == (404, not_found)
    bad_signature = anonymous.call("POST", "/webhooks/stripe", b"{}", {"Stripe-Signature": "t=1,v1=00"})
    assert (bad_signature.status, bad_signature.body) == (400, {"error": "Invalid signature", "details": {}})


def test_given_three_credits_when_twenty_submits_race_then_exactly_three_videos_exist(
    new_user: Callable[[], Client],
) -> None:
    # Given a new user with the free tier
    user = new_user()
    credits = _credits(user)
    # When twenty submits arrive at once
    url = f"https://youtu.be/{SAMPLE_VIDEOS[0]}"
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: user.call("POST", "/videos", {"url": url}), range(20)))
    # Then exactly as many succeed as there were credits, the rest get 402, and nothing is lost
    statuses = sorted(r.status for r in results)
    assert statuses == [201] * credits + [402] * (20 - credits), [r.body for r in results]
    assert _credits(user) == 0
    listed = user.call("GET", "/videos?limit=100").body["videos"]
    assert sorted(v["video_id"] for v in listed) == sorted(
        r.body["video_id"] for r in results if r.status == 201
    )
