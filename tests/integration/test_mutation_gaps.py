"""Behaviour a mutant of `make mutation` (scripts/mutation.py) showed untested; each test names its mutant."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import stripe
from get_video.handler import lambda_handler as get_video
from shared import config, errors, ledger, payments
from shared.dal import dynamo
from stripe_webhook.handler import lambda_handler as webhook
from submit_video.handler import lambda_handler as submit

VIDEO = {"video_id": "video_1_aaaaaaaaaaaa"}


def webhook_event(
    api_event: Callable[..., dict[str, Any]], sign: Callable[..., str], kind: str, obj: dict[str, Any]
) -> dict[str, Any]:
    """POST /webhooks/stripe of a Stripe event of ``kind`` about ``obj``, signed with the test secret."""
    payload = json.dumps({"id": "evt_1", "object": "event", "type": kind, "data": {"object": obj}})
    return api_event(
        "POST", "/webhooks/stripe", user=None, body=payload, headers={"Stripe-Signature": sign(payload)}
    )


def paid(
    invoke: Callable[..., tuple[int, Any]], event: Callable[..., dict[str, Any]], intent_id: str
) -> None:
    """user-1 paid the basic package with PaymentIntent ``intent_id`` (``event``: webhook_event's partial)."""
    intent = {"id": intent_id, "amount": 999, "amount_received": 999, "currency": "usd"}
    intent["metadata"] = {"user_id": "user-1", "package": "basic"}
    assert invoke(webhook, event("payment_intent.succeeded", intent)) == (
        200,
        {"received": True, "credited": True},
    )


# --- auth.py (the PS256 header-check mutant: test_double_guards.py) ------------------------------


@pytest.mark.parametrize("claims", [{}, "not an object"], ids=["empty", "a-string"])
def test_given_authorizer_claims_that_are_empty_or_no_object_then_the_bearer_token_decides(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    make_token: Callable[..., str],
    claims: Any,
) -> None:
    # Mutant: `not isinstance(claims, dict) or not claims` -> `and`: empty claims were taken as the
    # caller (401 for a valid token), and claims that are no object reached `.get` (a 500).
    # Given a request with a valid token whose authorizer context has unusable claims
    event = api_event("GET", "/videos/{video_id}", token=make_token("user-1"), path_params=VIDEO)
    event["requestContext"]["authorizer"] = {"claims": claims}
    # When it is handled, Then the token is verified and used: the caller's (missing) video is a 404
    assert invoke(get_video, event)[0] == 404


# --- payments.py -----------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["vnd", "zar", "USD "])
def test_given_the_right_amount_in_a_currency_sorting_after_usd_when_paid_then_nothing_credited(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    sign: Callable[..., str],
    currency: str,
) -> None:
    # Mutant: `currency.lower() != package.currency` -> `<`: "eur" is still refused ("eur" < "usd"), but a
    # currency after "usd" was credited. 999 of any other currency is not the basic package's price.
    intent = {
        "id": "pi_other_currency",
        "object": "payment_intent",
        "amount": 999,
        "amount_received": 999,
        "currency": currency,
        "metadata": {"user_id": "user-1", "package": "basic", "credits": "10"},
    }
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": intent}}
    )
    # Given a signed success for the basic package's amount in another currency
    event = api_event(
        "POST", "/webhooks/stripe", user=None, body=payload, headers={"Stripe-Signature": sign(payload)}
    )
    # When it is delivered, Then it is acknowledged and nothing is credited
    assert invoke(webhook, event) == (200, {"received": True, "credited": False})
    assert ledger.entry("pi_other_currency") is None


