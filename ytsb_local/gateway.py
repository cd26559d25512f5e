"""API Gateway, emulated: the routes of template.yaml as REST proxy events, with the Cognito authorizer.

Like API Gateway's Cognito authorizer without OAuth scopes, it accepts id tokens (not access
tokens). Differences from AWS, on purpose: an unknown path is a JSON 404 and a known path with another
method a JSON 405 (API Gateway answers 403 "Missing Authentication Token" to both), and the
stage prefix (``/v1``) is optional. Like Lambda, a request body over 6 MB is a 413 (API Gateway's own
limit, 10 MB, is enforced before the body is read), and a function's response over 6 MB is a 502.
Request smuggling and slow clients are refused as a
front end would: two different ``Content-Length`` headers are a 400 (the first alone would leave a
second request hidden in the body), and a connection that has not sent a complete request line and
headers within ``HEADER_TIMEOUT`` seconds is closed. Every answer the emulator makes itself, down to a
malformed request line, is in the backend's JSON error shape. On the same port, every path that is not
the API's (``ApiGateway.owns``) is the web page's (ytsb_local.web).
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import re
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from ytsb_local.template import Route

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class HttpApp(Protocol):
    """What the HTTP server serves: the API alone, or the page in front of it (ytsb_local.web)."""

    def handle(
        self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> dict[str, Any]: ...


LAMBDA_MAX_PAYLOAD = 6 * 1024 * 1024  # a synchronous invocation's request payload
API_GATEWAY_MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway rejects more without invoking anything
HEADER_TIMEOUT = 10.0  # seconds for a request line and its headers (a slow client holds a thread)


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 256
    timeout_seconds: int = 29
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    region: str = "us-east-1"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = f"arn:aws:lambda:{self.region}:123456789012:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(handler: str) -> Handler:
    """``submit_video.handler.lambda_handler`` -> the function (imported on first use, like a cold start)."""
    module, _, name = handler.rpartition(".")
    return getattr(importlib.import_module(module), name)


def json_error(status: int, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A proxy response in the backend's one error shape."""
    from shared.api import error_response

    return error_response(status, message, details)


class _Rejected(Exception):
    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__(response["statusCode"])
        self.response = response


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]


