"""The one error map and the API helpers: safe bodies, right statuses, no exception text."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from shared import api
from shared.errors import (
    BadRequest,
    DependencyUnavailable,
    InsufficientCredits,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    http_error,
)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (BadRequest("x"), 400),
        (Unauthorized("x"), 401),
        (InsufficientCredits(1, 0), 402),
        (NotFound("x"), 404),
        (MethodNotAllowed("x"), 405),
        (DependencyUnavailable(), 503),
        (ClientError({"Error": {"Code": "ThrottlingException", "Message": "internal detail"}}, "Query"), 503),
        (EndpointConnectionError(endpoint_url="http://10.0.0.1"), 503),
        (RuntimeError("db password=hunter2"), 500),
    ],
)
def test_given_exception_when_mapping_then_status_and_no_internal_text(exc, status):
    code, message, _ = http_error(exc)
    assert code == status
    assert "hunter2" not in message and "internal detail" not in message and "10.0.0.1" not in message


def test_given_insufficient_credits_then_details_name_required_and_available():
    assert http_error(InsufficientCredits(1, 0))[2] == {"required": 1, "available": 0}


def test_given_handler_that_raises_when_wrapped_then_generic_500_body():
    @api.api_handler
    def boom(event, context):
        raise KeyError("secret_internal_key")

    response = boom({}, None)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {"error": "Internal server error", "details": {}}


@pytest.mark.parametrize("body", ["{", "[]", '"text"', "42"])
def test_given_non_object_json_when_parsing_body_then_400(body):
    with pytest.raises(BadRequest):
        api.json_body({"body": body})


def test_given_base64_body_when_parsing_then_decoded():
    raw = base64.b64encode(b'{"url": "x"}').decode()
    assert api.json_body({"body": raw, "isBase64Encoded": True}) == {"url": "x"}


def test_given_mixed_case_header_when_looking_up_then_found():
    assert api.header({"headers": {"stripe-signature": "t=1"}}, "Stripe-Signature") == "t=1"
    assert api.header({"headers": None}, "Authorization") is None


def test_given_missing_fields_when_validating_then_all_named():
    with pytest.raises(BadRequest) as caught:
        api.validate_required_fields({"a": 1, "b": ""}, ["a", "b", "c"])
    assert caught.value.details == {"missing": ["b", "c"]}


def test_given_route_with_trailing_slash_then_normalised():
    assert api.route({"httpMethod": "get", "resource": "/credits/"}) == ("GET", "/credits")


def test_given_decimal_values_when_responding_then_plain_json_numbers():
    from decimal import Decimal

    response = api.success_response({"n": Decimal("3"), "f": Decimal("1.5")}, 201)
    assert response["statusCode"] == 201 and json.loads(response["body"]) == {"n": 3, "f": 1.5}