def test_given_a_parallel_request_opens_the_hour_first_when_creating_an_intent_then_it_counts_in_that_hour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Mutant: `continue` -> `break` after losing the race to open a new hour: the request was refused
    # (429) although the hour had just begun. Given a user, and a parallel request that opens the clock
    # hour between our read and our write (it runs the same update just before ours):
    ledger.ensure_user("user-1", "user-1@example.com")
    real, raced = dynamo.update_item, []

    def update_item(table: str, key: dict[str, Any], update: str, *args: Any, **kwargs: Any) -> Any:
        if update.startswith("SET intents_hour") and not raced:
            raced.append(update)
            real(table, key, update, *args, **kwargs)
        return real(table, key, update, *args, **kwargs)

    monkeypatch.setattr(dynamo, "update_item", update_item)
    # When our request goes on, Then it is allowed, counted as the hour's second intent
    payments.allow_payment_intent("user-1")
    assert raced
    user = (
        boto3.resource("dynamodb")
        .Table("ytsb-users")
        .get_item(Key={"user_id": "user-1"}, ConsistentRead=True)
    )
    assert user["Item"]["intents"] == 2


@pytest.mark.parametrize("kind", ["grant", "spend"])
def test_given_a_refund_naming_a_ledger_entry_that_is_no_purchase_when_delivered_then_nothing_taken_back(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    sign: Callable[..., str],
    kind: str,
) -> None:
    # Mutants: `type != "purchase"` -> `>` or `<`: an entry whose type sorts before "purchase" (the free
    # tier's grant) or after it (a video's spend) was taken back as if it were a purchase.
    # Given a user with the free tier who spent a credit on a video, and a signed refund event that names
    # the grant's or the spend's ledger key
    ledger.ensure_user("user-1", "user-1@example.com")
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}))
    assert status == 201
    key = ledger.free_grant_id("user-1@example.com")
    if kind == "spend":
        key = ledger.attempt_id("spend", body["video_id"], 0)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": key, "amount": 999, "amount_refunded": 999}
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "charge.refunded", "data": {"object": charge}}
    )
    event = api_event(
        "POST", "/webhooks/stripe", user=None, body=payload, headers={"Stripe-Signature": sign(payload)}
    )
    # When it is delivered, Then it is acknowledged and nothing is taken back
    assert invoke(webhook, event) == (200, {"received": True, "taken_back": False})
    assert ledger.get_user_credits("user-1") == 2
    assert ledger.entry(ledger.clawback_id(key)) is None


def test_given_ids_of_255_characters_when_refunded_then_taken_back_and_of_256_refused(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    sign: Callable[..., str],
) -> None:
    # Mutants: `len(source) <= 255` / `len(intent_id) <= 255` -> 254 or 256, `0 < len(source)` -> 1 <:
    # a limit moved by one.
    event = functools.partial(webhook_event, api_event, sign)
    ledger.ensure_user("user-1", "user-1@example.com")
    longest, too_long = "pi_" + "a" * 252, "pi_" + "b" * 253  # 255 and 256 characters
    paid(invoke, event, longest)
    paid(invoke, event, too_long)

    def refund(source: str, intent_id: str) -> Any:
        charge = {"id": source, "object": "charge", "payment_intent": intent_id, "amount": 999}
        return invoke(webhook, event("charge.refunded", charge))[1]["taken_back"]

    # Given two purchases, When refunds name them, Then only ids of at most 255 characters are taken back
    assert refund("ch_" + "c" * 253, longest) is False  # the charge's id has 256 characters
    assert refund("ch_" + "c" * 252, too_long) is False
    assert refund("ch_" + "c" * 252, longest) is True  # both 255
    paid(invoke, event, "p")
    assert refund("c", "p") is True  # ids of one character
    assert ledger.get_user_credits("user-1") == 3 + 10


def test_given_every_write_loses_a_race_when_creating_an_intent_then_429_after_three_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Mutants: `range(3)` -> 2 or 4: the number of rounds before a request that keeps losing races
    # (each round: count in this hour, else open it) gives up with 429 instead of looping on.
    writes: list[str] = []

    def update_item(table: str, key: dict[str, Any], update: str, *args: Any, **kwargs: Any) -> Any:
        writes.append(update)
        raise dynamo.ConditionFailed({"user_id": "user-1", "intents_hour": "2000-01-01T00", "intents": 1})

    monkeypatch.setattr(dynamo, "update_item", update_item)
    # Given a user row from an old hour that every write of ours finds changed, When an intent is asked
    with pytest.raises(errors.TooManyRequests):
        payments.allow_payment_intent("user-1")
    # Then three rounds of two writes were tried, and no more
    assert [w.split(" =")[0] for w in writes] == ["SET intents", "SET intents_hour"] * 3


