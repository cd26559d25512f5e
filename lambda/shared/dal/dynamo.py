"""DynamoDB through the low-level client, with plain Python values in and out.

Condition failures become ``ConditionFailed`` / ``TransactionCancelled`` so the domain can
decide; any other ClientError propagates (the error map turns it into a 503).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from shared.aws import client

Item = dict[str, Any]
# One operation of a transaction: ("Put" | "Update" | "Delete" | "ConditionCheck", the operation).
Op = tuple[str, dict[str, Any]]
_CONFLICT_ATTEMPTS = 4


class ConditionFailed(Exception):
    """A conditional write did not apply; ``item`` is the current item when DynamoDB returned it."""

    def __init__(self, item: Item | None = None) -> None:
        super().__init__("condition failed")
        self.item = item


class TransactionCancelled(Exception):
    """``reasons[i]`` is (code, current item or None) for the i-th operation; code "None" = fine."""

    def __init__(self, reasons: list[tuple[str, Item | None]]) -> None:
        super().__init__("transaction cancelled: " + ", ".join(code for code, _ in reasons))
        self.reasons = reasons


def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | set):
        return [_plain(inner) for inner in value]
    return value


def _to_ddb(value: Any) -> Any:
    if isinstance(value, float):
        value = Decimal(str(value))
    elif isinstance(value, dict):
        value = {
            key: _to_ddb(inner) if isinstance(inner, float | dict) else inner for key, inner in value.items()
        }
    return value


def serialize(item: Item) -> dict[str, Any]:
    ser = _serializer()
    return {key: ser.serialize(_to_ddb(value)) for key, value in item.items() if value is not None}


def deserialize(raw: dict[str, Any] | None) -> Item | None:
    if raw is None:
        return None
    from boto3.dynamodb.types import TypeDeserializer

    de = TypeDeserializer()
    return {key: _plain(de.deserialize(value)) for key, value in raw.items()}


def _expression(op: dict[str, Any], names: dict[str, str] | None, values: Item | None) -> dict[str, Any]:
    if names:
        op["ExpressionAttributeNames"] = names
    if values:
        op["ExpressionAttributeValues"] = serialize(values)
    return op


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def get_item(table: str, key: Item, consistent: bool = False) -> Item | None:
    response = client("dynamodb").get_item(TableName=table, Key=serialize(key), ConsistentRead=consistent)
    return deserialize(response.get("Item"))


def put_op(
    table: str,
    item: Item,
    condition: str | None = None,
    names: dict[str, str] | None = None,
    values: Item | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table, "Item": serialize(item)}
    if condition:
        op["ConditionExpression"] = condition
    return _expression(op, names, values)


def update_op(
    table: str,
    key: Item,
    update: str,
    condition: str | None = None,
    names: dict[str, str] | None = None,
    values: Item | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table, "Key": serialize(key), "UpdateExpression": update}
    if condition:
        op["ConditionExpression"] = condition
    return _expression(op, names, values)


def delete_op(
    table: str,
    key: Item,
    condition: str | None = None,
    names: dict[str, str] | None = None,
    values: Item | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table, "Key": serialize(key)}
    if condition:
        op["ConditionExpression"] = condition
    return _expression(op, names, values)


def put_item(table: str, item: Item, condition: str | None = None, **expr: Any) -> None:
    from botocore.exceptions import ClientError

    try:
        client("dynamodb").put_item(**put_op(table, item, condition, **expr))
    except ClientError as exc:
        if _code(exc) == "ConditionalCheckFailedException":
            raise ConditionFailed() from None
        raise


def update_item(
    table: str,
    key: Item,
    update: str,
    condition: str | None = None,
    return_values: str = "ALL_NEW",
    **expr: Any,
) -> Item:
    """Apply an update; on a failed condition raise ConditionFailed carrying the current item."""
    from botocore.exceptions import ClientError

    op = update_op(table, key, update, condition, **expr)
    if condition:
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        response = client("dynamodb").update_item(ReturnValues=return_values, **op)
    except ClientError as exc:
        if _code(exc) == "ConditionalCheckFailedException":
            raise ConditionFailed(deserialize(exc.response.get("Item"))) from None
        raise
    return deserialize(response.get("Attributes")) or {}


def transact_write(ops: Sequence[Op]) -> None:
    """One TransactWriteItems call; ops are ("Put" | "Update" | "Delete" | "ConditionCheck", op)."""
    from botocore.exceptions import ClientError

    items = []
    for kind, op in ops:
        if "ConditionExpression" in op:
            op = {**op, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        items.append({kind: op})
    for attempt in range(_CONFLICT_ATTEMPTS):
        try:
            client("dynamodb").transact_write_items(TransactItems=items)
            return
        except ClientError as exc:
            if _code(exc) != "TransactionCanceledException":
                raise
            reasons = [
                (str(reason.get("Code", "None")), deserialize(reason.get("Item")))
                for reason in exc.response.get("CancellationReasons", [])
            ]
            codes = {code for code, _ in reasons} - {"None"}
            if codes == {"TransactionConflict"} and attempt + 1 < _CONFLICT_ATTEMPTS:
                time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)  # another transaction held the item
                continue
            if codes - {"ConditionalCheckFailed"}:
                raise  # throttling or conflicts that persist: a dependency problem (503)
            raise TransactionCancelled(reasons) from None


def query(
    table: str,
    key_condition: str,
    values: Item,
    names: dict[str, str] | None = None,
    index: str | None = None,
    filter_expression: str | None = None,
    limit: int | None = None,
    start_key: Item | None = None,
    forward: bool = True,
) -> tuple[list[Item], Item | None]:
    """One Query call: (items, LastEvaluatedKey or None)."""
    params: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": key_condition,
        "ScanIndexForward": forward,
    }
    if index:
        params["IndexName"] = index
    if filter_expression:
        params["FilterExpression"] = filter_expression
    if limit:
        params["Limit"] = limit
    if start_key:
        params["ExclusiveStartKey"] = serialize(start_key)
    _expression(params, names, values)
    response = client("dynamodb").query(**params)
    items = [deserialize(raw) or {} for raw in response.get("Items", [])]
    return items, deserialize(response.get("LastEvaluatedKey"))
