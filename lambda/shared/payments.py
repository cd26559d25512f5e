"""Credit packages, Stripe PaymentIntents, and the webhook's trust rules.

The stripe SDK is imported only here, so only purchase_credits and stripe_webhook pay for it.
One code path serves Stripe and localstripe (STRIPE_API_BASE): no ``description`` or
``receipt_email`` on create, and the webhook accepts ``amount`` when ``amount_received`` is absent.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any, NamedTuple

from shared import ledger, metrics
from shared.config import get_secret_setting, get_settings
from shared.dal import dynamo
from shared.errors import BadRequest, DependencyUnavailable, TooManyRequests
from shared.log import logger


class Package(NamedTuple):
    credits: int
    amount: int  # cents
    currency: str = "usd"


PACKAGES: dict[str, Package] = {
    "basic": Package(10, 999),
    "standard": Package(25, 1999),
    "premium": Package(50, 2999),
}


@cache
def _stripe_client() -> Any:
    import stripe

    base = get_settings().stripe_api_base
    addresses = {"api": base} if base else None
    return stripe.StripeClient(
        get_secret_setting("STRIPE_SECRET_KEY"), base_addresses=addresses, max_network_retries=2
    )


def catalogue() -> list[dict[str, Any]]:
    """The packages as ``GET /credits`` lists them for the page, cheapest first."""
    return [
        {"package": name, "credits": p.credits, "amount": p.amount, "currency": p.currency}
        for name, p in sorted(PACKAGES.items(), key=lambda item: item[1].amount)
    ]


def package_named(name: Any) -> Package:
    if not isinstance(name, str) or name not in PACKAGES:
        raise BadRequest("Unknown package", {"package": f"must be one of {', '.join(PACKAGES)}"})
    return PACKAGES[name]


def allow_payment_intent(user_id: str, verified_email: str | None = None) -> None:
    """Count one more PaymentIntent of this clock hour on the user row, or 429 once the hour has
    MAX_PAYMENT_INTENTS_PER_HOUR (``Retry-After``: the seconds to the next hour). Conditional updates:
    two requests cannot both take the last one."""
    limit, now = get_settings().max_payment_intents_per_hour, int(time.time())
    hour, retry_after = time.strftime("%Y-%m-%dT%H", time.gmtime(now)), 3600 - now % 3600
    table, key, values = get_settings().users_table, {"user_id": user_id}, {":h": hour, ":one": 1}
    for _ in range(3):
        try:  # one more in this hour's window
            condition = "intents_hour = :h AND intents < :max"
            update = "SET intents = intents + :one"
            dynamo.update_item(table, key, update, condition, "NONE", values={**values, ":max": limit})
            return
        except dynamo.ConditionFailed as failed:
            current = failed.item
        if current is None:  # first sight of the user
            ledger.ensure_user(user_id, verified_email)
            continue
        if current.get("intents_hour") == hour:
            details = {"limit": limit}
            raise TooManyRequests("Too many payment attempts; try again later", retry_after, details)
        try:  # the first of a new hour
            condition = (
                "attribute_exists(user_id) AND (attribute_not_exists(intents_hour) OR intents_hour <> :h)"
            )
            dynamo.update_item(
                table, key, "SET intents_hour = :h, intents = :one", condition, "NONE", values=values
            )
            return
        except dynamo.ConditionFailed:
            continue  # a parallel request opened this hour first: count in it
    raise TooManyRequests("Too many payment attempts; try again later", retry_after, {"limit": limit})


def create_payment_intent(
    user_id: str, package_name: Any, verified_email: str | None = None
) -> dict[str, Any]:
    """A PaymentIntent for one of our packages, within the user's hourly limit (``allow_payment_intent``)."""
    import stripe

    package = package_named(package_name)
    allow_payment_intent(user_id, verified_email)
    params = {
        "amount": package.amount,
        "currency": package.currency,
        "payment_method_types": ["card"],
        "metadata": {"user_id": user_id, "package": package_name, "credits": str(package.credits)},
    }
    try:
        intent = _stripe_client().v1.payment_intents.create(params=params)
    except (stripe.APIConnectionError, stripe.RateLimitError):
        raise DependencyUnavailable("The payment service is unavailable; please retry later") from None
    return {
        "client_secret": intent.client_secret,
        "payment_intent_id": intent.id,
        "amount": package.amount,
        "credits": package.credits,
        "package": package_name,
    }


