"""The helpers the specification names, with its names and signatures, delegating to one home each."""

from __future__ import annotations

import secrets
from typing import Any

from shared import ledger
from shared.api import error_response, success_response, validate_required_fields
from shared.auth import extract_user_id_from_event, verify_jwt_token
from shared.dal import dynamo
from shared.dal.s3 import generate_presigned_url, get_from_s3, upload_to_s3
from shared.dal.sqs import send_sqs_message
from shared.videos import validate_youtube_url

__all__ = [
    "add_credits",
    "deduct_credits",
    "error_response",
    "extract_user_id_from_event",
    "generate_presigned_url",
    "get_from_s3",
    "get_item",
    "get_user_credits",
    "put_item",
    "query_items",
    "send_sqs_message",
    "success_response",
    "update_item",
    "upload_to_s3",
    "validate_required_fields",
    "validate_youtube_url",
    "verify_jwt_token",
]


def get_item(table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    return dynamo.get_item(table_name, key)


def put_item(table_name: str, item: dict[str, Any]) -> None:
    dynamo.put_item(table_name, item)


def update_item(table_name: str, key: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """SET every field of ``updates``; returns the item as it is now."""
    names = {f"#f{i}": field for i, field in enumerate(updates)}
    values = {f":v{i}": value for i, value in enumerate(updates.values())}
    expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(updates)))
    return dynamo.update_item(table_name, key, expression, names=names, values=values)


def query_items(
    table_name: str,
    index_name: str | None,
    key_condition: str,
    expression_values: dict[str, Any],
    limit: int | None = None,
    last_key: dict[str, Any] | None = None,
    scan_forward: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of a query: (items, LastEvaluatedKey)."""
    return dynamo.query(
        table_name,
        key_condition,
        expression_values,
        index=index_name,
        limit=limit,
        start_key=last_key,
        forward=scan_forward,
    )


def get_user_credits(user_id: str) -> int:
    return ledger.get_user_credits(user_id)


def deduct_credits(user_id: str, amount: int, reference: str | None = None) -> None:
    """Spend ``amount`` with its ledger entry in one transaction; 402 (InsufficientCredits) if too few."""
    reference = reference or f"manual_{secrets.token_hex(8)}"
    ledger.spend(user_id, amount, f"spend_{reference}", reference)


def add_credits(user_id: str, amount: int, transaction_id: str) -> bool:
    """Idempotent on ``transaction_id``: True if added now, False if it was already applied."""
    return ledger.add_credits(user_id, amount, transaction_id)
