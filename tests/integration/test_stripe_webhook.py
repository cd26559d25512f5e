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
    intent["metadata"] = {key: value for key, value in intent["metadata"].items() if value is not None}
    if received is not None:
        intent["amount_received"] = received
    return json.dumps({"id": "evt_1", "object": "event", "type": kind, "data": {"object": intent}})


def deliver(api_event, invoke, payload: str, signature: str | None):
    headers = {"Stripe-Signature": signature} if signature else {}
    return invoke(webhook, api_event("POST", "/webhooks/stripe", user=None, body=payload, headers=headers))


def test_given_signed_success_when_delivered_then_package_credits_added(api_event, invoke, sign, aws_calls):
    ledger.ensure_user("user-1", "user-1@example.com")
    aws_calls.clear()
    payload = intent_event()
    status, body = deliver(api_event, invoke, payload, sign(payload))
    assert (status, body) == (200, {"received": True, "credited": True})
    assert dict(aws_calls) == {"dynamodb.TransactWriteItems": 1}
    assert ledger.get_user_credits("user-1") == 3 + 25


def test_given_localstripe_shape_without_amount_received_then_amount_is_used(api_event, invoke, sign):
    payload = intent_event(received=None, package="basic", amount=999)
    assert deliver(api_event, invoke, payload, sign(payload))[1]["credited"] is True
    # the webhook saw the user first: no verified e-mail, so no free tier (ledger.ensure_user)
    assert ledger.get_user_credits("user-1") == 10


@pytest.mark.parametrize(
    "fields",
    [{"received": 100}, {"currency": "eur"}, {"package": "unknown"}, {"user_id": ""}],
    ids=["underpaid", "wrong-currency", "unknown-package", "no-user"],
)
def test_given_mismatched_payment_when_delivered_then_200_and_nothing_added(api_event, invoke, sign, fields):
    ledger.ensure_user("user-1", "user-1@example.com")
    payload = intent_event(**fields)
    assert deliver(api_event, invoke, payload, sign(payload)) == (200, {"received": True, "credited": False})
    assert ledger.get_user_credits("user-1") == 3


def test_given_inflated_metadata_credits_when_delivered_then_package_table_wins(api_event, invoke, sign):
    ledger.ensure_user("user-1", "user-1@example.com")
    payload = intent_event(package="basic", amount=999, received=999, credits="5000")
    deliver(api_event, invoke, payload, sign(payload))
    assert ledger.get_user_credits("user-1") == 3 + 10


@pytest.mark.parametrize("signature", ["bad", None, "t=1,v1=deadbeef"])
def test_given_bad_signature_when_delivered_then_400_and_nothing_added(api_event, invoke, signature):
    status, body = deliver(api_event, invoke, intent_event(), signature)
    assert (status, body) == (400, {"error": "Invalid signature", "details": {}})
    assert credits_entries() == []  # no purchase, not even a user


def test_given_old_signature_when_delivered_then_400(api_event, invoke, sign):
    payload = intent_event()
    status, body = deliver(api_event, invoke, payload, sign(payload, timestamp=int(time.time()) - 3600))
    assert (status, body) == (400, {"error": "Invalid signature", "details": {}})
    assert credits_entries() == []


def test_given_other_secret_when_delivered_then_400(api_event, invoke, sign):
    payload = intent_event()
    status, body = deliver(api_event, invoke, payload, sign(payload, secret="whsec_other"))
    assert (status, body) == (400, {"error": "Invalid signature", "details": {}})
    assert credits_entries() == []


