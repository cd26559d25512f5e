"""Credit packages, Stripe PaymentIntents, and the webhook's trust rules.

The stripe SDK is imported only here, so only purchase_credits and stripe_webhook pay for it.
One code path serves Stripe and localstripe (STRIPE_API_BASE): no ``description`` or
``receipt_email`` on create, and the webhook accepts ``amount`` when ``amount_received`` is absent.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from shared import ledger
from shared.config import get_secret_setting, get_settings
from shared.errors import BadRequest, DependencyUnavailable
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


def create_payment_intent(user_id: str, package_name: Any) -> dict[str, Any]:
    import stripe

    package = package_named(package_name)
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
    except (AttributeError, TypeError):  # signed, but not a JSON object (the SDK assumes one)
        raise BadRequest("Invalid event") from None
    return event.to_dict()


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else empty: a signed event of an unexpected shape is not a 500."""
    return value if isinstance(value, dict) else {}


def handle_event(event: dict[str, Any]) -> dict[str, Any]:
    """Apply a verified event; anything we do not act on is acknowledged (200) so Stripe stops."""
    kind = event.get("type")
    intent = _object(_object(event.get("data")).get("object"))
    if kind == "payment_intent.succeeded":
        return {"received": True, "credited": _credit_purchase(intent)}
    if kind == "payment_intent.payment_failed":
        logger.warning("payment failed", extra={"payment_intent_id": intent.get("id")})
    else:
        logger.info("webhook event ignored", extra={"event_type": kind})
    return {"received": True}


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
    return added
