"""Cognito id tokens: RS256 against the pool's JWKS (one cached JWKS client per container), or the
claims API Gateway's Cognito authorizer already verified.

Only id tokens: the REST API's Cognito authorizer without OAuth scopes accepts nothing else, and the
local stack must not accept what AWS refuses. The authorizer does not check the app client, so the
``aud`` of its claims is checked here.
"""

from __future__ import annotations

import re
import threading
from typing import Any, NamedTuple

from shared.api import Event, header
from shared.config import get_settings
from shared.errors import DependencyUnavailable, Unauthorized

# A Cognito sub is a UUID; anything empty, huge or shaped for an S3 key ("a/b") is not a user id.
SUB_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}")

_jwks: dict[str, Any] = {}
_lock = threading.Lock()


def _jwks_client() -> Any:
    with _lock:
        if "client" not in _jwks:
            import jwt

            _jwks["client"] = jwt.PyJWKClient(get_settings().cognito_jwks_url, cache_keys=True, lifespan=3600)
        return _jwks["client"]


def reset_jwks_client() -> None:
    with _lock:
        _jwks.clear()


class Caller(NamedTuple):
    """Who is calling: the Cognito ``sub``, and the e-mail only if Cognito says it was verified."""

    user_id: str
    verified_email: str | None


def verify_jwt_token(token: str) -> dict[str, Any]:
    """The verified claims of a Cognito id token for our app client, or Unauthorized.

    RS256 only (``none`` and HS256 are refused); exp, iss, sub and token_use required.
    """
    import jwt

    settings = get_settings()
    try:
        if jwt.get_unverified_header(token).get("alg") != "RS256":
            raise Unauthorized("Invalid token")
        signing_key = _jwks_client().get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            issuer=settings.cognito_issuer,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.PyJWKClientConnectionError:
        raise DependencyUnavailable("The sign-in service is unavailable; please retry later") from None
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Token expired") from None
    except (jwt.PyJWTError, ValueError, TypeError):
        raise Unauthorized("Invalid token") from None
    return _checked(claims)


def _checked(claims: dict[str, Any]) -> dict[str, Any]:
    """``claims`` if they are an id token's for our app client with a usable ``sub``, else 401."""
    sub = claims.get("sub")
    if not (
        claims.get("token_use") == "id"
        and claims.get("aud") == get_settings().cognito_app_client_id
        and isinstance(sub, str)
        and SUB_PATTERN.fullmatch(sub)
    ):
        raise Unauthorized("Invalid token")
    return claims


def caller_from_event(event: Event) -> Caller:
    """The caller: from API Gateway's Cognito authorizer if present (``aud`` checked here), else the token."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    if not isinstance(claims, dict) or not claims:
        raw = header(event, "Authorization") or ""
        token = raw[7:].strip() if raw[:7].lower() == "bearer " else raw.strip()
        if not token:
            raise Unauthorized("Missing token")
        claims = verify_jwt_token(token)
    claims = _checked(claims)
    email = claims.get("email")
    # the authorizer passes every claim as a string ("true"); a verified token has a JSON true
    verified = claims.get("email_verified") in (True, "true")
    return Caller(str(claims["sub"]), email if verified and isinstance(email, str) and email else None)


def extract_user_id_from_event(event: Event) -> str:
    """The caller's Cognito ``sub`` (see ``caller_from_event``)."""
    return caller_from_event(event).user_id
