"""POST /webhooks/stripe: no JWT; the Stripe-Signature over the raw body is the only trust."""

from __future__ import annotations

from typing import Any

from shared import payments
from shared.api import Event, Response, api_handler, header, raw_body, success_response
from shared.log import logger


@logger.inject_lambda_context(clear_state=True, log_event=False)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    stripe_event = payments.verified_event(raw_body(event), header(event, "Stripe-Signature"))
    logger.append_keys(stripe_event_id=stripe_event.get("id"))
    return success_response(payments.handle_event(stripe_event))
