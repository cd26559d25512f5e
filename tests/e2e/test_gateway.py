"""The stack's API Gateway emulator: the REST proxy event it builds, its routing and its authorizer.

A recording handler stands in for the functions so the event itself can be inspected; the
routes are the template's own.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ytsb_local import gateway
from ytsb_local.template import api_cors_headers, api_routes, load_template

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> tuple[gateway.ApiGateway, list[tuple[dict[str, Any], Any]]]:
    calls: list[tuple[dict[str, Any], Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append((event, context))
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    monkeypatch.setattr(gateway, "load_handler", lambda _name: handler)
    template = load_template()
    api = gateway.ApiGateway(api_routes(template), "v1", "us-east-1", {}, api_cors_headers(template))
    return api, calls


def test_given_a_webhook_request_then_the_event_has_the_rest_proxy_shape(recorded: Any) -> None:
    api, calls = recorded
    # When a request with repeated query parameters and headers reaches the unauthenticated route
    headers = [("Stripe-Signature", "t=1,v1=ab"), ("X-Twice", "a"), ("X-Twice", "b")]
    response = api.handle("POST", "/v1/webhooks/stripe?x=1&x=2&y=", headers, b'{"id": "evt_1"}', "127.0.0.1")
    # Then the handler got API Gateway's event and its response passed through
    assert response["statusCode"] == 200
    (event, context), = calls  # fmt: skip
    assert event["resource"] == "/webhooks/stripe" and event["path"] == "/webhooks/stripe"
    assert (
        event["httpMethod"] == "POST" and event["body"] == '{"id": "evt_1"}' and not event["isBase64Encoded"]
    )
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["headers"]["X-Twice"] == "b" and event["multiValueHeaders"]["X-Twice"] == ["a", "b"]
    assert event["pathParameters"] is None
    ctx = event["requestContext"]
    assert (ctx["stage"], ctx["resourcePath"], ctx["httpMethod"]) == ("v1", "/webhooks/stripe", "POST")
    assert ctx["requestId"] and ctx["identity"]["sourceIp"] == "127.0.0.1" and "authorizer" not in ctx
    assert context.function_name == "StripeWebhookFunction" and context.get_remaining_time_in_millis() > 0


def test_given_binary_body_and_encoded_path_then_body_is_base64_and_params_decoded(
    recorded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, calls = recorded
    monkeypatch.setattr(gateway.ApiGateway, "authorize", lambda self, headers: {"sub": "u1"})
    api.handle("GET", "/videos/video%5F1", [], b"\xff\x00", "127.0.0.1")
    (event, _), = calls  # fmt: skip
    assert event["pathParameters"] == {"video_id": "video_1"}
    assert event["isBase64Encoded"] and base64.b64decode(event["body"]) == b"\xff\x00"
    assert event["requestContext"]["authorizer"] == {"claims": {"sub": "u1"}}


def test_given_no_token_or_unknown_route_or_method_then_json_errors_and_no_call(recorded: Any) -> None:
    api, calls = recorded
    cases = {("GET", "/credits"): 401, ("GET", "/nowhere"): 404, ("DELETE", "/videos"): 405}
    for (method, path), status in cases.items():
        response = api.handle(method, path, [("Authorization", "Bearer ")], b"", "127.0.0.1")
        assert response["statusCode"] == status
        assert set(json.loads(response["body"])) == {"error", "details"}
    assert calls == []


def test_given_the_templates_cors_then_a_preflight_is_answered_without_a_token(recorded: Any) -> None:
    api, calls = recorded
    response = api.handle(
        "OPTIONS", "/v1/videos/abc", [("Origin", "http://localhost:3000")], b"", "127.0.0.1"
    )
    assert response["statusCode"] == 200
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response["headers"]["Access-Control-Allow-Headers"]
    assert calls == []