@pytest.mark.parametrize(("source", "intent_id"), [("", "pi_paid_1"), ("ch_1", "")], ids=["charge", "intent"])
def test_given_a_refund_with_an_empty_id_when_delivered_then_200_and_nothing_taken_back(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    sign: Callable[..., str],
    source: str,
    intent_id: str,
) -> None:
    # Mutants: `0 < len(source)` -> `0 <= len(source)`: a refund with an empty charge id took the purchase
    # back, with no source to show for it; `0 < len(intent_id)` -> `<=`: an empty PaymentIntent id was
    # looked up (DynamoDB refuses an empty key: a 500, and Stripe retries for days).
    event = functools.partial(webhook_event, api_event, sign)
    ledger.ensure_user("user-1", "user-1@example.com")
    paid(invoke, event, "pi_paid_1")
    # Given a paid purchase, When a refund with an empty id arrives, Then 200 and nothing is taken back
    charge = {"id": source, "object": "charge", "payment_intent": intent_id, "amount": 999}
    assert invoke(webhook, event("charge.refunded", charge)) == (200, {"received": True, "taken_back": False})
    assert ledger.get_user_credits("user-1") == 3 + 10


@contextlib.contextmanager
def flaky_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """A Stripe API on loopback that answers each create with the next status of the list it yields
    (409 = "retry": Stripe's lock timeout); the functions' client pointed at it."""
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = statuses.pop(0) if statuses else 500
            body = {"id": "pi_flaky", "object": "payment_intent", "client_secret": "pi_flaky_secret_x"}
            if status != 200:
                body = {"error": {"type": "api_error", "message": "lock timeout"}}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("STRIPE_API_BASE", f"http://127.0.0.1:{server.server_address[1]}")
    config.reset()
    payments._stripe_client.cache_clear()
    yield statuses
    payments._stripe_client.cache_clear()
    server.shutdown()


def test_given_stripe_fails_twice_when_creating_an_intent_then_the_third_try_succeeds_and_no_fourth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Mutant: `max_network_retries=2` -> 1 (or 3): how often a purchase survives Stripe's transient errors.
    with flaky_stripe(monkeypatch) as statuses:
        # Given Stripe answers 409 twice, then 200: When a purchase starts, Then it gets its intent
        statuses.extend([409, 409, 200])
        assert payments.create_payment_intent("user-1", "basic")["payment_intent_id"] == "pi_flaky"
        assert statuses == []
        # Given Stripe answers 409 three times, Then the third is the last try: the error reaches the caller
        statuses.extend([409, 409, 409, 200])
        with pytest.raises(stripe.StripeError):
            payments.create_payment_intent("user-1", "basic")
        assert statuses == [200]


def test_given_a_user_at_the_hours_limit_when_creating_an_intent_then_429_after_one_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Mutant: `intents_hour == hour` -> `is`: a user at the limit was refused only after three rounds of
    # futile writes (opening an hour that is already open), not at once.
    real, writes = dynamo.update_item, []

    def update_item(*args: Any, **kwargs: Any) -> Any:
        writes.append(args[2])
        return real(*args, **kwargs)

    # Given a user who created this hour's last allowed intent
    for _ in range(config.get_settings().max_payment_intents_per_hour):
        payments.allow_payment_intent("user-1")
    monkeypatch.setattr(dynamo, "update_item", update_item)
    # When one more is asked, Then 429 after the one write that found the hour full
    with pytest.raises(errors.TooManyRequests):
        payments.allow_payment_intent("user-1")
    assert len(writes) == 1


