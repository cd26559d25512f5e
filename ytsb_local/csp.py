"""The page's Content-Security-Policy, built once from its ``config.json``.

Production (CloudFront's response headers policy in template.yaml) and the local stack's gateway serve
the same policy; a test compares the template's text with this function directive by directive, so
the two cannot drift. Every origin allowed comes from what the page really loads: itself, Stripe.js
(and, with the real Stripe, its card and 3-D Secure frames and its API), the Cognito endpoint it
signs in with, and YouTube's privacy-enhanced player.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

REAL_STRIPE_JS_HOST = "js.stripe.com"
# What Stripe's integration security guide lists for Stripe.js and Elements: the card fields and the
# 3-D Secure challenge are frames on js.stripe.com and hooks.stripe.com, and Stripe.js calls its API.
STRIPE_FRAMES = ("https://js.stripe.com", "https://hooks.stripe.com")
STRIPE_API = "https://api.stripe.com"
YOUTUBE_EMBED = "https://www.youtube-nocookie.com"
REFERRER_POLICY = "strict-origin-when-cross-origin"
# Powerful features the page never uses, off for it and every frame it embeds. Fullscreen, autoplay,
# encrypted-media and payment keep their defaults: YouTube's player and Stripe's frames may ask for them.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), usb=(), midi=(), display-capture=()"


def origin(url: str) -> str | None:
    """``https://host[:port]`` of an absolute URL; None for a same-origin path like ``/local/stripe.js``."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def csp_directives(
    config: Mapping[str, str], extra: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[str]]:
    """Directive -> sources for a page configured by ``config`` (the keys of config.json).

    ``extra`` adds sources to a directive, for an emulator origin that config.json does not name
    (locally, where localstripe's Stripe.js talks to); production passes none.
    """
    stripe_js = origin(config["stripeJsUrl"])
    real_stripe = stripe_js is not None and urlsplit(config["stripeJsUrl"]).hostname == REAL_STRIPE_JS_HOST
    cognito = origin(config["cognitoEndpoint"])
    if cognito is None:
        raise ValueError(f"cognitoEndpoint must be an absolute URL: {config['cognitoEndpoint']!r}")

    def sources(*values: str | None) -> list[str]:
        return list(dict.fromkeys(v for v in values if v))  # in order, once each

    directives = {
        "default-src": ["'self'"],
        "script-src": sources("'self'", stripe_js),
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": sources("'self'", cognito, STRIPE_API if real_stripe else None),
        "frame-src": sources(*(STRIPE_FRAMES if real_stripe else ()), YOUTUBE_EMBED),
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    for name, values in (extra or {}).items():
        directives[name] = sources(*directives.get(name, []), *values)
    return directives


def content_security_policy(
    config: Mapping[str, str], extra: Mapping[str, Sequence[str]] | None = None
) -> str:
    """The ``Content-Security-Policy`` header value for the page configured by ``config``."""
    directives = csp_directives(config, extra)
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(
    config: Mapping[str, str], extra: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """Every security header the page is served with (production adds HSTS, which needs HTTPS)."""
    return {
        "Content-Security-Policy": content_security_policy(config, extra),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # frame-ancestors 'none' for browsers without CSP level 2
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
    }


def parse_policy(policy: str) -> dict[str, list[str]]:
    """A policy header back into directive -> sources (for comparing policies written elsewhere)."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name.lower()] = values
    return directives
