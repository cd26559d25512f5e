"""ytsb_local.csp: the page's Content-Security-Policy, from its config.json (production and local)."""

from __future__ import annotations

import pytest

from ytsb_local.csp import content_security_policy, csp_directives, parse_policy, security_headers

PRODUCTION = {
    "apiBase": "/v1",
    "region": "eu-west-1",
    "cognitoEndpoint": "https://cognito-idp.eu-west-1.amazonaws.com/",
    "stripeJsUrl": "https://js.stripe.com/v3/",
}
LOCAL = {
    "apiBase": "/v1",
    "region": "us-east-1",
    "cognitoEndpoint": "http://127.0.0.1:8788/",
    "stripeJsUrl": "/local/stripe.js",
}


def test_given_production_config_then_only_the_page_stripe_cognito_and_youtube_are_allowed() -> None:
    directives = csp_directives(PRODUCTION)
    assert directives["script-src"] == ["'self'", "https://js.stripe.com"]
    assert directives["connect-src"] == [
        "'self'",
        "https://cognito-idp.eu-west-1.amazonaws.com",
        "https://api.stripe.com",
    ]
    assert directives["frame-src"] == [
        "https://js.stripe.com",
        "https://hooks.stripe.com",
        "https://www.youtube-nocookie.com",
    ]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["style-src"] == ["'self'"]
    for name in ("object-src", "base-uri", "frame-ancestors"):
        assert directives[name] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    # no inline script or style, no eval, no wildcard anywhere
    policy = content_security_policy(PRODUCTION)
    assert "unsafe" not in policy and "*" not in policy


def test_given_local_config_then_stripe_hosts_are_gone_and_the_local_cognito_is_allowed() -> None:
    # Given the local stack's config: a same-origin Stripe.js wrapper and moto's Cognito on loopback
    directives = csp_directives(LOCAL)
    # Then no real Stripe origin is allowed, the page's own origin serves the script
    assert directives["script-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'", "http://127.0.0.1:8788"]
    assert directives["frame-src"] == ["https://www.youtube-nocookie.com"]
    assert "stripe.com" not in content_security_policy(LOCAL)


def test_given_extra_sources_then_they_are_added_once_to_their_directive() -> None:
    extra = {"connect-src": ["http://127.0.0.1:8789", "'self'"], "script-src": ["http://127.0.0.1:8789"]}
    directives = csp_directives(LOCAL, extra)
    assert directives["connect-src"] == ["'self'", "http://127.0.0.1:8788", "http://127.0.0.1:8789"]
    assert directives["script-src"] == ["'self'", "http://127.0.0.1:8789"]


def test_given_a_policy_when_parsed_then_it_round_trips() -> None:
    policy = content_security_policy(PRODUCTION)
    assert parse_policy(policy) == csp_directives(PRODUCTION)
    assert parse_policy(policy + ";  ") == csp_directives(PRODUCTION)


def test_given_a_relative_cognito_endpoint_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="cognitoEndpoint"):
        csp_directives({**LOCAL, "cognitoEndpoint": "/cognito"})


def test_given_any_config_then_the_security_headers_carry_its_policy_and_the_fixed_ones() -> None:
    headers = security_headers(LOCAL, {"connect-src": ["http://127.0.0.1:8789"]})
    assert parse_policy(headers["Content-Security-Policy"])["connect-src"][-1] == "http://127.0.0.1:8789"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
