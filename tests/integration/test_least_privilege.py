"""Least privilege as measured: what the functions really call is what the template grants, no more.

The calls are counted on the functions' own boto3 clients (``aws_calls``) while they run.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from process_video.handler import lambda_handler as process
from shared import config, ledger
from stripe_webhook.handler import lambda_handler as webhook
from submit_video.handler import lambda_handler as submit

from ytsb_local.template import load_template

URL = "https://youtu.be/dQw4w9WgXcQ"


def _function(name: str) -> dict[str, Any]:
    return load_template()["Resources"][name]["Properties"]


def _actions_on(function: str, table: str) -> set[str]:
    statements = _function(function)["Policies"][0]["Statement"]
    arn = {"Fn::GetAtt": [table, "Arn"]}
    found: set[str] = set()
    for statement in statements:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        if arn in resources:
            actions = statement["Action"]
            found |= set(actions if isinstance(actions, list) else [actions])
    return found


def test_given_the_webhook_without_the_stripe_api_key_then_a_signed_purchase_still_credits(
    api_event, invoke, sign, monkeypatch
):
    # Given the webhook's environment as the template sets it: no STRIPE_SECRET_KEY
    env = _function("StripeWebhookFunction")["Environment"]["Variables"]
    assert "STRIPE_SECRET_KEY" not in env and "STRIPE_WEBHOOK_SECRET" in env
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    config.reset()
    ledger.ensure_user("user-1", "user-1@example.com")
    intent = {
        "id": "pi_lp_1",
        "object": "payment_intent",
        "amount": 999,
        "amount_received": 999,
        "currency": "usd",
        "metadata": {"user_id": "user-1", "package": "basic", "credits": "10"},
    }
    payload = json.dumps({"id": "evt_lp", "type": "payment_intent.succeeded", "data": {"object": intent}})
    # When a signed purchase arrives
    headers = {"Stripe-Signature": sign(payload)}
    status, body = invoke(
        webhook, api_event("POST", "/webhooks/stripe", user=None, body=payload, headers=headers)
    )
    # Then it is credited, and the webhook may read only its signing secret
    assert (status, body["credited"]) == (200, True)
    secrets = [
        s["Resource"]
        for s in _function("StripeWebhookFunction")["Policies"][0]["Statement"]
        if s["Action"] == "secretsmanager:GetSecretValue"
    ]
    assert secrets == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
            ":secret:${StripeWebhookSecret}-??????"
        }
    ]


@pytest.mark.parametrize("known_user", [True, False], ids=["known-user", "new-user"])
def test_given_a_submit_then_it_never_reads_the_users_table_and_is_not_granted_to(
    api_event, invoke, aws_calls, known_user
):
    if known_user:
        ledger.ensure_user("user-1", "user-1@example.com")
    aws_calls.clear()
    status, _ = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    assert status in (201, 402)
    assert "dynamodb.GetItem" not in aws_calls
    assert "dynamodb:GetItem" not in _actions_on("SubmitVideoFunction", "UsersTable")
    assert "dynamodb:GetItem" in _actions_on("SubmitVideoFunction", "VideosTable")  # a retry reads its video


@pytest.mark.parametrize("scenario", ["success", "permanent", "transient"])
def test_given_process_video_then_it_never_reads_a_video_and_is_not_granted_to(
    message, sqs_event, context, use_cli, aws_calls, scenario
):
    use_cli(scenario)
    aws_calls.clear()
    process(sqs_event(message), context)
    process({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, context)  # the sweep
    assert aws_calls and "dynamodb.GetItem" not in aws_calls
    assert _actions_on("ProcessVideoFunction", "VideosTable") == {"dynamodb:UpdateItem"}
