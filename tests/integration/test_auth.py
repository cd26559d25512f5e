"""Cognito JWT verification through a handler: what is accepted and what is refused (401)."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from get_video.handler import lambda_handler as get_video
from shared.auth import verify_jwt_token
from shared.errors import Unauthorized
from submit_video.handler import lambda_handler as submit

CLIENT_ID = "test-app-client"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"


def call(invoke, api_event, token: str | None = None, authorization: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": authorization} if authorization is not None else None
    event = api_event(
        "GET",
        "/videos/{video_id}",
        user=None,
        token=token,
        headers=headers,
        path_params={"video_id": "video_1_aaaaaaaaaaaa"},
    )
    status, body = invoke(get_video, event)
    if status == 401:  # every refusal has the one error shape, and says nothing about why in detail
        assert body in (
            {"error": "Invalid token", "details": {}},
            {"error": "Token expired", "details": {}},
            {"error": "Missing token", "details": {}},
        )
    return status, body


def status_for(invoke, api_event, token: str) -> int:
    return call(invoke, api_event, token)[0]


def test_given_valid_id_token_when_calling_then_authenticated(invoke, api_event, make_token):
    # Given a video of user-1
    event = api_event(
        "POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}, token=make_token("user-1")
    )
    status, submitted = invoke(submit, event)
    assert status == 201

    def read_as(sub: str) -> tuple[int, dict]:
        path = {"video_id": submitted["video_id"]}
        return invoke(
            get_video, api_event("GET", "/videos/{video_id}", token=make_token(sub), path_params=path)
        )

    # When each user reads it with their own valid token, then the handler acts as that user:
    # the owner gets the video, anyone else a 404 (not a 401)
    status, body = read_as("user-1")
    assert status == 200 and body["video_id"] == submitted["video_id"]
    assert read_as("user-2") == (404, {"error": "Video not found", "details": {}})


def test_given_access_token_for_our_client_when_verifying_then_401_like_the_aws_authorizer(make_token):
    # Given an access token of our app client: API Gateway's Cognito authorizer (no OAuth scopes)
    # refuses it, so the handlers' own check must refuse it too
    token = make_token("user-2", token_use="access", aud=None, client_id=CLIENT_ID)
    with pytest.raises(Unauthorized):
        verify_jwt_token(token)


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


# --- forged, foreign and malformed tokens: each a 401 with the error shape -----------------------

OTHER_POOL = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"


def b64(data: bytes | dict) -> str:
    import base64
    import json

    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"sub": "user-1", "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id", "iat": now, "exp": now + 600}
    return {name: value for name, value in {**base, **overrides}.items() if value is not None}


def unsigned(alg: str, jwks) -> str:
    return f"{b64({'alg': alg, 'typ': 'JWT', 'kid': jwks.kid})}.{b64(claims())}."


def hs256_with_public_pem(jwks) -> str:
    """The classic key-confusion attack: HMAC keyed with the (public) RSA key's PEM."""
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import serialization

    pem = jwks.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': jwks.kid})}.{b64(claims())}"
    return f"{signing_input}.{b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())}"


def embedded_attacker_key(jwks) -> str:
    """Signed by the attacker's key, which the header carries (``jwk``) and points at (``jku``)."""
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key(), as_dict=True)
    headers = {"kid": jwks.kid, "jwk": public, "jku": "http://127.0.0.1:9/attacker-jwks.json"}
    return jwt.encode(claims(), attacker, algorithm="RS256", headers=headers)


def signed(jwks, algorithm: str = "RS256", headers: dict | None = None, **overrides) -> str:
    return jwt.encode(
        claims(**overrides), jwks.key, algorithm=algorithm, headers={"kid": jwks.kid, **(headers or {})}
    )


