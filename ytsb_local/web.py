"""The page on the API's port: files of web/, a /config.json from the stack's state, the local Stripe.js.

Every path that is not the API's (the stage, or the first segment of an API route: see
``ApiGateway.owns``) belongs to the page, so a file can never shadow an API route. Files come from
web/ only: the path is percent-decoded once, a segment that is empty, starts with a dot, or holds a
backslash or a control character is refused, and the resolved file must still lie inside web/ (no
symlink out of it). Every answer made here carries the page's security headers (ytsb_local.csp);
the API's answers stay exactly the functions' own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ytsb_local import card_payments
from ytsb_local.csp import security_headers
from ytsb_local.gateway import ApiGateway, json_error
from ytsb_local.stripe import DEV_PUBLISHABLE_KEY, StripeApi

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STRIPE_JS = Path(__file__).resolve().parent / "static" / "stripe-local.js"
STRIPE_JS_URL = "/local/stripe.js"
LOCAL_STRIPE_ROUTES = {
    "/local/stripe/confirm": card_payments.confirm,
    "/local/stripe/authenticate": card_payments.authenticate,
}
MAX_LOCAL_BODY = 64 * 1024
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}


def page_config(
    stage: str, region: str, aws_url: str, pool_id: str, client_id: str, free_credits: int
) -> dict[str, Any]:
    """config.json for the local stack: the API on the same origin, Cognito at moto, our Stripe.js."""
    return {
        "apiBase": f"/{stage}",
        "region": region,
        "cognitoEndpoint": aws_url.rstrip("/") + "/",
        "userPoolId": pool_id,
        "userPoolClientId": client_id,
        "stripeJsUrl": STRIPE_JS_URL,
        "stripePublishableKey": DEV_PUBLISHABLE_KEY,
        "freeCredits": free_credits,
    }


def request_path(raw_path: str) -> str:
    """The path of a request target, still percent-encoded (``//x`` stays a path, not a host)."""
    if raw_path.startswith("/"):
        return raw_path.split("?", 1)[0].split("#", 1)[0]
    return urlsplit(raw_path).path or "/"  # absolute-form: http://host/path


def resolve(root: Path, path: str) -> Path | None:
    """The file under ``root`` that ``path`` names, or None when it names anything else."""
    if path == "/":
        path = "/index.html"
    try:  # raw non-ASCII bytes, or escapes that are not UTF-8: no file of ours has such a name
        segments = unquote(path, errors="strict").split("/")[1:] if path.isascii() else []
    except UnicodeDecodeError:
        return None
    if not segments or any(
        not s or s.startswith(".") or "\\" in s or any(ord(c) < 32 or ord(c) == 127 for c in s)
        for s in segments
    ):
        return None
    base = root.resolve()
    try:
        candidate = base.joinpath(*segments).resolve(strict=True)
    except (OSError, ValueError):  # missing, a loop, or a name the OS refuses
        return None
    return candidate if candidate.is_relative_to(base) and candidate.is_file() else None


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


class WebFront:
    """The gateway's front door: API paths to the API, everything else to the page."""

    def __init__(self, api: ApiGateway, config: dict[str, Any], stripe: StripeApi, root: Path = WEB_DIR):
        self.api, self.config, self.stripe, self.root = api, config, stripe, root
        self.headers = security_headers(config)

    def handle(
        self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> dict[str, Any]:
        path = request_path(raw_path)
        if self.api.owns(path):
            return self.api.handle(method, raw_path, headers, body, source_ip)
        response = self.page(method, path, headers, body)
        response["headers"].update(self.headers)
        return response

    def page(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
        route = LOCAL_STRIPE_ROUTES.get(path)
        if route is not None:
            if method != "POST":
                return _not_allowed(method, path, "POST")
            if len(body) > MAX_LOCAL_BODY:
                return json_error(413, "Request body too large", {"max_bytes": MAX_LOCAL_BODY})
            status, answer = route(self.stripe, body)
            return _json(status, answer)
        if path == "/config.json":  # from the stack's state, never a file in web/
            response = _json(200, self.config)
        else:
            file = STRIPE_JS if path == STRIPE_JS_URL else resolve(self.root, path)
            if file is None:
                return json_error(404, "Not found")
            response = _file(file, _header(headers, "if-none-match"))
        return response if method in ("GET", "HEAD") else _not_allowed(method, path, "GET, HEAD")


def _json(status: int, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-cache"},
        "body": json.dumps(data),
    }


def _not_allowed(method: str, path: str, allow: str) -> dict[str, Any]:
    response = json_error(405, "Method not allowed", {"method": method, "path": path})
    response["headers"]["Allow"] = allow
    return response


def _file(path: Path, if_none_match: str) -> dict[str, Any]:
    """The file, or 304 when the browser's copy is current (``Cache-Control: no-cache`` asks each time)."""
    stat = path.stat()
    etag = f'W/"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in (tag.strip() for tag in if_none_match.split(",")) or if_none_match.strip() == "*":
        return {"statusCode": 304, "headers": headers, "body": b""}
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": content_type, **headers},
        "body": path.read_bytes(),
    }
