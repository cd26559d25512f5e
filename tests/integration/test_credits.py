"""POST /credits/purchase against the real localstripe on loopback, and GET /credits."""

from __future__ import annotations

import pytest
from purchase_credits.handler import lambda_handler as credits_api
from shared import config, ledger


def test_given_package_when_purchasing_then_payment_intent_with_server_metadata(
    api_event, invoke, stripe_local
):
    status, body = invoke(credits_api, api_event("POST", "/credits/purchase", body={"package": "standard"}))
    assert status == 200
    assert (body["amount"], body["credits"], body["package"]) == (1999, 25, "standard")
    assert body["payment_intent_id"].startswith("pi_") and body["client_secret"].startswith(
        body["payment_intent_id"]
    )
    import stripe

    intent = stripe.StripeClient(
        "sk_test_12345", base_addresses={"api": stripe_local}
    ).v1.payment_intents.retrieve(body["payment_intent_id"])
    assert intent.metadata.to_dict() == {"user_id": "user-1", "package": "standard", "credits": "25"}
    assert (intent.amount, intent.currency) == (1999, "usd")


@pytest.mark.parametrize("body", [{"package": "mega"}, {}, {"package": 3}])
def test_given_unknown_package_when_purchasing_then_400(api_event, invoke, body):
    assert invoke(credits_api, api_event("POST", "/credits/purchase", body=body))[0] == 400


def test_given_stripe_unreachable_when_purchasing_then_503(api_event, invoke, monkeypatch):
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    config.reset()
    from shared import payments

    payments._stripe_client.cache_clear()
    status, body = invoke(credits_api, api_event("POST", "/credits/purchase", body={"package": "basic"}))
    payments._stripe_client.cache_clear()
    assert status == 503 and body["details"] == {}


def test_given_new_user_when_reading_credits_then_free_tier_and_grant_entry(api_event, invoke, aws_calls):
    status, body = invoke(credits_api, api_event("GET", "/credits"))
    # first sight: GetItem (missing), the grant transaction, GetItem again, then the ledger query
    assert dict(aws_calls) == {"dynamodb.GetItem": 2, "dynamodb.TransactWriteItems": 1, "dynamodb.Query": 1}
    assert status == 200 and body["credits"] == 3
    assert [(entry["type"], entry["amount"]) for entry in body["transactions"]] == [("grant", 3)]
    # and a second read does not grant again, in two calls
    aws_calls.clear()
    assert invoke(credits_api, api_event("GET", "/credits"))[1]["credits"] == 3
    assert dict(aws_calls) == {"dynamodb.GetItem": 1, "dynamodb.Query": 1}


def test_given_wrong_route_when_calling_credits_function_then_405(api_event, invoke):
    status, body = invoke(credits_api, api_event("DELETE", "/credits"))
    assert status == 405 and body["details"]["allowed"]


def test_given_parallel_first_sight_when_ensuring_user_then_granted_once():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda _: ledger.ensure_user("user-9", "user-9@example.com"), range(8)))
    assert created.count(True) == 1
    assert ledger.get_user_credits("user-9") == 3


def test_given_any_user_when_reading_credits_then_the_packages_of_the_specification_cheapest_first(
    api_event, invoke
):
    # The specification's table (shared/spec/lambda-functions.md), not the code's own constants.
    status, body = invoke(credits_api, api_event("GET", "/credits"))
    assert status == 200
    assert body["packages"] == [
        {"package": "basic", "credits": 10, "amount": 999, "currency": "usd"},
        {"package": "standard", "credits": 25, "amount": 1999, "currency": "usd"},
        {"package": "premium", "credits": 50, "amount": 2999, "currency": "usd"},
    ]