FORGED = {
    # signature and algorithm
    "alg-none-capitalised": lambda j: unsigned("None", j),
    "alg-none-uppercase": lambda j: unsigned("NONE", j),
    "rs256-header-empty-signature": lambda j: unsigned("RS256", j),
    "hs256-keyed-with-public-pem": hs256_with_public_pem,
    "rs512-by-the-right-key": lambda j: signed(j, algorithm="RS512"),
    "ps256-by-the-right-key": lambda j: signed(j, algorithm="PS256"),
    "attacker-key-in-jwk-and-jku-header": embedded_attacker_key,
    "no-kid": lambda j: jwt.encode(claims(), j.key, algorithm="RS256"),
    # time
    "expired-one-second-ago": lambda j: signed(j, exp=int(time.time()) - 1),
    "nbf-in-the-future": lambda j: signed(j, nbf=int(time.time()) + 600),
    "iat-in-the-future": lambda j: signed(j, iat=int(time.time()) + 600),
    # issuer, audience, client, token use
    "no-issuer": lambda j: signed(j, iss=None),
    "no-sub": lambda j: signed(j, sub=None),
    "access-token-of-another-pool": lambda j: signed(
        j, iss=OTHER_POOL, token_use="access", aud=None, client_id=CLIENT_ID
    ),
    "id-token-of-another-pool": lambda j: signed(j, iss=OTHER_POOL),
    "id-token-with-client-id-but-no-aud": lambda j: signed(j, aud=None, client_id=CLIENT_ID),
    "access-token-with-aud-but-no-client-id": lambda j: signed(j, token_use="access"),
    "id-token-aud-list": lambda j: signed(j, aud=[CLIENT_ID, "another-client"]),
    "token-use-empty": lambda j: signed(j, token_use=""),
    "token-use-capitalised": lambda j: signed(j, token_use="ID"),
    # shape
    "truncated-signature": lambda j: signed(j)[:-12],
    "two-segments": lambda j: signed(j).rsplit(".", 1)[0],
    "four-segments": lambda j: signed(j) + ".extra",
    "payload-swapped": lambda j: ".".join(
        [signed(j).split(".")[0], b64(claims(sub="admin")), signed(j).split(".")[2]]
    ),
    "non-json-header": lambda j: f"{b64(b'not json')}.{b64(claims())}.c2ln",
    "garbage-bytes": lambda j: "%%%\u00e9\u2603",
}


SCHEMES = {
    "empty": ("", "Missing token"),
    "bearer-alone": ("Bearer", "Invalid token"),  # no space: taken as a (bad) bare token
    "bearer-space": ("Bearer ", "Missing token"),
    "bearer-spaces": ("Bearer    ", "Missing token"),
    "basic": ("Basic dXNlci0xOnBhc3N3b3Jk", "Invalid token"),
    "bearer-twice": ("Bearer Bearer {token}", "Invalid token"),
    "token-scheme": ("Token {token}", "Invalid token"),
    "jwt-scheme": ("JWT {token}", "Invalid token"),
}


def test_given_forged_or_foreign_token_when_calling_then_401_with_error_shape(
    invoke, api_event, jwks, subtests
):
    # One table, one moto setup: each case is reported as its own subtest
    for name, forge in FORGED.items():
        with subtests.test(case=name):
            expected = "Token expired" if name == "expired-one-second-ago" else "Invalid token"
            assert call(invoke, api_event, forge(jwks)) == (401, {"error": expected, "details": {}})


def test_given_missing_token_or_other_scheme_when_calling_then_401(invoke, api_event, make_token, subtests):
    # A valid token in another scheme is refused; only ``Bearer <token>`` (any case) or the bare token
    # (what API Gateway's Cognito authorizer is given) reach verification.
    token = make_token("user-1")
    for name, (authorization, message) in SCHEMES.items():
        with subtests.test(case=name):
            header = authorization.replace("{token}", token)
            assert call(invoke, api_event, authorization=header) == (401, {"error": message, "details": {}})
    for form in ("bearer {token}", "BEARER {token}", "{token}"):
        with subtests.test(case=f"accepted: {form}"):
            assert call(invoke, api_event, authorization=form.format(token=token))[0] == 404


def test_given_iat_a_second_ago_when_calling_then_authenticated(invoke, api_event, make_token):
    # iat in the future is refused (above); a token issued just now is not (no clock-skew surprises)
    assert status_for(invoke, api_event, make_token("user-1", iat=int(time.time()) - 1)) == 404


def test_given_many_requests_with_forged_tokens_when_verifying_then_jwks_fetched_once(
    invoke, api_event, make_token, jwks
):
    # Given a fresh container: when 40 requests arrive, valid ones for several users and forged ones
    # (unknown kids, foreign keys), the JWKS is fetched once, not once per unknown kid
    before = len(jwks.hits)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    statuses = []
    for n in range(10):
        statuses.append(status_for(invoke, api_event, make_token(f"user-{n}")))
        statuses.append(status_for(invoke, api_event, make_token("user-1", headers={"kid": f"kid-{n}"})))
        statuses.append(status_for(invoke, api_event, make_token("user-1", key=other)))
        statuses.append(status_for(invoke, api_event, FORGED["no-kid"](jwks)))
    assert statuses.count(404) == 10 and statuses.count(401) == 30
    assert len(jwks.hits) - before == 1
