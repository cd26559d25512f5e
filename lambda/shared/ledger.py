"""The credits ledger: every movement is ONE transaction writing its ledger entry and moving the
balance, so ``users.credits`` == sum of the user's ledger amounts, always (docs/design.md)."""

from __future__ import annotations

import contextlib
import hashlib
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


class QueueFull(Exception):
    """The spend was refused by the user's ``open_videos`` counter (``seen``), not by the balance."""

    def __init__(self, seen: int) -> None:
        super().__init__(f"open videos: {seen}")
        self.seen = seen


def balance_update(
    user_id: str, delta: int, require_at_least: int | None = None, open_cap: int | None = None
) -> Op:
    """Move the balance of an existing user; with ``require_at_least`` only if credits >= it; with
    ``open_cap`` also count one more open video, only if fewer than ``open_cap`` are counted."""
    condition = "attribute_exists(user_id)"
    values: dict[str, Any] = {":d": delta, ":now": now_iso()}
    if require_at_least is not None:
        condition += " AND credits >= :min"
        values[":min"] = require_at_least
    update = "SET credits = credits + :d, updated_at = :now"
    if open_cap is not None:
        condition += " AND (attribute_not_exists(open_videos) OR open_videos < :cap)"
        update += ", open_videos = if_not_exists(open_videos, :zero) + :one"
        values.update({":cap": open_cap, ":zero": 0, ":one": 1})
    return (
        "Update",
        dynamo.update_op(get_settings().users_table, {"user_id": user_id}, update, condition, None, values),
    )


def normalised_email(email: str) -> str:
    """The one form of an address for "once per person": case, a ``+tag`` and Gmail's dots
    (which Gmail ignores) do not make another person."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def free_grant_id(verified_email: str) -> str:
    """The ledger key of an e-mail's free tier: hashed, so the ledger holds no address."""
    return "grant_email_" + hashlib.sha256(normalised_email(verified_email).encode()).hexdigest()


def ensure_user(user_id: str, verified_email: str | None = None) -> bool:
    """Create the user exactly once (True if this call created it).

    The free tier comes with it only for a verified e-mail that never had it (ledger key
    ``free_grant_id``): deleting the account and signing up again with the same address (a new
    ``sub``) gives an account with 0 credits, and so does an unverified or missing e-mail.
    """
    settings = get_settings()
    now = now_iso()
    user = {"user_id": user_id, "credits": 0, "created_at": now, "updated_at": now}
    new_user = "attribute_not_exists(user_id)"
    if verified_email:
        credits = settings.free_tier_credits
        grant = ledger_put(
            user_id, credits, "grant", free_grant_id(verified_email), user_id, "Free tier credits"
        )
        ops = [("Put", dynamo.put_op(settings.users_table, {**user, "credits": credits}, new_user)), grant]
        try:
            dynamo.transact_write(ops)
            return True
        except TransactionCancelled as exc:
            if exc.reasons and exc.reasons[0][0] == "ConditionalCheckFailed":
                return False  # the user exists (maybe a parallel request created it first)
            granted = exc.reasons[1][1] if len(exc.reasons) > 1 else None
            if granted is not None and granted.get("user_id") == user_id:
                return False  # this very user had it: created before (a second guard of its balance)
            # else this e-mail had its free tier already (an earlier account): the user starts at 0
    try:
        dynamo.transact_write([("Put", dynamo.put_op(settings.users_table, user, new_user))])
    except TransactionCancelled:
        return False
    return True


def get_user_credits(user_id: str, verified_email: str | None = None) -> int:
    """The balance, creating the user (``ensure_user``) on first sight."""
    user = dynamo.get_item(get_settings().users_table, {"user_id": user_id}, consistent=True)
    if user is None:
        ensure_user(user_id, verified_email)
        user = dynamo.get_item(get_settings().users_table, {"user_id": user_id}, consistent=True) or {}
    return int(user.get("credits", 0))


def spend(
    user_id: str,
    amount: int,
    transaction_id: str,
    reference: str,
    extra_ops: Sequence[Op] = (),
    verified_email: str | None = None,
    open_cap: int | None = None,
) -> None:
    """Deduct ``amount`` together with ``extra_ops`` (e.g. the new video) in one transaction.

    A missing user is created (``ensure_user``) and the spend tried once more; too few credits -> 402;
    with ``open_cap`` (``balance_update``), ``open_cap`` videos already counted open -> QueueFull.
    """
    ops = [
        balance_update(user_id, -amount, require_at_least=amount, open_cap=open_cap),
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
                ensure_user(user_id, verified_email)
                continue
            if code == "ConditionalCheckFailed" and user is not None and int(user["credits"]) >= amount:
                raise QueueFull(int(user.get("open_videos", 0))) from None
            if code == "ConditionalCheckFailed" and user is not None:
                raise InsufficientCredits(required=amount, available=int(user.get("credits", 0))) from None
            raise


def set_open_videos(user_id: str, seen: int, actual: int) -> None:
    """Correct the ``open_videos`` counter to ``actual``, only if it still is ``seen`` (a submit in
    between changed it, and the caller's retry sees that)."""
    update = "SET open_videos = :n"
    condition = (
        "open_videos = :seen" if seen else "(attribute_not_exists(open_videos) OR open_videos = :seen)"
    )
    with contextlib.suppress(dynamo.ConditionFailed):  # changed since: the caller retries
        dynamo.update_item(
            get_settings().users_table,
            {"user_id": user_id},
            update,
            condition,
            "NONE",
            values={":n": actual, ":seen": seen},
        )


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
    reference: str | None = None,
) -> bool:
    """Idempotent on ``transaction_id``: True if added now, False if this id was already applied.

    ``amount`` may be negative (a clawback) and then takes the balance below zero if it must.
    """
    ops = [
        ledger_put(user_id, amount, kind, transaction_id, reference or transaction_id, description),
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


def entry(transaction_id: str) -> dict[str, Any] | None:
    """One ledger entry by its key (strongly consistent), e.g. the purchase of a PaymentIntent."""
    return dynamo.get_item(get_settings().credits_table, {"transaction_id": transaction_id}, consistent=True)


def clawback_id(purchase_id: str) -> str:
    """The ledger key of taking back a purchase: ONE per purchase, whether refunded, disputed or both."""
    return f"clawback_{purchase_id}"


def take_back_purchase(purchase: dict[str, Any], source: str, description: str) -> bool:
    """Take a purchase's credits back once (True if now; ``source``: the refunded charge or the dispute,
    kept as the entry's reference), even below zero: credits already spent on
    videos cannot be un-spent, so the balance goes negative and new submits are 402 until it is positive."""
    purchase_id = str(purchase["transaction_id"])
    return add_credits(
        str(purchase["user_id"]),
        -int(purchase["amount"]),
        clawback_id(purchase_id),
        "clawback",
        description,
        reference=source,
    )


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


__all__ = [
    "QueueFull",
    "add_credits",
    "attempt_id",
    "clawback_id",
    "ensure_user",
    "entry",
    "get_user_credits",
    "refund",
    "set_open_videos",
    "spend",
    "take_back_purchase",
]
