"""The credits ledger: every movement is ONE transaction writing its ledger entry and moving the
balance, so ``users.credits`` == sum of the user's ledger amounts, always (docs/design.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.config import get_settings
from shared.dal import dynamo
from shared.dal.dynamo import Op, TransactionCancelled
from shared.errors import InsufficientCredits
from shared.ids import now_iso

NEW_ENTRY = "attribute_not_exists(transaction_id)"


def ledger_put(
    user_id: str, amount: int, kind: str, transaction_id: str, reference: str, description: str
) -> Op:
    entry = {
        "transaction_id": transaction_id,
        "user_id": user_id,
        "amount": amount,
        "type": kind,
        "reference": reference,
        "created_at": now_iso(),
        "description": description,
    }
    return ("Put", dynamo.put_op(get_settings().credits_table, entry, NEW_ENTRY))


def balance_update(user_id: str, delta: int, require_at_least: int | None = None) -> Op:
    """Move the balance of an existing user; with ``require_at_least`` only if credits >= it."""
    condition = "attribute_exists(user_id)"
    values: dict[str, Any] = {":d": delta, ":now": now_iso()}
    if require_at_least is not None:
        condition += " AND credits >= :min"
        values[":min"] = require_at_least
    update = "SET credits = credits + :d, updated_at = :now"
    return (
        "Update",
        dynamo.update_op(get_settings().users_table, {"user_id": user_id}, update, condition, None, values),
    )


def ensure_user(user_id: str, email: str | None = None) -> bool:
    """Create the user with the free tier, exactly once (True if this call created it)."""
    settings = get_settings()
    credits, now = settings.free_tier_credits, now_iso()
    user = {"user_id": user_id, "credits": credits, "email": email, "created_at": now, "updated_at": now}
    ops = [
        ("Put", dynamo.put_op(settings.users_table, user, "attribute_not_exists(user_id)")),
        ledger_put(user_id, credits, "grant", f"grant_{user_id}", user_id, "Free tier credits"),
    ]
    try:
        dynamo.transact_write(ops)
    except TransactionCancelled:
        return False  # someone (maybe a parallel request) created it first
    return True


def get_user_credits(user_id: str) -> int:
    """The balance, creating the user (free tier) on first sight."""
    user = dynamo.get_item(get_settings().users_table, {"user_id": user_id}, consistent=True)
    if user is None:
        ensure_user(user_id)
        user = dynamo.get_item(get_settings().users_table, {"user_id": user_id}, consistent=True) or {}
    return int(user.get("credits", 0))


def spend(
    user_id: str, amount: int, transaction_id: str, reference: str, extra_ops: Sequence[Op] = ()
) -> None:
    """Deduct ``amount`` together with ``extra_ops`` (e.g. the new video) in one transaction.

    A missing user is created (free tier) and the spend tried once more; too few credits -> 402.
    """
    ops = [
        balance_update(user_id, -amount, require_at_least=amount),
        ledger_put(user_id, -amount, "spend", transaction_id, reference, f"Spent on {reference}"),
        *extra_ops,
    ]
    for attempt in range(2):
        try:
            dynamo.transact_write(ops)
            return
        except TransactionCancelled as exc:
            code, user = exc.reasons[0] if exc.reasons else ("None", None)
            if code == "ConditionalCheckFailed" and user is None and attempt == 0:
                ensure_user(user_id)
                continue
            if code == "ConditionalCheckFailed" and user is not None:
                raise InsufficientCredits(required=amount, available=int(user.get("credits", 0))) from None
            raise


def attempt_id(kind: str, video_id: str, retries: int) -> str:
    """The ledger key of one attempt at a video: ``spend_<video_id>`` / ``refund_<video_id>`` for the
    first, ``spend_<video_id>_r<n>`` / ``refund_<video_id>_r<n>`` for the n-th retry, so each attempt
    is spent and refunded at most once, and the first attempt keeps the keys it always had."""
    return f"{kind}_{video_id}" if retries == 0 else f"{kind}_{video_id}_r{retries}"


def refund(
    user_id: str,
    amount: int,
    reference: str,
    extra_ops: Sequence[Op] = (),
    transaction_id: str | None = None,
) -> bool:
    """Give back a spend once (ledger key ``transaction_id``, by default ``refund_{reference}``);
    False if it was already refunded (or an ``extra_ops`` condition failed)."""
    key = transaction_id or f"refund_{reference}"
    ops = [
        *extra_ops,
        balance_update(user_id, amount),
        ledger_put(user_id, amount, "refund", key, reference, f"Refund for {reference}"),
    ]
    try:
        dynamo.transact_write(ops)
    except TransactionCancelled:
        return False
    return True


def add_credits(
    user_id: str,
    amount: int,
    transaction_id: str,
    kind: str = "purchase",
    description: str = "Credits purchased",
) -> bool:
    """Idempotent on ``transaction_id``: True if added now, False if this id was already applied."""
    ops = [
        ledger_put(user_id, amount, kind, transaction_id, transaction_id, description),
        balance_update(user_id, amount),
    ]
    for attempt in range(2):
        try:
            dynamo.transact_write(ops)
            return True
        except TransactionCancelled as exc:
            codes = [code for code, _ in exc.reasons]
            if codes and codes[0] == "ConditionalCheckFailed":
                return False  # this transaction id was already applied
            if attempt == 0:
                ensure_user(user_id)  # the user record was missing
                continue
            raise
    return False


def recent_transactions(user_id: str, limit: int = 20) -> list[dict[str, Any]]:
    items, _ = dynamo.query(
        get_settings().credits_table,
        "user_id = :u",
        {":u": user_id},
        index="user-index",
        limit=limit,
        forward=False,
    )
    keys = ("transaction_id", "amount", "type", "reference", "created_at", "description")
    return [{key: item.get(key) for key in keys} for item in items]


__all__ = ["add_credits", "attempt_id", "ensure_user", "get_user_credits", "refund", "spend"]
