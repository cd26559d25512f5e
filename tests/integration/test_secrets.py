"""Secrets given as Secrets Manager references are resolved, once per container."""

from __future__ import annotations

import json

import boto3
import pytest
from shared import config, ledger
from stripe_webhook.handler import lambda_handler as webhook


def succeeded() -> str:
    intent = {
        "id": "pi_secret_1",
        "object": "payment_intent",
        "amount": 999,
        "amount_received": 999,
        "currency": "usd",
        "metadata": {"user_id": "user-1", "package": "basic", "credits": "10"},
    }
    return json.dumps({"id": "evt_s", "type": "payment_intent.succeeded", "data": {"object": intent}})


@pytest.mark.parametrize("form", ["name", "arn"])
def test_given_webhook_secret_in_secrets_manager_then_resolved_once(
    api_event, invoke, sign, monkeypatch, form
):
    # Given the webhook secret lives in Secrets Manager
    sm = boto3.client("secretsmanager")
    arn = sm.create_secret(Name="ytsb/stripe-webhook", SecretString="whsec_from_secrets_manager")["ARN"]
    monkeypatch.setenv(
        "STRIPE_WEBHOOK_SECRET", "secretsmanager:ytsb/stripe-webhook" if form == "name" else arn
    )
    config.reset()
    payload = succeeded()

    def deliver(secret: str) -> int:
        event = api_event(
            "POST",
            "/webhooks/stripe",
            user=None,
            body=payload,
            headers={"Stripe-Signature": sign(payload, secret=secret)},
        )
        return invoke(webhook, event)[0]

    # When Stripe signs with that secret, the webhook accepts it
    assert deliver("whsec_from_secrets_manager") == 200
    assert ledger.get_user_credits("user-1") == 10  # first seen by the webhook: no free tier
    # And after the secret is rotated the container keeps the value it read (once per container)
    sm.put_secret_value(SecretId="ytsb/stripe-webhook", SecretString="whsec_rotated")
    assert deliver("whsec_from_secrets_manager") == 200
    assert deliver("whsec_rotated") == 400


def test_given_anthropic_key_reference_then_cli_gets_the_value(monkeypatch):
    boto3.client("secretsmanager").create_secret(Name="ytsb/anthropic", SecretString="sk-ant-real")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "secretsmanager:ytsb/anthropic")
    config.reset()
    from shared.processing import _cli_env

    assert _cli_env()["ANTHROPIC_API_KEY"] == "sk-ant-real"
