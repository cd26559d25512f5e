"""The two routes behind the local Stripe.js: confirm a PaymentIntent with a card, finish its 3-D Secure.

Real Stripe.js sends the card to Stripe with the publishable key and the PaymentIntent's client
secret. localstripe's own Stripe.js cannot confirm with a card payment method, so the local one
(``static/stripe-local.js``) posts the card here and the stack pays at localstripe with the dev
secret key (``ytsb_local.stripe``), after checking the client secret as Stripe would. Answers are
what ``confirmCardPayment`` resolves with: 200 ``{"paymentIntent": ...}``; otherwise the backend's
error shape, whose ``details`` hold Stripe.js's error fields (``type``, ``code``, ``decline_code``,
``payment_intent``), so the script gives the page ``{error: {message, ...details}}``.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

from ytsb_local import stripe
from ytsb_local.stripe import CONFIRMABLE, StripeApi, StripeError

Answer = tuple[int, dict[str, Any]]

CLIENT_SECRET = re.compile(r"(pi_[A-Za-z0-9]{1,64})_secret_[A-Za-z0-9]{1,64}")
DECLINED = "Your card was declined."
AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. "
    "Please choose a different payment method and try again."
)
MISMATCH = "The client_secret provided does not match the client_secret associated with the PaymentIntent."
# What Stripe.js's PaymentIntent carries (it is fetched with the publishable key, not the secret one).
PUBLIC_FIELDS = (
    "id", "object", "amount", "currency", "status", "client_secret", "created", "livemode",
    "payment_method", "capture_method", "description", "next_action", "last_payment_error",
)  # fmt: skip


class _Refused(Exception):
    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.answer: Answer = (status, {"error": message, "details": details})


def _public(intent: dict[str, Any]) -> dict[str, Any]:
    return {name: intent.get(name) for name in PUBLIC_FIELDS}


def _request(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the parser's depth
        raise _Refused(400, "The request body is not valid JSON", type="invalid_request_error") from None
    if not isinstance(data, dict):
        raise _Refused(400, "The request body must be a JSON object", type="invalid_request_error")
    return data


def _intent(api: StripeApi, client_secret: Any) -> dict[str, Any]:
    """The PaymentIntent the client secret belongs to; an unknown one and a wrong secret look alike."""
    match = CLIENT_SECRET.fullmatch(client_secret) if isinstance(client_secret, str) else None
    if match is None:
        raise _Refused(400, "Invalid client_secret", type="invalid_request_error", param="client_secret")
    try:
        intent = api.payment_intent(match.group(1))
    except StripeError as error:
        if error.status != 404:
            raise
        intent = {"client_secret": ""}
    if not hmac.compare_digest(str(intent.get("client_secret", "")), client_secret):
        raise _Refused(401, MISMATCH, type="invalid_request_error", code="payment_intent_invalid_parameter")
    return intent


def _card(card: Any) -> dict[str, Any]:
    """The card as localstripe takes it, or a card error like Stripe's (localstripe: 16 digits, CVC 3)."""
    if not isinstance(card, dict) or set(card) != {"number", "exp_month", "exp_year", "cvc"}:
        message = "card needs number, exp_month, exp_year and cvc"
        raise _Refused(400, message, type="invalid_request_error", param="card")
    number, cvc = str(card["number"]).replace(" ", ""), str(card["cvc"])
    month, year = str(card["exp_month"]), str(card["exp_year"])
    if not (number.isascii() and number.isdigit() and len(number) == 16 and _luhn(number)):
        raise _card_error("incorrect_number", "Your card number is incorrect.")
    if not (month.isascii() and month.isdigit() and 1 <= int(month) <= 12):
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.")
    now = time.gmtime()
    full_year = int(year) + 2000 if year.isascii() and year.isdigit() and len(year) <= 2 else None
    full_year = int(year) if full_year is None and year.isascii() and year.isdigit() else full_year
    if full_year is None or not now.tm_year <= full_year <= now.tm_year + 50:
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.")
    if (full_year, int(month)) < (now.tm_year, now.tm_mon):
        raise _card_error("expired_card", "Your card has expired.")
    if not (cvc.isascii() and cvc.isdigit() and len(cvc) == 3):
        raise _card_error("invalid_cvc", "Your card's security code is invalid.")
    return {"number": number, "exp_month": int(month), "exp_year": full_year, "cvc": cvc}


def _luhn(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    return sum(digits[0::2] + [sum(divmod(2 * d, 10)) for d in digits[1::2]]) % 10 == 0


def _card_error(code: str, message: str) -> _Refused:
    return _Refused(402, message, type="card_error", code=code, param="card")


def _outcome(api: StripeApi, payment_intent_id: str, error: StripeError) -> Answer:
    """A refused confirmation as Stripe.js reports it, with the PaymentIntent as it now is."""
    intent = _public(api.payment_intent(payment_intent_id))
    if error.status == 402:  # localstripe: a declined charge (test card 4000 0000 0000 0341)
        message = error.error.get("message") or DECLINED
        details = {"type": "card_error", "code": error.error.get("code") or "card_declined"}
        if details["code"] == "card_declined":
            details["decline_code"] = "generic_decline"
        return 402, {"error": message, "details": {**details, "payment_intent": intent}}
    message = f"This PaymentIntent cannot be confirmed: its status is {intent['status']}."
    details = {"type": "invalid_request_error", "code": "payment_intent_unexpected_state"}
    return 400, {"error": message, "details": {**details, "payment_intent": intent}}


def _route(handler: Callable[[StripeApi, bytes], Answer]) -> Callable[[StripeApi, bytes], Answer]:
    """Refusals become their answer; localstripe down or answering the unexpected, a 503."""

    @functools.wraps(handler)
    def route(api: StripeApi, body: bytes) -> Answer:
        try:
            return handler(api, body)
        except _Refused as refused:
            return refused.answer
        except (StripeError, OSError):
            return 503, {"error": "Stripe is unavailable. Please try again in a moment.", "details": {}}

    return route


@_route
def confirm(api: StripeApi, body: bytes) -> Answer:
    """``POST /local/stripe/confirm {client_secret, card: {number, exp_month, exp_year, cvc}}``."""
    data = _request(body)
    intent = _intent(api, data.get("client_secret"))
    card = _card(data.get("card"))
    try:
        return 200, {"paymentIntent": _public(stripe.confirm_with_card(api, intent["id"], card))}
    except StripeError as error:
        return _outcome(api, intent["id"], error)


@_route
def authenticate(api: StripeApi, body: bytes) -> Answer:
    """``POST /local/stripe/authenticate {client_secret, success}``: the 3-D Secure test page's answer."""
    data = _request(body)
    intent = _intent(api, data.get("client_secret"))
    if not isinstance(data.get("success"), bool):
        raise _Refused(400, "success must be true or false", type="invalid_request_error", param="success")
    if intent["status"] != "requires_action":
        return _outcome(api, intent["id"], StripeError(400, {}))
    try:
        result = stripe.authenticate(api, intent["id"], intent["client_secret"], data["success"])
    except StripeError as error:  # the charge after a passed challenge can still be declined
        return _outcome(api, intent["id"], error)
    if result["status"] in CONFIRMABLE:  # failed: localstripe drops the payment method, as Stripe does
        details = {"type": "invalid_request_error", "code": "payment_intent_authentication_failure"}
        return 402, {
            "error": AUTHENTICATION_FAILED,
            "details": {**details, "payment_intent": _public(result)},
        }
    return 200, {"paymentIntent": _public(result)}
