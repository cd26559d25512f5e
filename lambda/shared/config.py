"""Settings, read lazily from the environment once per container (tests call ``reset``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _optional_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else None


@dataclass(frozen=True)
class Settings:
    users_table: str
    videos_table: str
    notes_table: str
    credits_table: str
    notes_bucket: str
    video_queue_url: str
    cognito_region: str
    cognito_user_pool_id: str
    cognito_app_client_id: str
    cognito_issuer: str
    cognito_jwks_url: str
    free_tier_credits: int
    stripe_api_base: str | None
    cli_command: str
    processing_timeout: int
    max_receive_count: int
    retry_delay_max: int | None
    sweep_after: int
    max_sweeps: int
    max_open_videos: int
    max_payment_intents_per_hour: int


@cache
def get_settings() -> Settings:
    env = os.environ.get
    region = env("COGNITO_REGION") or env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1"
    pool = env("COGNITO_USER_POOL_ID", "")
    issuer = (env("COGNITO_ISSUER") or f"https://cognito-idp.{region}.amazonaws.com/{pool}").rstrip("/")
    return Settings(
        users_table=env("USERS_TABLE", "ytsb-users"),
        videos_table=env("VIDEOS_TABLE", "ytsb-videos"),
        notes_table=env("NOTES_TABLE", "ytsb-notes"),
        credits_table=env("CREDITS_TABLE", "ytsb-credits"),
        notes_bucket=env("NOTES_BUCKET", "ytsb-notes"),
        video_queue_url=env("VIDEO_QUEUE_URL", ""),
        cognito_region=region,
        cognito_user_pool_id=pool,
        cognito_app_client_id=env("COGNITO_APP_CLIENT_ID", ""),
        cognito_issuer=issuer,
        cognito_jwks_url=env("COGNITO_JWKS_URL") or f"{issuer}/.well-known/jwks.json",
        free_tier_credits=_int("FREE_TIER_CREDITS", 3),
        stripe_api_base=env("STRIPE_API_BASE") or None,
        cli_command=env("CLI_COMMAND") or "youtube-study-buddy",
        processing_timeout=_int("PROCESSING_TIMEOUT", 840),
        max_receive_count=_int("MAX_RECEIVE_COUNT", 5),
        # Set only by the local stack (YTSB_RETRY_DELAY): its retries come back in seconds, not minutes.
        retry_delay_max=_optional_int("RETRY_DELAY_MAX"),
        sweep_after=_int("SWEEP_AFTER", 7200),
        max_sweeps=_int("MAX_SWEEPS", 3),
        # Per-user abuse limits (429 with Retry-After): videos queued or processing at once, and
        # PaymentIntents created per clock hour.
        max_open_videos=_int("MAX_OPEN_VIDEOS", 10),
        max_payment_intents_per_hour=_int("MAX_PAYMENT_INTENTS_PER_HOUR", 5),
    )


def is_secret_reference(value: str) -> bool:
    return value.startswith(("secretsmanager:", "arn:aws:secretsmanager:"))


@cache
def get_secret_setting(name: str) -> str:
    """A secret env var: the value itself, or a Secrets Manager reference resolved once per container."""
    value = os.environ.get(name, "").strip()
    if not value or not is_secret_reference(value):
        return value
    from aws_lambda_powertools.utilities import parameters  # only containers that use a reference pay

    secret_id = value.removeprefix("secretsmanager:")
    return str(parameters.get_secret(secret_id, max_age=10**9))


def reset() -> None:
    """Forget cached settings, secrets, AWS clients and the JWKS client (tests, the local stack)."""
    from shared import auth, aws

    get_settings.cache_clear()
    get_secret_setting.cache_clear()
    aws.reset_clients()
    auth.reset_jwks_client()
