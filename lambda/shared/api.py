"""API Gateway REST proxy events in, proxy responses out, and the decorator that maps errors."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shared.errors import BadRequest, MethodNotAllowed, TooManyRequests, http_error
from shared.log import logger

Event = dict[str, Any]
Response = dict[str, Any]

_HEADERS = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def success_response(data: Any, status_code: int = 200) -> Response:
    return {"statusCode": status_code, "headers": dict(_HEADERS), "body": json.dumps(data, default=_default)}


def error_response(status_code: int, message: str, details: dict[str, Any] | None = None) -> Response:
    return success_response({"error": message, "details": details or {}}, status_code)


def api_handler(fn: Callable[[Event, Any], Response]) -> Callable[[Event, Any], Response]:
    """Turn every exception into the mapped error response; unexpected ones are logged, not shown."""

    @functools.wraps(fn)
    def wrapper(event: Event, context: Any) -> Response:
        try:
            return fn(event, context)
        except Exception as exc:  # noqa: BLE001 - the one place every failure becomes a response
            status, message, details = http_error(exc)
            if status >= 500:
                logger.exception("request failed", extra={"status": status})
            else:
                logger.info("request rejected", extra={"status": status, "error": message})
            response = error_response(status, message, details)
            if isinstance(exc, TooManyRequests):
                response["headers"]["Retry-After"] = str(exc.retry_after)
            return response

    return wrapper


def raw_body(event: Event) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):  # API Gateway's encoding of a body that is not UTF-8 text
        try:
            body = base64.b64decode(body).decode("utf-8")
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            raise BadRequest("The request body is not valid UTF-8 text") from None
    return body


def json_body(event: Event) -> dict[str, Any]:
    text = raw_body(event)
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply ("[[[[...")
        raise BadRequest("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object")
    return data


def header(event: Event, name: str) -> str | None:
    """Header lookup ignoring case (API Gateway keeps the client's spelling)."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted:
            return value
    return None


def path_param(event: Event, name: str) -> str:
    value = (event.get("pathParameters") or {}).get(name)
    if not value:
        raise BadRequest(f"Missing path parameter: {name}")
    return str(value)


def query_params(event: Event) -> dict[str, str]:
    return dict(event.get("queryStringParameters") or {})


def query_bool(event: Event, name: str, default: bool = False) -> bool:
    raw = query_params(event).get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no"}:
        return False
    raise BadRequest(f"Invalid {name}", {name: "must be true or false"})


def route(event: Event) -> tuple[str, str]:
    """(METHOD, resource path) of the request, e.g. ("GET", "/credits")."""
    method = str(event.get("httpMethod") or "").upper()
    path = str(event.get("resource") or event.get("path") or "")
    return method, path.rstrip("/") or "/"


def validate_required_fields(data: dict[str, Any], required_fields: list[str]) -> None:
    """400 naming every missing or empty field."""
    missing = [field for field in required_fields if data.get(field) in (None, "")]
    if missing:
        raise BadRequest("Missing required fields", {"missing": missing})


def method_not_allowed(allowed: list[str]) -> MethodNotAllowed:
    return MethodNotAllowed("Method not allowed", {"allowed": allowed})
