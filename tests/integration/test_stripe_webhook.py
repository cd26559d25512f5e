"""POST /webhooks/stripe: signed events only; credits from our package table, once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from shared import ledger
from stripe_webhook.handler import lambda_handler as webhook


def intent_event(
    kind="payment_intent.succeeded",
    package="standard",
    amount=1999,
    received=1999,
    currency="usd",
    intent_id="pi_test_1",
    user_id="user-1",
    credits="25",
) -> str:
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "currency": currency,
        "metadata": {"user_id": user_id, "package": package, "credits": credits},
    }
    if received is not None:
        intent["amount_received"] = received
    return json.dumps({"id": "evt_1", "object": "event", "type": kind, "data": {"object": intent}})


def deliver(api_event, invoke, payload: str, signature: str | None):
    headers = {"Stripe-Signature": signature} if signature else {}
    return invoke(webhook, api_event("POST", "/webhooks/stripe", user=None, body=payload, headers=headers))


def test_given_signed_success_when_delivered_then_package_credits_added(api_event, invoke, sign, aws_calls):
    ledger.ensure_user("user-1")
    aws_calls.clear()
    payload = intent_event()
    status, body = deliver(api_event, invoke, payload, sign(payload))
    assert (status, body) == (200, {"received": True, "credited": True})
    assert dict(aws_calls) == {"dynamodb.TransactWriteItems": 1}
    assert ledger.get_user_credits("user-1") == 3 + 25


def test_given_localstripe_shape_without_amount_received_then_amount_is_used(api_event, invoke, sign):
    payload = intent_event(received=None, package="basic", amount=999)
    assert deliver(api_event, invoke, payload, sign(payload))[1]["credited"] is True
    assert ledger.get_user_credits("user-1") == 3 + 10


@pytest.mark.parametrize(
    "fields",
    [{"received": 100}, {"currency": "eur"}, {"package": "unknown"}, {"user_id": ""}],
    ids=["underpaid", "wrong-currency", "unknown-package", "no-user"],
)
def test_given_mismatched_payment_when_delivered_then_200_and_nothing_added(api_event, invoke, sign, fields):
    payload = intent_event(**fields)
    assert deliver(api_event, invoke, payload, sign(payload)) == (200, {"received": True, "credited": False})
    assert ledger.get_user_credits("user-1") == 3


def test_given_inflated_metadata_credits_when_delivered_then_package_table_wins(api_event, invoke, sign):
    payload = intent_event(package="basic", amount=999, received=999, credits="5000")
    deliver(api_event, invoke, payload, sign(payload))
    assert ledger.get_user_credits("user-1") == 3 + 10


@pytest.mark.parametrize("signature", ["bad", None, "t=1,v1=deadbeef"])
def test_given_bad_signature_when_delivered_then_400_and_nothing_added(api_event, invoke, signature):
    status, body = deliver(api_event, invoke, intent_event(), signature)
    assert (status, body["error"]) == (400, "Invalid signature")


def test_given_old_signature_when_delivered_then_400(api_event, invoke, sign):
    payload = intent_event()
    assert deliver(api_event, invoke, payload, sign(payload, timestamp=int(time.time()) - 3600))[0] == 400


def test_given_other_secret_when_delivered_then_400(api_event, invoke, sign):
    payload = intent_event()
    assert deliver(api_event, invoke, payload, sign(payload, secret="whsec_other"))[0] == 400


def test_given_failed_or_unknown_event_when_delivered_then_200_ignored(api_event, invoke, sign):
    for kind in ("payment_intent.payment_failed", "customer.created"):
        payload = intent_event(kind=kind)
        assert deliver(api_event, invoke, payload, sign(payload)) == (200, {"received": True})
    assert ledger.get_user_credits("user-1") == 3


def test_given_5_identical_parallel_deliveries_then_credits_added_once(api_event, invoke, sign):
    ledger.ensure_user("user-1")
    payload = intent_event()
    events = [
        api_event(
            "POST", "/webhooks/stripe", user=None, body=payload, headers={"Stripe-Signature": sign(payload)}
        )
        for _ in range(5)
    ]
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda event: invoke(webhook, event), events))
    assert [status for status, _ in results] == [200] * 5
    assert sorted(body["credited"] for _, body in results) == [False] * 4 + [True]
    assert ledger.get_user_credits("user-1") == 3 + 25


def test_given_purchase_for_unseen_user_then_user_created_with_grant_and_purchase(api_event, invoke, sign):
    payload = intent_event(user_id="brand-new")
    deliver(api_event, invoke, payload, sign(payload))
    assert ledger.get_user_credits("brand-new") == 3 + 25