def verified_event(payload: str, signature: str | None) -> dict[str, Any]:
    """The event if the Stripe-Signature header is valid and recent, else 400."""
    import stripe

    try:
        event = stripe.Webhook.construct_event(
            payload, signature, get_secret_setting("STRIPE_WEBHOOK_SECRET")
        )
    except (stripe.SignatureVerificationError, ValueError):
        raise BadRequest("Invalid signature") from None
    # signed, but not a JSON object (the SDK assumes one), or nested too deeply for json.loads
    except (AttributeError, TypeError, RecursionError):
        raise BadRequest("Invalid event") from None
    return event.to_dict()


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else empty: a signed event of an unexpected shape is not a 500."""
    return value if isinstance(value, dict) else {}


def handle_event(event: dict[str, Any]) -> dict[str, Any]:
    """Apply a verified event; anything we do not act on is acknowledged (200) so Stripe stops."""
    kind = event.get("type")
    obj = _object(_object(event.get("data")).get("object"))
    if kind == "payment_intent.succeeded":
        return {"received": True, "credited": _credit_purchase(obj)}
    if isinstance(kind, str) and kind in CLAWBACKS:  # a str: a signed list or object is no key
        return {"received": True, "taken_back": _take_back(kind, obj)}
    if kind == "payment_intent.payment_failed":
        logger.warning("payment failed", extra={"payment_intent_id": obj.get("id")})
    else:
        logger.info("webhook event ignored", extra={"event_type": kind})
    return {"received": True}


# Events that undo a purchase -> the description of the ledger entry that takes its credits back.
CLAWBACKS = {
    "charge.refunded": "Payment refunded: {credits} credits taken back",
    "charge.dispute.created": "Payment disputed: {credits} credits taken back",
}


def _take_back(kind: str, charge_or_dispute: dict[str, Any]) -> bool:
    """A refund (of any amount) or a dispute undoes the whole purchase of its PaymentIntent, once.

    The purchase is found in OUR ledger by the PaymentIntent id (the event names it), so the
    credits taken back are those that were given, and a refund of a payment we never credited
    takes nothing.
    """
    source, intent_id = charge_or_dispute.get("id"), charge_or_dispute.get("payment_intent")
    context = {"event_type": kind, "source": source, "payment_intent_id": intent_id}
    if not (
        isinstance(source, str)
        and 0 < len(source) <= 255
        and isinstance(intent_id, str)
        and 0 < len(intent_id) <= 255
    ):
        logger.error("refund or dispute without its PaymentIntent; nothing taken back", extra=context)
        return False
    purchase = ledger.entry(intent_id)
    if purchase is None or purchase.get("type") != "purchase":
        logger.warning("refund or dispute of a payment we never credited", extra=context)
        return False
    description = CLAWBACKS[kind].format(credits=int(purchase["amount"]))
    taken = ledger.take_back_purchase(purchase, source, description)
    logger.info("purchase taken back" if taken else "purchase already taken back", extra=context)
    return taken


def _credit_purchase(intent: dict[str, Any]) -> bool:
    """Credits come from OUR package table, and only if the money received matches its price."""
    metadata = _object(intent.get("metadata"))
    intent_id, user_id, name = intent.get("id"), metadata.get("user_id"), metadata.get("package")
    package = PACKAGES.get(name) if isinstance(name, str) else None
    received = intent.get("amount_received")
    if received is None:
        received = intent.get("amount")  # localstripe sends no amount_received
    context = {"payment_intent_id": intent_id, "package": name}
    if not (isinstance(intent_id, str) and intent_id and isinstance(user_id, str) and user_id and package):
        logger.error("succeeded payment without our metadata; nothing credited", extra=context)
        return False
    if received != package.amount or str(intent.get("currency", "")).lower() != package.currency:
        logger.error("amount or currency does not match the package; nothing credited", extra=context)
        return False
    added = ledger.add_credits(
        user_id, package.credits, intent_id, "purchase", f"Purchased {metadata['package']}"
    )
    logger.info("purchase applied" if added else "purchase already applied", extra=context)
    if added:
        metrics.record(metrics.CREDITS_PURCHASED, package.credits)
    return added
