"""The local Stripe.js's two routes over HTTP: a PaymentIntent from POST /v1/credits/purchase confirmed
with the test cards, as /local/stripe.js sends them; only a succeeded payment adds credits, once.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import Client
from ytsb_local.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SUCCEEDS, DECLINED, THREE_D_SECURE = "4242424242424242", "4000000000000341", "4000002760003184"
SETTLE = 1.5  # seconds for a webhook that must not add credits to have arrived, had it been sent


def local_stripe(stack: dict[str, Any], route: str, body: Any) -> tuple[int, dict[str, Any]]:
    """POST /local/stripe/<route> as the local Stripe.js does (JSON, same origin)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{stack['web_url']}local/stripe/{route}", data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def card(number: str) -> dict[str, Any]:
    return {"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"}


def balance(user: Client) -> int:
    return int(user.call("GET", "/credits").body["credits"])


def purchases(user: Client) -> list[dict[str, Any]]:
    return [t for t in user.call("GET", "/credits").body["transactions"] if t["type"] == "purchase"]


@pytest.fixture
def buyer(new_user: Callable[[], Client]) -> tuple[Client, dict[str, Any], int]:
    """A new user who started buying the basic package: the purchase answer, and the balance before."""
    user = new_user()
    before = balance(user)
    purchase = user.call("POST", "/credits/purchase", {"package": "basic"})
    assert purchase.status == 200, purchase.body
    return user, purchase.body, before


def test_given_card_4242_when_confirmed_then_succeeded_and_the_credits_rise_once(
    stack: dict[str, Any], buyer: tuple[Client, dict[str, Any], int]
) -> None:
    user, purchase, before = buyer
    # When the local Stripe.js confirms the PaymentIntent with 4242
    status, body = local_stripe(
        stack, "confirm", {"client_secret": purchase["client_secret"], "card": card(SUCCEEDS)}
    )
    # Then it resolves like Stripe.js: the PaymentIntent, succeeded
    assert status == 200, body
    intent = body["paymentIntent"]
    assert (intent["id"], intent["status"]) == (purchase["payment_intent_id"], "succeeded")
    assert (intent["amount"], intent["client_secret"]) == (purchase["amount"], purchase["client_secret"])
    # And the webhook adds the package's credits, once
    wait_for(lambda: balance(user) == before + purchase["credits"], 30, what="the purchase's credits")
    # And confirming it again is refused and adds nothing
    status, again = local_stripe(
        stack, "confirm", {"client_secret": purchase["client_secret"], "card": card(SUCCEEDS)}
    )
    assert (status, again["details"]["code"]) == (400, "payment_intent_unexpected_state"), again
    time.sleep(SETTLE)
    assert balance(user) == before + purchase["credits"] and len(purchases(user)) == 1


def test_given_a_declined_card_then_card_declined_no_credits_and_another_card_can_still_pay(
    stack: dict[str, Any], buyer: tuple[Client, dict[str, Any], int]
) -> None:
    user, purchase, before = buyer
    secret = purchase["client_secret"]
    # When the card 4000 0000 0000 0341 is used
    status, body = local_stripe(stack, "confirm", {"client_secret": secret, "card": card(DECLINED)})
    # Then the answer is Stripe.js's card error
    assert status == 402, body
    assert body["error"] == "Your card was declined."
    details = body["details"]
    assert (details["type"], details["code"], details["decline_code"]) == (
        "card_error",
        "card_declined",
        "generic_decline",
    )
    assert details["payment_intent"]["status"] == "requires_payment_method"
    # And no credits are added
    time.sleep(SETTLE)
    assert balance(user) == before and purchases(user) == []
    # And, as with Stripe, the same PaymentIntent can then be paid with another card
    status, body = local_stripe(stack, "confirm", {"client_secret": secret, "card": card(SUCCEEDS)})
    assert (status, body["paymentIntent"]["status"]) == (200, "succeeded"), body
    wait_for(lambda: balance(user) == before + purchase["credits"], 30, what="the purchase's credits")


