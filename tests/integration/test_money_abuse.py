"""Issue 10, money and abuse: bad input is a 4xx, refunds take credits back, free credits once per person."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from shared import ledger
from stripe_webhook.handler import lambda_handler as webhook
from submit_video.handler import lambda_handler as submit


def deliver(api_event, invoke, payload: str, signature: str | None):
    headers = {"Stripe-Signature": signature} if signature else {}
    return invoke(webhook, api_event("POST", "/webhooks/stripe", user=None, body=payload, headers=headers))


def test_given_signed_webhook_nested_5000_deep_when_delivered_then_400(api_event, invoke, sign):
    # Given: a correctly signed body that is JSON nested 5,000 levels deep
    payload = '{"a":' * 5000 + "1" + "}" * 5000
    # When / Then: the signature is fine, the body is not an event we can read
    assert deliver(api_event, invoke, payload, sign(payload)) == (
        400,
        {"error": "Invalid event", "details": {}},
    )


@pytest.mark.parametrize("sub", ["", "x" * 3000], ids=["empty", "3000-chars"])
def test_given_token_with_unusable_sub_when_calling_then_401_and_no_user(api_event, invoke, make_token, sub):
    # Given: a correctly signed id token whose sub is empty or absurdly long
    token = make_token(sub)
    # When: it submits a video
    status, body = invoke(
        submit, api_event("POST", "/videos", token=token, body={"url": "https://youtu.be/dQw4w9WgXcQ"})
    )
    # Then: 401 in the API's shape, nothing written
    assert (status, body) == (401, {"error": "Invalid token", "details": {}})


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "user-9", "aud": "another-app-client", "token_use": "id"},
        {"sub": "user-9", "client_id": "test-app-client", "token_use": "access"},
        {"sub": "", "aud": "test-app-client", "token_use": "id"},
    ],
    ids=["other-app-client", "access-token", "empty-sub"],
)
def test_given_authorizer_claims_not_for_our_client_when_calling_then_401(api_event, invoke, claims):
    # Given: API Gateway's Cognito authorizer verified a token of the pool, but not one for our app client
    event = api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}, claims=claims)
    # When / Then: the handler checks aud itself and refuses
    assert invoke(submit, event) == (401, {"error": "Invalid token", "details": {}})


def stripe_event(kind: str, obj: dict) -> str:
    return json.dumps(
        {"id": f"evt_{obj.get('id')}", "object": "event", "type": kind, "data": {"object": obj}}
    )


def purchase(api_event, invoke, sign, intent_id: str = "pi_paid_1", package: str = "basic", price: int = 999):
    """user-1 (3 free credits) bought ``package``: the signed payment_intent.succeeded was applied."""
    ledger.ensure_user("user-1", "user-1@example.com")
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": price,
        "amount_received": price,
        "currency": "usd",
        "metadata": {"user_id": "user-1", "package": package},
    }
    payload = stripe_event("payment_intent.succeeded", intent)
    assert deliver(api_event, invoke, payload, sign(payload)) == (200, {"received": True, "credited": True})


def refund_event(intent_id: str = "pi_paid_1", charge_id: str = "ch_1", refunded: int = 999) -> str:
    charge = {
        "id": charge_id,
        "object": "charge",
        "payment_intent": intent_id,
        "amount": 999,
        "amount_refunded": refunded,
        "refunded": refunded == 999,
        "currency": "usd",
    }
    return stripe_event("charge.refunded", charge)


def dispute_event(intent_id: str = "pi_paid_1", dispute_id: str = "dp_1") -> str:
    dispute = {
        "id": dispute_id,
        "object": "dispute",
        "charge": "ch_1",
        "payment_intent": intent_id,
        "amount": 999,
    }
    return stripe_event("charge.dispute.created", dispute)


def entries_of(kind: str) -> list[tuple[str, int, str, str]]:
    import boto3

    items = boto3.resource("dynamodb").Table("ytsb-credits").scan(ConsistentRead=True)["Items"]
    return sorted(
        (i["transaction_id"], int(i["amount"]), i["reference"], i["description"])
        for i in items
        if i["type"] == kind
    )


@pytest.mark.parametrize(
    ("make_event", "source", "what"),
    [(refund_event, "ch_1", "refunded"), (dispute_event, "dp_1", "disputed")],
)
def test_given_purchase_when_refunded_or_disputed_then_its_credits_taken_back_once(
    api_event, invoke, sign, make_event, source, what
):
    # Given: user-1 bought the basic package (3 + 10 credits)
    purchase(api_event, invoke, sign)
    payload = make_event()
    # When: Stripe signs the refund (or dispute), and delivers it twice
    first = deliver(api_event, invoke, payload, sign(payload))
    again = deliver(api_event, invoke, payload, sign(payload))
    # Then: the 10 credits are taken back once, by one entry keyed by the purchase, described for the page
    assert first == (200, {"received": True, "taken_back": True})
    assert again == (200, {"received": True, "taken_back": False})
    assert ledger.get_user_credits("user-1") == 3
    assert entries_of("clawback") == [
        ("clawback_pi_paid_1", -10, source, f"Payment {what}: 10 credits taken back")
    ]


def test_given_refund_then_dispute_of_one_purchase_when_delivered_then_taken_back_once(
    api_event, invoke, sign
):
    # Given: a purchase refunded, then (the buyer's bank) disputed too
    purchase(api_event, invoke, sign)
    for payload in (refund_event(), dispute_event()):
        deliver(api_event, invoke, payload, sign(payload))
    # Then: the purchase was taken back once, not twice
    assert ledger.get_user_credits("user-1") == 3 and len(entries_of("clawback")) == 1


def test_given_purchase_spent_when_refunded_then_balance_negative_and_submit_402(api_event, invoke, sign):
    # Given: user-1 bought 10 credits and spent 12 of their 13
    purchase(api_event, invoke, sign)
    ledger.spend("user-1", 12, "spend_bulk_1", "bulk_1")
    # When: the purchase is refunded
    payload = refund_event()
    assert deliver(api_event, invoke, payload, sign(payload))[1]["taken_back"] is True
    # Then: the balance goes negative (spent credits cannot be un-spent) and new videos are refused
    assert ledger.get_user_credits("user-1") == 1 - 10
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}))
    assert (status, body) == (
        402,
        {"error": "Insufficient credits", "details": {"required": 1, "available": -9}},
    )


def test_given_parallel_refunds_and_disputes_when_delivered_then_one_clawback(api_event, invoke, sign):
    # Given: a purchase, and Stripe's retries of its refund and dispute arriving at once
    purchase(api_event, invoke, sign)
    payloads = [refund_event(), dispute_event()] * 6

    def send(payload: str) -> bool:
        status, body = deliver(api_event, invoke, payload, sign(payload))
        assert status == 200
        return body["taken_back"]

    # When: all are delivered in parallel
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(send, payloads))
    # Then: exactly one took the credits back (the ledger invariants check the rest after the test)
    assert results.count(True) == 1 and ledger.get_user_credits("user-1") == 3


@pytest.mark.parametrize(
    "payload",
    [
        refund_event(intent_id="pi_never_paid"),
        stripe_event("charge.refunded", {"id": "ch_2"}),
        stripe_event("charge.dispute.created", {"id": "dp_2", "payment_intent": "x" * 3000}),
        stripe_event("charge.refunded", {"id": ["ch"], "payment_intent": {"id": "pi_paid_1"}}),
    ],
    ids=["unknown-payment", "no-payment-intent", "huge-payment-intent", "wrong-types"],
)
def test_given_refund_not_of_our_purchase_when_delivered_then_200_and_nothing_taken(
    api_event, invoke, sign, payload
):
    purchase(api_event, invoke, sign)
    assert deliver(api_event, invoke, payload, sign(payload)) == (
        200,
        {"received": True, "taken_back": False},
    )
    assert ledger.get_user_credits("user-1") == 13


def test_given_signed_event_whose_type_is_not_a_string_when_delivered_then_200_ignored(
    api_event, invoke, sign
):
    payload = json.dumps({"id": "evt_x", "type": ["charge.refunded"], "data": {"object": {}}})
    assert deliver(api_event, invoke, payload, sign(payload)) == (200, {"received": True})


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ([("pi_1", 10, "purchase"), ("clawback_pi_1", -10, "clawback")], None),
        ([("pi_1", 10, "purchase"), ("clawback_pi_1", -9, "clawback")], "does not take back exactly"),
        ([("clawback_pi_1", -10, "clawback")], "takes back no purchase"),
        ([("pi_1", 10, "purchase"), ("spend_x", -20, "spend")], "negative balance"),
        ([("pi_1", 10, "purchase"), ("spend_x", -20, "spend"), ("clawback_pi_1", -10, "clawback")], None),
    ],
    ids=["taken-back", "wrong-amount", "no-purchase", "negative-without-clawback", "negative-after-clawback"],
)
def test_given_books_with_clawbacks_when_checked_then_invariants_catch_the_wrong_ones(entries, problem):
    # Given: one user's books written straight into a second set of tables (Prefix "inv")
    import boto3

    from ytsb_local.aws import create_tables
    from ytsb_local.invariants import Tables, ledger_problems
    from ytsb_local.template import Resolver, load_template

    create_tables(boto3.client("dynamodb"), Resolver(load_template(), "us-east-1", {"Prefix": "inv"}))
    ddb, tables = boto3.resource("dynamodb"), Tables("inv-users", "inv-videos", "inv-notes", "inv-credits")
    for key, amount, kind in [("grant_u", 3, "grant"), *entries]:
        item = {"transaction_id": key, "user_id": "u", "amount": amount, "type": kind, "reference": key}
        ddb.Table(tables.credits).put_item(Item={**item, "created_at": "2024-01-01T00:00:00.000Z"})
    ddb.Table(tables.users).put_item(Item={"user_id": "u", "credits": 3 + sum(e[1] for e in entries)})
    # When / Then
    problems = ledger_problems(ddb, tables)
    assert problems == [] if problem is None else len(problems) == 1 and problem in problems[0]


def test_given_the_template_then_the_webhook_may_read_the_purchase_it_takes_back():
    from ytsb_local.template import load_template

    statements = load_template()["Resources"]["StripeWebhookFunction"]["Properties"]["Policies"][0][
        "Statement"
    ]
    credits = [s for s in statements if s["Resource"] == {"Fn::GetAtt": ["CreditsTable", "Arn"]}]
    assert [sorted(s["Action"]) for s in credits] == [["dynamodb:GetItem", "dynamodb:PutItem"]]


# --- the free tier: once per verified e-mail, not per account -------------------------------------

URL = "https://youtu.be/dQw4w9WgXcQ"


def credits_of(api_event, invoke, token: str) -> int:
    from purchase_credits.handler import lambda_handler as credits_api

    status, body = invoke(credits_api, api_event("GET", "/credits", token=token))
    assert status == 200
    return body["credits"]


@pytest.mark.parametrize(
    "again", ["me@example.com", " Me@Example.COM ", "me+again@example.com"], ids=["same", "case", "plus-tag"]
)
def test_given_account_deleted_when_signing_up_again_with_the_same_email_then_no_second_free_tier(
    api_event, invoke, make_token, again
):
    # Given: a student used their free tier, deleted the account, and signed up again (a new sub)
    assert credits_of(api_event, invoke, make_token("first-account", email="me@example.com")) == 3
    # When: the new account asks for its balance
    second = credits_of(api_event, invoke, make_token("second-account", email=again))
    # Then: no free credits for the same person
    assert second == 0 and len(entries_of("grant")) == 1


def test_given_gmail_dots_when_signing_up_again_then_the_same_person():
    assert ledger.free_grant_id("j.doe@gmail.com") == ledger.free_grant_id("JDoe+x@googlemail.com")
    assert ledger.free_grant_id("j.doe@example.com") != ledger.free_grant_id("jdoe@example.com")


@pytest.mark.parametrize(
    "claims",
    [{"email_verified": False}, {"email_verified": None}, {"email": None}],
    ids=["unverified", "no-flag", "no-email"],
)
def test_given_email_not_verified_when_first_seen_then_no_free_tier(api_event, invoke, make_token, claims):
    # Given: a token whose e-mail Cognito has not verified (or no e-mail at all)
    token = make_token("unverified-1", **claims)
    # When: the user submits a video, then: no free credits, so 402
    status, body = invoke(submit, api_event("POST", "/videos", token=token, body={"url": URL}))
    assert (status, body["details"]) == (402, {"required": 1, "available": 0})
    assert entries_of("grant") == []


def test_given_authorizer_claims_with_verified_email_then_free_tier_once(api_event, invoke):
    # Given: API Gateway's authorizer passes the claims as strings ("true")
    claims = {"aud": "test-app-client", "token_use": "id", "email": "a@example.com", "email_verified": "true"}
    first = api_event("POST", "/videos", body={"url": URL}, claims={**claims, "sub": "acct-1"})
    again = api_event("POST", "/videos", body={"url": URL}, claims={**claims, "sub": "acct-2"})
    # Then: the first account gets the free tier, a second one with the same e-mail none
    assert invoke(submit, first)[0] == 201
    assert invoke(submit, again)[0] == 402
    assert ledger.get_user_credits("acct-1") == 2 and ledger.get_user_credits("acct-2") == 0


def test_given_parallel_sign_ups_with_one_email_when_first_seen_then_free_tier_once(
    api_event, invoke, make_token
):
    # Given: eight accounts of one e-mail, each submitting its first video at the same moment
    events = [
        api_event(
            "POST", "/videos", token=make_token(f"acct-{n}", email="same@example.com"), body={"url": URL}
        )
        for n in range(8)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda event: invoke(submit, event)[0], events))
    # Then: one free tier in all: three videos could be paid for, the rest are 402
    assert sorted(statuses) == [201] + [402] * 7 and len(entries_of("grant")) == 1
    assert sum(ledger.get_user_credits(f"acct-{n}") for n in range(8)) == 3 - 1


# --- per-user limits: PaymentIntents per hour, videos open at once -------------------------------


@pytest.fixture
def limits(monkeypatch):
    """Small limits for the tests: 2 PaymentIntents per hour, 2 videos open at once."""
    from shared import config

    monkeypatch.setenv("MAX_PAYMENT_INTENTS_PER_HOUR", "2")
    monkeypatch.setenv("MAX_OPEN_VIDEOS", "2")
    config.reset()


def buy(api_event, context, user: str = "user-1") -> dict:
    from purchase_credits.handler import lambda_handler as credits_api

    return credits_api(api_event("POST", "/credits/purchase", user=user, body={"package": "basic"}), context)


def test_given_hourly_limit_when_creating_payment_intents_then_429_with_retry_after(
    api_event, context, stripe_local, limits, monkeypatch
):
    # Given: user-1 created the 2 PaymentIntents an hour allows
    assert [buy(api_event, context)["statusCode"] for _ in range(2)] == [200, 200]
    # When: a third in the same hour
    response = buy(api_event, context)
    # Then: 429, the error shape, and Retry-After (header and details) up to the next hour
    body = json.loads(response["body"])
    retry_after = int(response["headers"]["Retry-After"])
    assert response["statusCode"] == 429 and 0 < retry_after <= 3600
    assert body == {
        "error": "Too many payment attempts; try again later",
        "details": {"limit": 2, "retry_after": retry_after},
    }
    # And another user is not limited by it, and user-1 may buy again in the next hour
    assert buy(api_event, context, user="user-2")["statusCode"] == 200
    import time
    import types

    from shared import payments

    later = types.SimpleNamespace(
        time=lambda: time.time() + retry_after, strftime=time.strftime, gmtime=time.gmtime
    )
    monkeypatch.setattr(payments, "time", later)  # the payments clock only: tokens stay valid
    assert buy(api_event, context)["statusCode"] == 200


def test_given_parallel_payment_intents_when_created_then_only_the_limit_succeeds(
    api_event, context, stripe_local, limits
):
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: buy(api_event, context)["statusCode"], range(8)))
    assert sorted(statuses) == [200, 200] + [429] * 6


def test_given_videos_open_at_the_cap_when_submitting_then_429_and_nothing_spent(
    api_event, invoke, context, limits, stored_video, aws_calls
):
    # Given: user-1 (3 credits) has 2 videos queued, the cap
    ids = [invoke(submit, api_event("POST", "/videos", body={"url": URL}))[1]["video_id"] for _ in range(2)]
    # When: a third is submitted
    aws_calls.clear()
    response = submit(api_event("POST", "/videos", body={"url": URL}), context)
    # Then: one refused spend and one recount, no correction of a counter that was right and no second
    # spend (mutant: `actual < cap` made `<=`)
    assert aws_calls["dynamodb.TransactWriteItems"] == 1 and aws_calls["dynamodb.UpdateItem"] == 0
    # Then: 429 with Retry-After, and the credit is not spent
    assert (response["statusCode"], response["headers"]["Retry-After"]) == (429, "60")
    assert json.loads(response["body"]) == {
        "error": "Too many videos in progress; wait for one to finish",
        "details": {"limit": 2, "retry_after": 60},
    }
    assert ledger.get_user_credits("user-1") == 1
    # And once one of them is finished, the counter is recounted and the submit goes through
    import boto3

    boto3.resource("dynamodb").Table("ytsb-videos").update_item(
        Key={"video_id": ids[0]}, UpdateExpression="SET #s = :c", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "completed"},
    )  # fmt: skip
    assert invoke(submit, api_event("POST", "/videos", body={"url": URL}))[0] == 201
    assert ledger.get_user_credits("user-1") == 0


def test_given_more_videos_open_than_the_cap_when_submitting_then_429_without_a_correction(
    api_event, invoke, context, limits, aws_calls
):
    # Given: 2 videos queued through the API (the cap) and a third open one it did not count (written
    # before the cap existed, or the cap lowered since)
    from shared.config import get_settings
    from shared.dal import dynamo

    ledger.add_credits("user-1", 4, "seed_cap", "purchase", "test credits")  # a user without the free tier
    for _ in range(2):
        assert invoke(submit, api_event("POST", "/videos", body={"url": URL}))[0] == 201
    video_id = "video_1700000000_bbbbbbbbbbbb"
    video = {"video_id": video_id, "user_id": "user-1", "youtube_video_id": "dQw4w9WgXcQ", "url": URL,
             "status": "queued", "progress": 0, "retries": 0, "attempts": 0,
             "created_at": "2024-10-29T12:00:00.000Z", "updated_at": "2024-10-29T12:00:00.000Z"}  # fmt: skip
    ledger.spend(
        "user-1",
        1,
        f"spend_{video_id}",
        video_id,
        [("Put", dynamo.put_op(get_settings().videos_table, video))],
    )
    # When: a fourth is submitted
    aws_calls.clear()
    assert submit(api_event("POST", "/videos", body={"url": URL}), context)["statusCode"] == 429
    # Then: the recount (3, over the cap) changes nothing: no correction write, no second spend
    # (mutants: `actual < cap` made `!=` or `is not`)
    assert aws_calls["dynamodb.TransactWriteItems"] == 1 and aws_calls["dynamodb.UpdateItem"] == 0


def test_given_parallel_submits_when_the_cap_is_2_then_only_2_are_queued(api_event, invoke, sign, limits):
    # Given: user-1 with 13 credits
    purchase(api_event, invoke, sign)
    events = [api_event("POST", "/videos", body={"url": URL}) for _ in range(8)]
    # When: 8 videos are submitted at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda event: invoke(submit, event)[0], events))
    # Then: 2 are queued (2 credits spent), 6 are told to wait
    assert sorted(statuses) == [201, 201] + [429] * 6
    assert ledger.get_user_credits("user-1") == 13 - 2


# --- responses over Lambda's 6 MB: a presigned URL instead of inline content ---------------------


def saved_note(video_id: str, markdown: str) -> str:
    from shared import notes
    from shared.ids import note_id_for

    note_id = note_id_for(video_id)
    meta = {"input_tokens": 10}
    notes.save(
        note_id=note_id, video_id=video_id, user_id="user-1", youtube_video_id="dQw4w9WgXcQ",
        title="Huge", markdown=markdown, meta=meta,
    )  # fmt: skip
    return note_id


@pytest.mark.parametrize("query", [{"include_content": "true"}, {"format": "html"}], ids=["markdown", "html"])
def test_given_a_note_over_the_safe_size_when_read_then_content_url_not_content(
    api_event, invoke, context, query
):
    import urllib.parse

    from get_note.handler import lambda_handler as get_note
    from shared import notes

    # Given: a 7.5 MB note (seen from a 1.5 MB transcript)
    video_id = invoke(submit, api_event("POST", "/videos", body={"url": URL}))[1]["video_id"]
    markdown = "# Huge\n\n" + "A line of the note, again and again.\n" * 210_000
    note_id = saved_note(video_id, markdown)
    # When: its content is asked for
    event = api_event("GET", "/notes/{note_id}", path_params={"note_id": note_id}, query=query)
    response = get_note(event, context)
    # Then: the answer stays under Lambda's 6 MB, and names a short-lived URL of the markdown
    assert len(response["body"]) < 6 * 1024 * 1024
    body = json.loads(response["body"])
    assert response["statusCode"] == 200 and "content" not in body and "html" not in body
    assert body["content_url_expires_in"] == notes.CONTENT_URL_SECONDS == 300
    assert "X-Amz-Expires=300" in body["content_url"] and "attachment" in urllib.parse.unquote(
        body["content_url"]
    )
    assert urllib.parse.urlsplit(body["content_url"]).path.endswith(f"/{video_id}/note.md")  # the markdown


def test_given_a_small_note_when_read_then_content_inline_and_no_url(api_event, invoke):
    from get_note.handler import lambda_handler as get_note

    video_id = invoke(submit, api_event("POST", "/videos", body={"url": URL}))[1]["video_id"]
    note_id = saved_note(video_id, "# Small\n")
    event = api_event(
        "GET", "/notes/{note_id}", path_params={"note_id": note_id}, query={"include_content": "true"}
    )
    status, body = invoke(get_note, event)
    assert status == 200 and body["content"] == "# Small\n" and "content_url" not in body


def test_given_the_template_then_the_limits_have_the_rights_they_use():
    from ytsb_local.template import load_template

    def rights(function: str) -> set[tuple[str, str]]:
        statements = load_template()["Resources"][function]["Properties"]["Policies"][0]["Statement"]
        return {
            (action, json.dumps(resource))
            for s in statements
            for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        }

    videos_index = json.dumps({"Fn::Sub": "${VideosTable.Arn}/index/user-index"})
    users = json.dumps({"Fn::GetAtt": ["UsersTable", "Arn"]})
    assert ("dynamodb:Query", videos_index) in rights("SubmitVideoFunction")  # the recount of open videos
    assert ("dynamodb:UpdateItem", users) in rights("PurchaseCreditsFunction")  # the hourly counter
