"""Credits API, routed on method + resource path:

- ``POST /credits/purchase`` ``{"package": "basic" | "standard" | "premium"}``: creates a Stripe
  PaymentIntent carrying ``{user_id, package, credits}`` metadata; the webhook grants the credits.
- ``GET /credits``: the caller's balance, recent ledger entries and the packages on sale
  ``{"credits", "transactions", "packages"}``.

Anything else routed here is a 405.
"""

from __future__ import annotations

from typing import Any

from shared import ledger, payments
from shared.api import (
    Event,
    Response,
    api_handler,
    json_body,
    method_not_allowed,
    route,
    success_response,
    validate_required_fields,
)
from shared.auth import caller_from_event
from shared.log import logger


@logger.inject_lambda_context(clear_state=True)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    caller = caller_from_event(event)
    user_id = caller.user_id
    method, path = route(event)
    if (method, path) == ("GET", "/credits"):
        balance = ledger.get_user_credits(user_id, caller.verified_email)
        transactions = ledger.recent_transactions(user_id)
        return success_response(
            {"credits": balance, "transactions": transactions, "packages": payments.catalogue()}
        )
    if (method, path) != ("POST", "/credits/purchase"):
        raise method_not_allowed(["GET /credits", "POST /credits/purchase"])
    body = json_body(event)
    validate_required_fields(body, ["package"])
    intent = payments.create_payment_intent(user_id, body["package"], caller.verified_email)
    logger.info("payment intent created", extra={"payment_intent_id": intent["payment_intent_id"]})
    return success_response(intent)