def test_given_a_3d_secure_card_then_failing_the_challenge_pays_nothing_and_completing_it_pays(
    stack: dict[str, Any], buyer: tuple[Client, dict[str, Any], int]
) -> None:
    user, purchase, before = buyer
    secret = purchase["client_secret"]
    # When the card 4000 0027 6000 3184 is used, Then the bank asks for 3-D Secure
    status, body = local_stripe(stack, "confirm", {"client_secret": secret, "card": card(THREE_D_SECURE)})
    assert (status, body["paymentIntent"]["status"]) == (200, "requires_action"), body
    assert body["paymentIntent"]["next_action"]
    # When the student fails the authentication
    status, body = local_stripe(stack, "authenticate", {"client_secret": secret, "success": False})
    # Then the error is Stripe.js's, and no credits come
    assert status == 402, body
    assert body["error"] == (
        "We are unable to authenticate your payment method. "
        "Please choose a different payment method and try again."
    )
    assert body["details"]["code"] == "payment_intent_authentication_failure"
    assert body["details"]["payment_intent"]["status"] == "requires_payment_method"
    time.sleep(SETTLE)
    assert balance(user) == before and purchases(user) == []
    # When they try again and complete the authentication
    status, body = local_stripe(stack, "confirm", {"client_secret": secret, "card": card(THREE_D_SECURE)})
    assert (status, body["paymentIntent"]["status"]) == (200, "requires_action"), body
    status, body = local_stripe(stack, "authenticate", {"client_secret": secret, "success": True})
    # Then the payment succeeds and the credits rise once
    assert (status, body["paymentIntent"]["status"]) == (200, "succeeded"), body
    wait_for(lambda: balance(user) == before + purchase["credits"], 30, what="the purchase's credits")
    assert len(purchases(user)) == 1


def test_given_a_wrong_client_secret_then_401_and_nothing_is_confirmed(
    stack: dict[str, Any], buyer: tuple[Client, dict[str, Any], int], stripe_client: Any
) -> None:
    user, purchase, before = buyer
    intent_id = purchase["payment_intent_id"]
    forged = f"{intent_id}_secret_{'A' * 24}"
    for route, body in (
        ("confirm", {"client_secret": forged, "card": card(SUCCEEDS)}),
        ("authenticate", {"client_secret": forged, "success": True}),
        ("confirm", {"client_secret": "pi_NoSuchIntent_secret_abc", "card": card(SUCCEEDS)}),
    ):
        status, answer = local_stripe(stack, route, body)
        assert status == 401, answer
        assert answer["details"]["code"] == "payment_intent_invalid_parameter"
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "requires_payment_method"
    time.sleep(SETTLE)
    assert balance(user) == before


def test_given_bad_input_then_4xx_in_the_error_shape_and_nothing_is_confirmed(
    stack: dict[str, Any], buyer: tuple[Client, dict[str, Any], int], stripe_client: Any
) -> None:
    _, purchase, _ = buyer
    secret = purchase["client_secret"]
    cases: list[tuple[str, Any, int, str | None]] = [
        ("confirm", b"{not json", 400, None),
        ("confirm", b"[" * 60_000, 400, None),
        ("confirm", [secret], 400, None),
        ("confirm", {"card": card(SUCCEEDS)}, 400, None),
        ("confirm", {"client_secret": "pi_1_secret_x<script>", "card": card(SUCCEEDS)}, 400, None),
        ("confirm", {"client_secret": secret}, 400, None),
        ("confirm", {"client_secret": secret, "card": {"number": SUCCEEDS}}, 400, None),
        ("confirm", {"client_secret": secret, "card": card("4242424242424241")}, 402, "incorrect_number"),
        ("confirm", {"client_secret": secret, "card": card("42424242")}, 402, "incorrect_number"),
        (
            "confirm",
            {"client_secret": secret, "card": {**card(SUCCEEDS), "exp_month": 13}},
            402,
            "invalid_expiry_month",
        ),
        (
            "confirm",
            {"client_secret": secret, "card": {**card(SUCCEEDS), "exp_year": 2001}},
            402,
            "invalid_expiry_year",
        ),
        ("confirm", {"client_secret": secret, "card": {**card(SUCCEEDS), "cvc": "12"}}, 402, "invalid_cvc"),
        ("confirm", {"client_secret": secret, "card": {**card(SUCCEEDS), "cvc": ["1"]}}, 402, "invalid_cvc"),
        ("authenticate", {"client_secret": secret, "success": "yes"}, 400, None),
        ("authenticate", {"client_secret": secret, "success": True}, 400, "payment_intent_unexpected_state"),
    ]
    for route, body, expected, code in cases:
        status, answer = local_stripe(stack, route, body)
        assert status == expected, (route, body, answer)
        assert set(answer) == {"error", "details"} and isinstance(answer["error"], str), answer
        assert code is None or answer["details"]["code"] == code, (body, answer)
    assert (
        stripe_client.v1.payment_intents.retrieve(purchase["payment_intent_id"]).status
        == "requires_payment_method"
    )