def test_given_the_user_row_cannot_be_created_when_a_payment_arrives_then_500_so_stripe_retries(
    api_event, invoke, sign, monkeypatch
):
    # Mutant: ledger.add_credits without its final `raise`: 200 {"credited": false}, Stripe stops
    # retrying and the customer never gets the credits.
    # Given user-1 has no row, and creating it fails (e.g. a write lost in a race)
    real_ensure_user = ledger.ensure_user
    monkeypatch.setattr(ledger, "ensure_user", lambda *args: False)
    payload = intent_event()
    # When Stripe delivers the payment, then it gets an error (so it retries) and nothing is written
    status, body = deliver(api_event, invoke, payload, sign(payload))
    assert (status, body) == (500, {"error": "Internal server error", "details": {}})
    assert credits_entries() == []
    # And once the user can be created, Stripe's retry credits the purchase
    monkeypatch.setattr(ledger, "ensure_user", real_ensure_user)
    assert deliver(api_event, invoke, payload, sign(payload)) == (200, {"received": True, "credited": True})
    # first seen by the webhook: no verified e-mail, so no free tier
    assert ledger.get_user_credits("user-1") == 25


def test_given_failed_or_unknown_event_when_delivered_then_200_ignored(api_event, invoke, sign):
    ledger.ensure_user("user-1", "user-1@example.com")
    for kind in ("payment_intent.payment_failed", "customer.created"):
        payload = intent_event(kind=kind)
        assert deliver(api_event, invoke, payload, sign(payload)) == (200, {"received": True})
    assert ledger.get_user_credits("user-1") == 3


def test_given_5_identical_parallel_deliveries_then_credits_added_once(api_event, invoke, sign):
    ledger.ensure_user("user-1", "user-1@example.com")
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


def test_given_purchase_for_unseen_user_then_user_created_with_the_purchase_only(api_event, invoke, sign):
    payload = intent_event(user_id="brand-new")
    deliver(api_event, invoke, payload, sign(payload))
    # the free tier needs a verified e-mail, which a webhook does not carry (ledger.ensure_user)
    assert ledger.get_user_credits("brand-new") == 25


# --- nothing is credited unless it is owed, whatever a signed event says ------------------------


def credits_entries() -> list[dict]:
    import boto3

    return boto3.resource("dynamodb").Table("ytsb-credits").scan(ConsistentRead=True)["Items"]


def signed_event(kind: str, intent: dict) -> str:
    return json.dumps({"id": "evt_x", "object": "event", "type": kind, "data": {"object": intent}})


BASIC = {"id": "pi_x", "object": "payment_intent", "amount": 999, "amount_received": 999, "currency": "usd"}
NOT_OWED = {
    "overpaid": intent_event(package="basic", amount=1999, received=1999, intent_id="pi_a"),
    "amount-right-but-received-short": intent_event(
        package="basic", amount=999, received=998, intent_id="pi_b"
    ),
    "premium-metadata-basic-price": intent_event(
        package="premium", amount=999, received=999, intent_id="pi_c"
    ),
    "currency-missing": signed_event(
        "payment_intent.succeeded",
        {**BASIC, "id": "pi_d", "currency": None, "metadata": {"user_id": "user-1", "package": "basic"}},
    ),
    "metadata-without-user-id": intent_event(user_id=None, intent_id="pi_e"),
    "user-id-not-a-string": signed_event(
        "payment_intent.succeeded", {**BASIC, "id": "pi_f", "metadata": {"user_id": 1, "package": "basic"}}
    ),
    "metadata-without-package": intent_event(package=None, intent_id="pi_g"),
    "package-is-a-list": signed_event(
        "payment_intent.succeeded",
        {**BASIC, "id": "pi_h", "metadata": {"user_id": "user-1", "package": ["basic"]}},
    ),
    "metadata-is-a-list": signed_event(
        "payment_intent.succeeded", {**BASIC, "id": "pi_i", "metadata": ["user-1"]}
    ),
    "no-metadata": signed_event("payment_intent.succeeded", {**BASIC, "id": "pi_j"}),
    "no-intent-id": signed_event(
        "payment_intent.succeeded",
        {**BASIC, "id": None, "metadata": {"user_id": "user-1", "package": "basic"}},
    ),
    "intent-not-an-object": json.dumps(
        {"id": "evt_x", "object": "event", "type": "payment_intent.succeeded", "data": {"object": "pi_k"}}
    ),
    "data-not-an-object": json.dumps(
        {"id": "evt_x", "object": "event", "type": "payment_intent.succeeded", "data": "pi_l"}
    ),
}
IGNORED = ("charge.succeeded", "payment_intent.created", "checkout.session.completed", "invoice.paid")


