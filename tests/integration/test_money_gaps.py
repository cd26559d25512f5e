"""Money paths a bug could ship through (issue 12): each test here fails with the mutant its comment names.

Expected prices and credits are the specification's (/work/shared/spec/lambda-functions.md, "Available
Packages"), never the code's own constants or the API's own answer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import stripe
from purchase_credits.handler import lambda_handler as credits_api
from shared import ledger, videos
from shared.config import get_settings
from shared.dal import dynamo
from stripe_webhook.handler import lambda_handler as webhook
from submit_video.handler import lambda_handler as submit

from tests.integration.conftest import SPEC_PACKAGES

FREE_TIER = 3  # FREE_TIER_CREDITS of the integration tests' settings


@pytest.mark.parametrize(("package", "credits", "cents"), [(name, *v) for name, v in SPEC_PACKAGES.items()])
def test_given_a_package_of_the_specification_when_bought_and_paid_then_its_price_and_credits_apply(
    api_event: Callable[..., dict[str, Any]],
    invoke: Callable[..., tuple[int, Any]],
    sign: Callable[..., str],
    stripe_local: str,
    ticking_ledger_clock: None,
    package: str,
    credits: int,
    cents: int,
) -> None:
    # Mutant: payments.PACKAGES["premium"] = Package(49 | 51 | 60, ...) or Package(50, 2998 | 3000).
    # Given a user with the free tier
    ledger.ensure_user("user-1", "user-1@example.com")
    # When the user buys the package
    status, bought = invoke(credits_api, api_event("POST", "/credits/purchase", body={"package": package}))
    assert (status, bought["package"], bought["credits"], bought["amount"]) == (200, package, credits, cents)
    # Then Stripe was asked for the specification's price, in dollars
    client = stripe.StripeClient("sk_test_12345", base_addresses={"api": stripe_local})
    intent = client.v1.payment_intents.retrieve(bought["payment_intent_id"]).to_dict()
    assert (intent["amount"], intent["currency"]) == (cents, "usd")
    # And when Stripe reports that intent paid, the specification's credits are added, once
    event = {"id": f"evt_{uuid.uuid4().hex}", "type": "payment_intent.succeeded", "data": {"object": intent}}
    payload = json.dumps(event)
    headers = {"Stripe-Signature": sign(payload)}
    status, body = invoke(
        webhook, api_event("POST", "/webhooks/stripe", user=None, body=payload, headers=headers)
    )
    assert (status, body) == (200, {"received": True, "credited": True})
    status, account = invoke(credits_api, api_event("GET", "/credits"))
    assert account["credits"] == FREE_TIER + credits
    assert [(t["type"], t["amount"]) for t in account["transactions"]] == [
        ("purchase", credits),
        ("grant", 3),
    ]


def test_given_25_ledger_entries_when_reading_credits_then_the_20_newest_newest_first(
    api_event: Callable[..., dict[str, Any]],
    invoke: Callable[..., tuple[int, Any]],
    ticking_ledger_clock: None,
) -> None:
    # Mutant: ledger.recent_transactions queries with forward=True (the 20 oldest, oldest first).
    # Given the grant and 24 purchases, one second apart
    ledger.ensure_user("user-1", "user-1@example.com")
    purchases = [f"pi_{n:02d}" for n in range(24)]
    for intent_id in purchases:
        assert ledger.add_credits("user-1", 1, intent_id, "purchase", "Purchased")
    # When reading the account
    status, body = invoke(credits_api, api_event("GET", "/credits"))
    # Then the balance counts all 25 entries, and the list is the 20 newest, newest first
    assert (status, body["credits"]) == (200, FREE_TIER + 24)
    assert [t["transaction_id"] for t in body["transactions"]] == purchases[::-1][:20]
    created = [t["created_at"] for t in body["transactions"]]
    assert created == sorted(created, reverse=True) and len(set(created)) == 20


def test_given_a_video_id_that_already_exists_when_submitting_then_refused_and_nothing_spent_or_queued(
    api_event: Callable[..., dict[str, Any]],
    invoke: Callable[..., tuple[int, Any]],
    monkeypatch: pytest.MonkeyPatch,
    aws: dict[str, str],
) -> None:
    # Mutant: ledger.spend without its final `raise` (a transaction cancelled by another of its writes
    # ends the loop as if it had succeeded): 201 and a message for a video that was never written.
    # Given user-1's first video, and a second submit that draws the same video id
    status, first = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}))
    assert status == 201
    monkeypatch.setattr(videos, "new_video_id", lambda: first["video_id"])
    # When submitting another video
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/9bZkp7q19f0"}))
    # Then it is refused without internal detail, and neither a credit, a video nor a message came of it
    assert (status, body) == (500, {"error": "Internal server error", "details": {}})
    assert ledger.get_user_credits("user-1") == FREE_TIER - 1
    stored = dynamo.get_item(get_settings().videos_table, {"video_id": first["video_id"]}, consistent=True)
    assert stored is not None and stored["youtube_video_id"] == "dQw4w9WgXcQ"
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws["queue_url"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"
