"""Settings: read lazily, AWS defaults for the Cognito issuer and JWKS, overridable."""

from __future__ import annotations

from shared import config


def test_given_pool_and_region_when_no_overrides_then_aws_issuer_and_jwks(monkeypatch):
    monkeypatch.delenv("COGNITO_ISSUER", raising=False)
    monkeypatch.delenv("COGNITO_JWKS_URL", raising=False)
    monkeypatch.setenv("COGNITO_REGION", "eu-west-1")
    monkeypatch.setenv("COGNITO_USER_POOL_ID", "eu-west-1_abc")
    settings = config.get_settings()
    assert settings.cognito_issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
    assert settings.cognito_jwks_url == settings.cognito_issuer + "/.well-known/jwks.json"


def test_given_local_overrides_then_used(monkeypatch):
    monkeypatch.setenv("COGNITO_ISSUER", "http://127.0.0.1:1/pool/")
    monkeypatch.setenv("COGNITO_JWKS_URL", "http://127.0.0.1:1/keys")
    settings = config.get_settings()
    assert (settings.cognito_issuer, settings.cognito_jwks_url) == (
        "http://127.0.0.1:1/pool",
        "http://127.0.0.1:1/keys",
    )


def test_given_env_changed_after_reset_then_new_value(monkeypatch):
    monkeypatch.setenv("FREE_TIER_CREDITS", "5")
    assert config.get_settings().free_tier_credits == 5
    monkeypatch.setenv("FREE_TIER_CREDITS", "7")
    assert config.get_settings().free_tier_credits == 5  # cached per container
    config.reset()
    assert config.get_settings().free_tier_credits == 7


def test_given_defaults_then_design_values(monkeypatch):
    for name in (
        "CLI_COMMAND",
        "PROCESSING_TIMEOUT",
        "MAX_RECEIVE_COUNT",
        "FREE_TIER_CREDITS",
        "USERS_TABLE",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = config.get_settings()
    assert (settings.cli_command, settings.processing_timeout, settings.max_receive_count) == (
        "youtube-study-buddy",
        840,
        5,  # AWS's advice for a Lambda consumer: throttled receives count too
    )
    assert (settings.free_tier_credits, settings.users_table) == (3, "ytsb-users")


def test_given_plain_secret_value_then_returned_as_is(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_plain")
    assert config.get_secret_setting("STRIPE_SECRET_KEY") == "sk_test_plain"
    assert config.is_secret_reference("arn:aws:secretsmanager:us-east-1:1:secret:x")
    assert config.is_secret_reference("secretsmanager:ytsb/stripe") and not config.is_secret_reference(
        "sk_live_x"
    )
