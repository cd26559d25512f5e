"""Cognito JWT verification through a handler: what is accepted and what is refused (401)."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from get_video.handler import lambda_handler as get_video
from shared.auth import verify_jwt_token

CLIENT_ID = "test-app-client"


def status_for(invoke, api_event, token: str) -> int:
    event = api_event(
        "GET", "/videos/{video_id}", token=token, path_params={"video_id": "video_1_aaaaaaaaaaaa"}
    )
    return invoke(get_video, event)[0]


def test_given_valid_id_token_when_calling_then_authenticated(invoke, api_event, make_token):
    # A valid token reaches the handler, which answers 404 for an unknown video (not 401)
    assert status_for(invoke, api_event, make_token("user-1")) == 404


def test_given_access_token_for_our_client_when_verifying_then_claims(make_token):
    token = make_token("user-2", token_use="access", aud=None, client_id=CLIENT_ID)
    assert verify_jwt_token(token)["sub"] == "user-2"


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 10},
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/other-pool"},
        {"aud": "another-client"},
        {"token_use": "access", "aud": None, "client_id": "another-client"},
        {"token_use": "refresh"},
        {"token_use": None},
        {"exp": None},
    ],
    ids=[
        "expired",
        "wrong-issuer",
        "id-wrong-aud",
        "access-wrong-client",
        "bad-token-use",
        "no-token-use",
        "no-exp",
    ],
)
def test_given_bad_claims_when_calling_then_401(invoke, api_event, make_token, overrides):
    assert status_for(invoke, api_event, make_token("user-1", **overrides)) == 401


def test_given_token_signed_by_another_key_when_calling_then_401(invoke, api_event, make_token):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert status_for(invoke, api_event, make_token("user-1", key=other)) == 401


def test_given_unknown_kid_when_calling_then_401(invoke, api_event, make_token):
    assert status_for(invoke, api_event, make_token("user-1", headers={"kid": "nope"})) == 401


def test_given_hs256_or_none_when_calling_then_401(invoke, api_event, make_token):
    hs = jwt.encode(
        {"sub": "user-1", "token_use": "id", "aud": CLIENT_ID, "exp": int(time.time()) + 60},
        "a-shared-secret-that-is-32-bytes!!",
        algorithm="HS256",
        headers={"kid": "test-kid-1"},
    )
    none = jwt.encode(
        {"sub": "user-1", "token_use": "id", "aud": CLIENT_ID, "exp": int(time.time()) + 60},
        None,
        algorithm="none",
        headers={"kid": "test-kid-1"},
    )
    assert status_for(invoke, api_event, hs) == 401
    assert status_for(invoke, api_event, none) == 401
    assert status_for(invoke, api_event, "garbage.token.here") == 401


def test_given_many_requests_when_verifying_then_jwks_fetched_once(invoke, api_event, make_token, jwks):
    # Given a fresh container (settings reset by the fixtures)
    before = len(jwks.hits)
    # When five requests arrive
    for _ in range(5):
        status_for(invoke, api_event, make_token("user-1"))
    # Then the JWKS was fetched once
    assert len(jwks.hits) - before == 1


def test_given_jwks_unreachable_when_calling_then_503(invoke, api_event, make_token, monkeypatch):
    from shared import config

    monkeypatch.setenv("COGNITO_JWKS_URL", "http://127.0.0.1:9/jwks.json")
    config.reset()
    assert status_for(invoke, api_event, make_token("user-1")) == 503
