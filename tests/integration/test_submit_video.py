"""POST /videos against moto: one credit, one video, one message; 400/401/402/503 paths."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from shared import ledger
from submit_video.handler import lambda_handler as submit

URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42"
# What API Gateway's Cognito authorizer passes on: every claim of the id token, as strings.
AUTHORIZER_CLAIMS = {
    "sub": "from-authorizer",
    "aud": "test-app-client",
    "token_use": "id",
    "email": "from-authorizer@example.com",
    "email_verified": "true",
}


def queued_messages(queue_url: str) -> list[dict]:
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(message["Body"]) for message in found.get("Messages", [])]


def test_given_new_user_when_submitting_then_201_credit_spent_and_message_queued(
    api_event, invoke, aws, aws_calls
):
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    # first sight: the spend fails (no user), the grant transaction, the spend again, the send
    assert dict(aws_calls) == {"dynamodb.TransactWriteItems": 3, "sqs.SendMessage": 1}

    assert status == 201
    assert body["youtube_video_id"] == "dQw4w9WgXcQ" and body["status"] == "queued"
    assert ledger.get_user_credits("user-1") == 2  # free tier 3, minus 1
    assert queued_messages(aws["queue_url"]) == [
        {
            "video_id": body["video_id"],
            "youtube_video_id": "dQw4w9WgXcQ",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "user_id": "user-1",
        }
    ]


def test_given_known_user_when_submitting_then_two_aws_calls(api_event, invoke, aws_calls):
    # Given the user already exists (the first submit created them)
    invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    aws_calls.clear()
    # When they submit again
    status, _ = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    # Then the warm path is one transaction and one SQS send
    assert status == 201
    assert dict(aws_calls) == {"dynamodb.TransactWriteItems": 1, "sqs.SendMessage": 1}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("{not json", None),
        ("[1, 2]", None),
        ({}, "missing"),
        ({"url": "https://notyoutube.com/watch?v=dQw4w9WgXcQ"}, "url"),
        ({"url": 42}, "url"),
    ],
)
def test_given_bad_input_when_submitting_then_400_and_nothing_spent(api_event, invoke, body, detail):
    status, payload = invoke(submit, api_event("POST", "/videos", body=body))
    assert status == 400
    assert set(payload) == {"error", "details"}
    if detail:
        assert detail in payload["details"]
    assert ledger.get_user_credits("user-1", "user-1@example.com") == 3  # nothing spent


def test_given_no_token_when_submitting_then_401(api_event, invoke):
    status, payload = invoke(submit, api_event("POST", "/videos", user=None, body={"url": URL}))
    assert (status, payload["error"]) == (401, "Missing token")


def test_given_authorizer_claims_when_submitting_then_sub_is_the_user(api_event, invoke):
    event = api_event("POST", "/videos", body={"url": URL}, claims=AUTHORIZER_CLAIMS)
    status, _ = invoke(submit, event)
    assert status == 201
    assert ledger.get_user_credits("from-authorizer") == 2


def test_given_no_credits_left_when_submitting_then_402_with_details(api_event, invoke):
    for _ in range(3):
        assert invoke(submit, api_event("POST", "/videos", body={"url": URL}))[0] == 201
    status, payload = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    assert status == 402
    assert payload == {"error": "Insufficient credits", "details": {"required": 1, "available": 0}}


def test_given_queue_down_when_submitting_then_503_refund_and_video_failed(api_event, invoke, monkeypatch):
    # Given the queue URL points at a queue that does not exist
    monkeypatch.setenv("VIDEO_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/missing")
    from shared import config

    config.get_settings.cache_clear()
    # When submitting
    status, payload = invoke(submit, api_event("POST", "/videos", body={"url": URL}))
    # Then 503 with no internals, the credit is back, and the video is failed and refunded
    assert status == 503 and payload["details"] == {}
    assert "missing" not in json.dumps(payload)
    assert ledger.get_user_credits("user-1") == 3
    videos = boto3.resource("dynamodb").Table("ytsb-videos").scan()["Items"]
    assert [(video["status"], video["refunded"]) for video in videos] == [("failed", True)]
    kinds = sorted(
        entry["type"] for entry in boto3.resource("dynamodb").Table("ytsb-credits").scan()["Items"]
    )
    assert kinds == ["grant", "refund", "spend"]


def test_given_10_credits_when_20_parallel_submits_then_exactly_10_succeed(api_event, invoke, make_token):
    # Given a user with 10 credits (3 free + 7 granted)
    ledger.ensure_user("user-1", "user-1@example.com")
    ledger.add_credits("user-1", 7, "pi_topup")
    events = [api_event("POST", "/videos", token=make_token("user-1"), body={"url": URL}) for _ in range(20)]
    # When 20 submits race
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(status for status, _ in pool.map(lambda event: invoke(submit, event), events))
    # Then exactly 10 succeed, 10 get 402, the balance is 0 and there are 10 videos and 10 spends
    assert statuses == [201] * 10 + [402] * 10
    assert ledger.get_user_credits("user-1") == 0
    ddb = boto3.resource("dynamodb")
    assert len(ddb.Table("ytsb-videos").scan()["Items"]) == 10
    spends = [e for e in ddb.Table("ytsb-credits").scan()["Items"] if e["type"] == "spend"]
    assert len(spends) == 10