@pytest.mark.parametrize(
    ("kind", "level", "message"),
    [
        ("payment_intent.payment_failed", logging.WARNING, "payment failed"),
        ("customer.created", logging.INFO, "webhook event ignored"),  # sorts before, and after:
        ("payout.paid", logging.INFO, "webhook event ignored"),
    ],
)
def test_given_an_event_we_do_not_act_on_then_200_and_a_failed_payment_is_logged_as_a_warning(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    sign: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
    kind: str,
    level: int,
    message: str,
) -> None:
    # Mutant: `kind == "payment_intent.payment_failed"` -> `not ...`: failed payments were logged as
    # ignored events (INFO) and every ignored event as a failed payment (WARNING, which alarms look at).
    caplog.set_level(logging.INFO)
    # Given a signed event of `kind`, When delivered, Then 200 and one log line of the right level
    event = webhook_event(api_event, sign, kind, {"id": "pi_failed_1", "object": "payment_intent"})
    assert invoke(webhook, event) == (200, {"received": True})
    logged = [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.getMessage() in ("payment failed", "webhook event ignored")
    ]
    assert logged == [(level, message)]


@pytest.mark.parametrize(("past_the_hour", "retry_after"), [(0, 3600), (601, 2999), (3599, 1)])
def test_given_the_hours_limit_reached_then_retry_after_is_the_seconds_to_the_next_hour(
    monkeypatch: pytest.MonkeyPatch, past_the_hour: int, retry_after: int
) -> None:
    # Mutants: `3600 - now % 3600` -> 3599 or 3601 in either place: Retry-After off by one hour's second.
    hour = 1_767_225_600  # 2026-01-01T00:00:00Z
    clock = types.SimpleNamespace(
        time=lambda: hour + past_the_hour, strftime=time.strftime, gmtime=time.gmtime
    )
    monkeypatch.setattr(payments, "time", clock)
    # Given a user who used this hour's intents, When one more is asked `past_the_hour` seconds into it
    for _ in range(config.get_settings().max_payment_intents_per_hour):
        payments.allow_payment_intent("user-1")
    with pytest.raises(errors.TooManyRequests) as refused:
        payments.allow_payment_intent("user-1")
    # Then Retry-After is the seconds left to the next hour
    assert refused.value.retry_after == retry_after


def test_given_a_purchase_and_its_refund_each_delivered_twice_then_the_log_tells_first_from_again(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    sign: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Mutants: `"purchase applied" if added else ...` / `"purchase taken back" if taken else ...` with
    # `not`: the log said "already" for the delivery that moved credits, and the other way round.
    caplog.set_level(logging.INFO)
    event = functools.partial(webhook_event, api_event, sign)
    ledger.ensure_user("user-1", "user-1@example.com")
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_twice", "amount": 999}
    # Given a purchase and its refund, When each is delivered twice (Stripe retries)
    paid(invoke, event, "pi_twice")
    assert (
        invoke(
            webhook,
            event(
                "payment_intent.succeeded",
                {
                    "id": "pi_twice",
                    "amount_received": 999,
                    "currency": "usd",
                    "metadata": {"user_id": "user-1", "package": "basic"},
                },
            ),
        )[1]["credited"]
        is False
    )
    assert [invoke(webhook, event("charge.refunded", charge))[1]["taken_back"] for _ in range(2)] == [
        True,
        False,
    ]
    # Then the log tells the delivery that moved credits from the one that found it done
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("purchase ")]
    assert logged == [
        "purchase applied",
        "purchase already applied",
        "purchase taken back",
        "purchase already taken back",
    ]


def test_given_an_e_mail_whose_free_tier_was_given_when_a_new_account_is_made_then_it_is_created_at_0() -> (
    None
):
    # Mutant: ensure_user's last `return True` made False: "created" misreported for such an account.
    assert ledger.ensure_user("user-a", "student@example.com") is True
    assert ledger.ensure_user("user-b", "student@example.com") is True  # created, without the grant
    assert ledger.get_user_credits("user-b") == 0 and ledger.get_user_credits("user-a") == 3
    assert ledger.ensure_user("user-b", "student@example.com") is False  # it exists now


def test_given_a_user_without_the_free_tier_when_ensured_with_a_verified_e_mail_then_one_write_only(
    aws_calls: Counter[str],
) -> None:
    # Mutant: `exc.reasons[0][0] == "ConditionalCheckFailed"` reading `[0][1]`: an existing user is not
    # recognised and a second, doomed write follows (and the grant is never the reason).
    assert ledger.ensure_user("user-c") is True  # no verified e-mail: no free tier
    aws_calls.clear()
    assert ledger.ensure_user("user-c", "late@example.com") is False
    assert aws_calls["dynamodb.TransactWriteItems"] == 1 and ledger.get_user_credits("user-c") == 0