class ApiGateway:
    """Matches a request to a route, authorizes it, builds the proxy event and calls the handler."""

    def __init__(
        self,
        routes: list[Route],
        stage: str,
        region: str,
        functions: dict[str, dict[str, Any]],
        cors_headers: dict[str, str] | None = None,
    ):
        self.stage = stage
        self.cors_headers = cors_headers or {}
        self.region = region
        self.functions = functions  # logical id -> {"memory": MB, "timeout": s}
        self.routes = [
            _CompiledRoute(
                r, re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(r.path)) + "$")
            )
            for r in routes
        ]
        self.prefixes = {stage} | {r.path.strip("/").split("/", 1)[0] for r in routes}

    def owns(self, path: str) -> bool:
        """Whether a (still encoded) path is the API's: the stage, or a route's first segment."""
        return path.lstrip("/").split("/", 1)[0] in self.prefixes

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | int:
        """The route and its path parameters, or 404 / 405."""
        found_path = False
        for compiled in self.routes:
            m = compiled.pattern.match(path)
            if m:
                found_path = True
                if compiled.route.method == method:
                    return compiled.route, {k: unquote(v) for k, v in m.groupdict().items()}
        return 405 if found_path else 404

    def authorize(self, headers: dict[str, str]) -> dict[str, str]:
        """Claims as the Cognito authorizer passes them (all strings), or raises _Rejected."""
        from shared.auth import verify_jwt_token
        from shared.errors import http_error

        raw = next((v for k, v in headers.items() if k.lower() == "authorization"), "").strip()
        token = raw[7:].strip() if raw[:7].lower() == "bearer " else raw
        if not token:
            raise _Rejected(json_error(401, "Unauthorized"))
        try:
            claims = verify_jwt_token(token)
        except Exception as exc:  # noqa: BLE001 - mapped by the backend's one error map
            status, message, _details = http_error(exc)
            raise _Rejected(
                json_error(401, "Unauthorized") if status == 401 else json_error(status, message)
            ) from None
        if claims.get("token_use") != "id":  # a Cognito authorizer without OAuth scopes takes id tokens only
            raise _Rejected(json_error(401, "Unauthorized"))
        return {
            k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, list) else str(v)
            for k, v in claims.items()
        }

    def handle(
        self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> dict[str, Any]:
        """One HTTP request in, one proxy response out (the handler's, or the gateway's own error)."""
        url = urlsplit(raw_path)
        path = url.path
        if path == f"/{self.stage}" or path.startswith(f"/{self.stage}/"):
            path = path[len(self.stage) + 1 :] or "/"
        path = path.rstrip("/") or "/"
        matched = self.match(method, path)
        if matched == 404:
            return json_error(404, "Not found", {"path": path})
        if method == "OPTIONS" and self.cors_headers:  # the CORS preflight SAM adds for each path
            return {"statusCode": 200, "headers": dict(self.cors_headers), "body": ""}
        if isinstance(matched, int):
            response = json_error(405, "Method not allowed", {"method": method, "path": path})
            response["headers"]["Allow"] = ", ".join(self.allowed_methods(path))  # RFC 9110: a 405 lists them
            return response
        route, path_params = matched
        event = self.event(route, method, path, path_params, url.query, headers, body, source_ip)
        if route.authorized:
            try:
                event["requestContext"]["authorizer"] = {"claims": self.authorize(event["headers"] or {})}
            except _Rejected as rejected:
                return rejected.response
        if len(body) > LAMBDA_MAX_PAYLOAD:  # Lambda refuses the invocation; nothing runs
            return json_error(413, "Request body too large", {"max_bytes": LAMBDA_MAX_PAYLOAD})
        return self.invoke(route, event)

    def allowed_methods(self, path: str) -> list[str]:
        methods = {c.route.method for c in self.routes if c.pattern.match(path)}
        return sorted(methods | ({"OPTIONS"} if self.cors_headers else set()))

    def event(
        self,
        route: Route,
        method: str,
        path: str,
        path_params: dict[str, str],
        query_string: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
    ) -> dict[str, Any]:
        """API Gateway's REST proxy event (payload format 1.0)."""
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            multi_headers.setdefault(name, []).append(value)
        query = parse_qs(query_string, keep_blank_values=True)
        try:
            text_body, is_b64 = (body.decode("utf-8") if body else None), False
        except UnicodeDecodeError:
            text_body, is_b64 = base64.b64encode(body).decode("ascii"), True
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": method,
            "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": method,
                "path": f"/{self.stage}{path}",
                "stage": self.stage,
                "requestId": str(uuid.uuid4()),
                "accountId": "123456789012",
                "apiId": "local",
                "protocol": "HTTP/1.1",
                "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": source_ip, "userAgent": dict(headers).get("User-Agent")},
            },
            "body": text_body,
            "isBase64Encoded": is_b64,
        }

    def invoke(self, route: Route, event: dict[str, Any]) -> dict[str, Any]:
        limits = self.functions.get(route.function, {})
        context = LambdaContext(
            route.function, limits.get("memory", 256), limits.get("timeout", 29), region=self.region
        )
        try:
            response = load_handler(route.handler)(event, context)
        except Exception:  # noqa: BLE001 - Lambda reports a crash as 502 and logs the traceback
            traceback.print_exc(file=sys.stderr)
            return _function_failed()
        size = len(json.dumps(response).encode("utf-8"))
        if size > LAMBDA_MAX_PAYLOAD:  # Lambda refuses to return it: API Gateway answers 502
            print(f"{route.function}: response payload of {size} bytes is over 6 MB", file=sys.stderr)
            return _function_failed()
        return response


