"""The emulator's HTTP front end against request smuggling and slow clients (issue 10, "Local stack").

A recording app stands in for the gateway, so what reaches it can be counted; requests are written
byte for byte on a socket.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ytsb_local import gateway

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


class Recording:
    """An HttpApp that answers 200 and remembers every request it was handed."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []

    def handle(
        self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> dict[str, Any]:
        self.requests.append((method, raw_path, body))
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, Recording]]:
    monkeypatch.setattr(gateway._RequestHandler, "header_timeout", 0.5, raising=False)
    app = Recording()
    emulator = gateway.GatewayServer(app, 0)
    emulator.start()
    yield emulator.port, app
    emulator.stop()


def exchange(port: int, data: bytes, wait: float = 5.0) -> bytes:
    """Send ``data`` and read until the server closes the connection (or ``wait`` runs out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_given_two_different_content_lengths_when_sent_then_400_and_the_hidden_request_never_runs(server):
    port, app = server
    # Given: a request whose body, read with the first Content-Length, hides a second request
    hidden = b"POST /v1/videos HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    head = b"POST /v1/credits HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
    smuggling = head + f"Content-Length: {len(hidden)}\r\n\r\n".encode() + hidden
    # When: it is sent
    answer = exchange(port, smuggling)
    # Then: one 400 in the error shape, the connection closed, and nothing reached the functions
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert answer.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in rest
    assert json.loads(rest.partition(b"\r\n\r\n")[2]) == {
        "error": "Conflicting Content-Length headers",
        "details": {},
    }
    assert app.requests == []


def test_given_the_same_content_length_twice_when_sent_then_served_once(server):
    port, app = server
    head = b"POST /v1/credits HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
    request = head + b"Connection: close\r\n\r\n{}"
    assert exchange(port, request).startswith(b"HTTP/1.1 200 ")
    assert app.requests == [("POST", "/v1/credits", b"{}")]


@pytest.mark.parametrize("trickle", [False, True], ids=["silent", "slowloris"])
def test_given_headers_never_completed_when_the_timeout_passes_then_the_connection_is_closed(server, trickle):
    port, app = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        # Given: a client that sends part of its headers, then nothing (or one byte now and then)
        sock.sendall(b"POST /v1/videos HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n")
        started = time.monotonic()
        if trickle:
            with pytest.raises(OSError):  # the server hangs up while the client is still sending
                for _ in range(40):
                    sock.sendall(b"X-Slow: 1\r\n")
                    time.sleep(0.1)
        # When / Then: the server closes the connection after its header timeout, without an answer
        assert sock.recv(1024) == b""
        assert time.monotonic() - started < 3
    assert app.requests == []  # the incomplete request never ran


def test_given_a_prompt_client_then_keep_alive_requests_are_served(server):
    port, app = server
    one = b"GET /v1/credits HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = exchange(port, one + one.replace(b"Host: x", b"Host: x\r\nConnection: close"))
    assert answer.count(b"HTTP/1.1 200 ") == 2 and len(app.requests) == 2


@pytest.mark.parametrize(
    ("size", "status"), [(5 * 1024 * 1024, 200), (6 * 1024 * 1024 + 1, 502)], ids=["5MB", "6MB+1"]
)
def test_given_a_function_answer_over_6_mb_then_502_like_lambda(monkeypatch, size, status):
    from ytsb_local.template import api_cors_headers, api_routes, load_template

    # Given: a function whose response payload is `size` bytes of body
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "x" * size}

    monkeypatch.setattr(gateway, "load_handler", lambda _name: handler)
    template = load_template()
    api = gateway.ApiGateway(api_routes(template), "v1", "us-east-1", {}, api_cors_headers(template))
    # When: the gateway invokes it
    response = api.handle(
        "POST", "/v1/webhooks/stripe", [("Content-Type", "application/json")], b"{}", "127.0.0.1"
    )
    # Then: over Lambda's 6 MB it is API Gateway's 502, in the error shape
    assert response["statusCode"] == status
    if status == 502:
        assert json.loads(response["body"]) == {"error": "Internal server error", "details": {}}