def test_given_a_transaction_conflict_on_the_first_spend_then_it_is_raised_not_taken_for_a_new_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Mutant: `code == "ConditionalCheckFailed"` made `code is not ...` in spend's first branch: any
    # cancellation without an item (a conflict) taken for a missing user, "created" and spent again.
    assert ledger.ensure_user("user-d", "d@example.com") is True
    writes: list[object] = []

    def conflict(ops: object) -> None:
        writes.append(ops)
        raise dynamo.TransactionCancelled([("TransactionConflict", None), ("None", None)])

    monkeypatch.setattr(dynamo, "transact_write", conflict)
    with pytest.raises(dynamo.TransactionCancelled):
        ledger.spend("user-d", 1, "spend_video_d", "video_d")
    assert len(writes) == 1  # the caller decides what a conflict means; no second try here


def test_given_a_ledger_entry_or_a_balance_is_read_then_the_read_is_strongly_consistent(
    aws_requests: list[tuple[str, dict[str, Any]]],
) -> None:
    # Mutant: `consistent=True` made False in ledger.entry: moto always reads consistently, DynamoDB
    # does not, so the request itself is checked: a purchase written a moment ago must be seen
    # (the refund of a payment that just succeeded), as must the balance just changed.
    aws_requests.clear()
    ledger.entry("pi_missing")
    ledger.get_user_credits("user-e")
    reads = [params for name, params in aws_requests if name == "dynamodb.GetItem"]
    assert reads and all(params["ConsistentRead"] is True for params in reads)


def test_given_a_user_record_gone_but_its_free_tier_grant_kept_then_no_second_grant_and_a_clear_refusal() -> (
    None
):
    # Given a user whose record an operator deleted while the ledger kept its free-tier grant
    assert ledger.ensure_user("user-f", "f@example.com") is True
    users = boto3.resource("dynamodb").Table("ytsb-users")
    record = users.get_item(Key={"user_id": "user-f"}, ConsistentRead=True)["Item"]
    users.delete_item(Key={"user_id": "user-f"})
    # Then it is not created again with the free tier (mutant: that branch's `return False` made True)
    assert ledger.ensure_user("user-f", "f@example.com") is False
    # And its balance reads 0 (mutant: the default of `user.get("credits", 0)` made -1)
    assert ledger.get_user_credits("user-f", "f@example.com") == 0
    # And a spend is refused by DynamoDB's own answer (mutant: `code == ... and user is not None` made
    # `or`: an AttributeError on the missing record instead)
    with pytest.raises(dynamo.TransactionCancelled):
        ledger.spend("user-f", 1, "spend_video_f", "video_f", verified_email="f@example.com")
    users.put_item(Item=record)  # the operator restores it: balance and ledger agree again


def test_given_a_user_created_twice_at_once_without_an_e_mail_then_the_second_is_told_it_exists() -> None:
    # Mutant: `except TransactionCancelled` around the plain create catching nothing: the loser of
    # the race (two first requests of one new user) would fail instead of reading the balance.
    assert ledger.ensure_user("user-g") is True
    assert ledger.ensure_user("user-g") is False
    assert ledger.get_user_credits("user-g") == 0