def _function_failed() -> dict[str, Any]:
    """What API Gateway answers when the function crashed or its response was over Lambda's 6 MB."""
    return {
        "statusCode": 502,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": "Internal server error", "details": {}}),
    }


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body of every answer on a kept-alive
    # connection waited for the client's delayed ACK (~40 ms per request; bench/local_api.py).
    disable_nagle_algorithm = True
    header_timeout = HEADER_TIMEOUT

    def handle_one_request(self) -> None:
        """One request, with a deadline for its request line and headers (not just for each read)."""
        self._headers_late = False
        self._header_timer = threading.Timer(self.header_timeout, self._drop_slow_client)
        self._header_timer.daemon = True
        self._header_timer.start()
        try:
            super().handle_one_request()
        finally:
            self._header_timer.cancel()

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self._header_timer.cancel()
        if self._headers_late:  # what arrived before the deadline is not a complete request: drop it
            self.close_connection = True
            return False
        return parsed

    def _drop_slow_client(self) -> None:
        self._headers_late = True
        with contextlib.suppress(OSError):  # already closed by the client
            self.connection.shutdown(socket.SHUT_RDWR)  # the blocked read returns; the thread ends

    def _serve(self) -> None:
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        # Refused before reading the body, so the connection cannot be reused: answer, then close.
        if self.headers.get("Transfer-Encoding"):  # the body's end would be unknown
            return self._reply_and_close(json_error(411, "Length required", {"Content-Length": "required"}))
        if len(lengths) > 1:  # which one ends the body? (request smuggling)
            return self._reply_and_close(json_error(400, "Conflicting Content-Length headers"))
        if not raw_length.isascii() or not raw_length.isdigit():
            return self._reply_and_close(json_error(400, "Invalid Content-Length"))
        length = int(raw_length)
        if length > API_GATEWAY_MAX_PAYLOAD:
            return self._reply_and_close(
                json_error(413, "Request body too large", {"max_bytes": LAMBDA_MAX_PAYLOAD})
            )
        body = self.rfile.read(length) if length else b""
        response = self.server.gateway.handle(  # type: ignore[attr-defined]
            self.command, self.path, list(self.headers.items()), body, self.client_address[0]
        )
        self._reply(response)

    def _reply(self, response: dict[str, Any]) -> None:
        data = response.get("body") or b""  # bytes from the page (ytsb_local.web), text from a function
        if isinstance(data, str):
            data = base64.b64decode(data) if response.get("isBase64Encoded") else data.encode("utf-8")
        status = int(response.get("statusCode", 200))
        self.send_response(status)
        for name, value in (response.get("headers") or {}).items():
            self.send_header(name, str(value))
        for name, values in (response.get("multiValueHeaders") or {}).items():
            for value in values:
                self.send_header(name, str(value))
        if status != 304:  # a 304 has no body, and its length would be the full answer's
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def __getattr__(self, name: str) -> Any:
        """Any method reaches the gateway (``do_QUERY`` too): 405 on a known path, not http.server's 501."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, header too long, unknown method): JSON, not HTML."""
        self.log_error("code %d, message %s", code, message)
        phrase = self.responses.get(code, ("Error",))[0]  # never the raw request line it may quote
        self._reply_and_close(json_error(code, phrase))

    def _reply_and_close(self, response: dict[str, Any]) -> None:
        response["headers"]["Connection"] = "close"
        self._reply(response)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # getattr: http.server logs a request line it could not parse before setting path and command
        command, path = getattr(self, "command", None), getattr(self, "path", None)
        sys.stderr.write(f"api  {command} {path} -> {args[1] if len(args) > 1 else ''}\n")


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog (5) resets bursts of parallel clients
    daemon_threads = True


class GatewayServer:
    """The emulator on 127.0.0.1 in a daemon thread (port 0 picks a free port)."""

    def __init__(self, gateway: HttpApp, port: int) -> None:
        self._server = _Server(("127.0.0.1", port), _RequestHandler)
        self._server.gateway = gateway  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="api", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_port

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