def test_given_signed_events_that_owe_nothing_when_delivered_then_200_and_no_credits(
    api_event, invoke, sign, subtests
):
    # Given a user with the free tier
    ledger.ensure_user("user-1", "user-1@example.com")
    cases = {**NOT_OWED, **{f"ignored:{kind}": intent_event(kind=kind, intent_id="pi_z") for kind in IGNORED}}
    for name, payload in cases.items():
        with subtests.test(case=name):
            # When a correctly signed event arrives, then it is acknowledged, never a 500, and owes nothing
            status, body = deliver(api_event, invoke, payload, sign(payload))
            assert status == 200 and body.get("credited") in (False, None)
            assert ledger.get_user_credits("user-1") == 3
    assert [entry["type"] for entry in credits_entries()] == ["grant"]


def test_given_signature_problems_when_delivered_then_400_and_no_credits(api_event, invoke, sign, subtests):
    import hashlib
    import hmac

    payload = intent_event()
    now = int(time.time())
    timestamp, digest = now, sign(payload, timestamp=now).split(",v1=")[1]
    v0_only = f"t={timestamp},v0={digest}"
    cases = {
        "missing": None,
        "empty": "",
        "secret-of-another-endpoint": sign(payload, secret="whsec_other_endpoint"),
        "older-than-tolerance": sign(payload, timestamp=now - 301),
        "a-day-old": sign(payload, timestamp=now - 86_400),
        "tampered-body": sign(intent_event(package="basic", amount=999, received=999)),
        "v0-scheme-only": v0_only,
        "no-timestamp": f"v1={digest}",
        "signature-of-the-body-without-timestamp": "t={},v1={}".format(
            now, hmac.new(b"whsec_test_secret", payload.encode(), hashlib.sha256).hexdigest()
        ),
    }
    for name, signature in cases.items():
        with subtests.test(case=name):
            status, body = deliver(api_event, invoke, payload, signature)
            assert (status, body) == (400, {"error": "Invalid signature", "details": {}})
    for name, raw in {"json-array": "[1, 2]", "json-string": '"evt"', "not-json": "evt"}.items():
        with subtests.test(case=name):
            status, body = deliver(api_event, invoke, raw, sign(raw))
            assert status == 400 and set(body) == {"error", "details"}
    assert credits_entries() == []


def test_given_signature_inside_tolerance_when_delivered_then_credited(api_event, invoke, sign):
    ledger.ensure_user("user-1", "user-1@example.com")
    payload = intent_event()
    assert deliver(api_event, invoke, payload, sign(payload, timestamp=int(time.time()) - 290))[0] == 200
    assert ledger.get_user_credits("user-1") == 3 + 25


def test_given_valid_event_replayed_later_when_delivered_then_credited_once(api_event, invoke, sign):
    # Given a purchase that was credited
    ledger.ensure_user("user-1", "user-1@example.com")
    payload = intent_event(package="basic", amount=999, received=999, credits="1000")
    signature = sign(payload)
    assert deliver(api_event, invoke, payload, signature)[1] == {"received": True, "credited": True}
    # When the same delivery is replayed, and Stripe retries it later with a fresh signature
    assert deliver(api_event, invoke, payload, signature)[1] == {"received": True, "credited": False}
    later = sign(payload, timestamp=int(time.time()) - 30)  # a distinct, still valid signature
    assert later != signature
    assert deliver(api_event, invoke, payload, later)[1] == {"received": True, "credited": False}
    # Then the package's 10 credits (not the metadata's 1000) were added once
    assert ledger.get_user_credits("user-1") == 3 + 10
    assert sorted(entry["type"] for entry in credits_entries()) == ["grant", "purchase"]