@pytest.mark.parametrize("attempts", [None, 2], ids=["default", "two"])
def test_given_a_refund_that_keeps_failing_when_compensating_then_tried_with_growing_pauses_then_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, attempts: int | None
) -> None:
    # Mutants of compensate's loop: the last-attempt test (`attempt + 1 == attempts` made `+ 0`, `&`,
    # `|`, `%`: the failure never logged) and the pause (`0.1 * (attempt + 1)` made `+ 2`, `// 1`, `% 1`,
    # `>> 1`, `0.1 + ...`, `0.1 ** ...`).
    from botocore.exceptions import EndpointConnectionError
    from shared import videos

    calls: list[str] = []
    pauses: list[float] = []

    def unreachable(*args: Any, **kwargs: Any) -> bool:
        calls.append(args[1])
        raise EndpointConnectionError(endpoint_url="https://dynamodb.example")

    monkeypatch.setattr(videos, "refund_video", unreachable)
    monkeypatch.setattr(videos.time, "sleep", pauses.append)
    if attempts is None:  # the README promises "tried up to 3 times" (mutant: COMPENSATION_ATTEMPTS = 4)
        videos.compensate("user-1", "video_c", retries=0)
        attempts = 3
    else:
        videos.compensate("user-1", "video_c", retries=0, attempts=attempts)
    assert calls == ["video_c"] * attempts
    assert pauses == pytest.approx([0.1 * n for n in range(1, attempts)])
    failed = [r for r in caplog.records if r.getMessage().startswith("compensation failed")]
    assert [r.levelname for r in failed] == ["ERROR"]


def test_given_a_submitted_video_then_no_attempt_is_counted_until_a_worker_claims_it(
    api_event: Callable[..., dict[str, Any]], invoke: Callable[..., tuple[int, Any]]
) -> None:
    # Mutant: the new video's `"attempts": 0` made -1: every count of attempts one short.
    from shared import processing
    from shared.config import get_settings

    status, body = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}))
    assert status == 201
    key = {"video_id": body["video_id"]}
    assert dynamo.get_item(get_settings().videos_table, key, consistent=True)["attempts"] == 0
    assert processing.claim(body["video_id"]) is not None
    assert dynamo.get_item(get_settings().videos_table, key, consistent=True)["attempts"] == 1


@pytest.mark.parametrize("status", ["completed", "queued", "processing"])
def test_given_a_video_that_did_not_fail_then_its_view_has_no_error_code(status: str) -> None:
    # Mutant: `status == "failed"` made `<`: "completed" sorts before "failed", and a finished video
    # would show the page a failure code.
    from shared import videos

    view = videos.public_view({"video_id": "video_1", "status": status, "progress": 100})
    assert "error_code" not in view
    assert videos.public_view({"video_id": "video_1", "status": "failed"})["error_code"] == "failed"


def test_given_a_video_that_failed_before_error_codes_existed_when_read_then_its_code_is_failed(
    message: dict[str, str],
    sqs_event: Callable[..., dict[str, Any]],
    context: Any,
    use_cli: Callable[..., None],
    api_event: Callable[..., dict[str, Any]],
    invoke: Callable[..., tuple[int, Any]],
) -> None:
    # Mutant: `status == "failed"` made `is "failed"`: a status read from DynamoDB is never the
    # literal's object, and the page would get no error code for such a video.
    from process_video.handler import lambda_handler as process
    from shared.config import get_settings

    use_cli("permanent")
    assert process(sqs_event(message, receive_count=5), context) == {"batchItemFailures": []}
    key = {"video_id": message["video_id"]}
    dynamo.update_item(get_settings().videos_table, key, "REMOVE error_code", return_values="NONE")
    status, body = invoke(get_video, api_event("GET", "/videos/{video_id}", path_params=key))
    assert (status, body["status"], body["error_code"]) == (200, "failed", "failed")


def test_given_the_cap_refused_twice_though_the_recount_is_under_it_then_429_and_never_a_free_video(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Mutant: `attempt == 0 and actual < cap` made `attempt >= 0`: after a second refusal the loop
    # would end without raising, and the caller queue a video that was never paid for.
    from shared import videos

    spends: list[str] = []

    def refused(*args: Any, **kwargs: Any) -> None:
        spends.append(args[2])
        raise ledger.QueueFull(2)  # a parallel submit took the place the recount freed, twice

    monkeypatch.setattr(videos.ledger, "spend", refused)
    monkeypatch.setattr(videos, "count_open", lambda user_id: 1)
    monkeypatch.setattr(videos.ledger, "set_open_videos", lambda *args: None)
    with pytest.raises(errors.TooManyRequests):
        videos.spend_on_video("user-1", "spend_video_q", "video_q", [])
    assert spends == ["spend_video_q", "spend_video_q"]
