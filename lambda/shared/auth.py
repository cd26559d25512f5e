"""Cognito JWT verification: RS256 against the pool's JWKS, one cached JWKS client per container."""

from __future__ import annotations

import threading
from typing import Any

from shared.api import Event, header
from shared.config import get_settings
from shared.errors import DependencyUnavailable, Unauthorized

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


def verify_jwt_token(token: str) -> dict[str, Any]:
    """The verified claims of a Cognito id or access token, or Unauthorized.

    RS256 only (``none`` and HS256 are refused), exp and iss required, and the token must be
    for our app client: ``aud`` for an id token, ``client_id`` for an access token.
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
    use = claims.get("token_use")
    client_id = settings.cognito_app_client_id
    if not (
        (use == "id" and claims.get("aud") == client_id)
        or (use == "access" and claims.get("client_id") == client_id)
    ):
        raise Unauthorized("Invalid token")
    return claims


def extract_user_id_from_event(event: Event) -> str:
    """The caller's Cognito ``sub``: from an API Gateway Cognito authorizer if present, else the token."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    if isinstance(claims, dict) and claims.get("sub"):
        return str(claims["sub"])
    raw = header(event, "Authorization") or ""
    token = raw[7:].strip() if raw[:7].lower() == "bearer " else raw.strip()
    if not token:
        raise Unauthorized("Missing token")
    return str(verify_jwt_token(token)["sub"])
