"""shared.utils offers every helper the specification names, working against moto."""

from __future__ import annotations

import pytest
from shared import ledger, utils
from shared.errors import BadRequest, InsufficientCredits, Unauthorized


def test_given_table_helpers_then_round_trip():
    utils.put_item("ytsb-notes", {"note_id": "n1", "title": "T", "content_length": 3})
    assert utils.update_item("ytsb-notes", {"note_id": "n1"}, {"title": "T2", "status": "x"})["title"] == "T2"
    assert utils.get_item("ytsb-notes", {"note_id": "n1"}) == {
        "note_id": "n1",
        "title": "T2",
        "content_length": 3,
        "status": "x",
    }


def test_given_ledger_entries_when_querying_gsi_then_page_and_key():
    ledger.ensure_user("user-1", "user-1@example.com")  # signed up: the free tier's grant entry
    utils.add_credits("user-1", 5, "pi_a")
    utils.add_credits("user-1", 5, "pi_b")
    utils.add_credits("user-2", 5, "pi_other")
    query = ("ytsb-credits", "user-index", "user_id = :u", {":u": "user-1"})
    items, last = utils.query_items(*query, limit=2)
    # Then a page of 2 of user-1's 3 entries (grant, pi_a, pi_b), and the key that continues after it
    assert len(items) == 2 and {item["user_id"] for item in items} == {"user-1"} and last is not None
    rest, end = utils.query_items(*query, limit=2, last_key=last)
    assert end is None
    ids = [item["transaction_id"] for item in items + rest]
    assert sorted(ids) == [ledger.free_grant_id("user-1@example.com"), "pi_a", "pi_b"]


def test_given_credit_helpers_then_ledger_rules_hold():
    ledger.ensure_user("user-1", "user-1@example.com")  # signed up with a verified e-mail
    assert utils.get_user_credits("user-1") == 3
    assert utils.add_credits("user-1", 10, "pi_x") is True
    assert utils.add_credits("user-1", 10, "pi_x") is False
    utils.deduct_credits("user-1", 13)
    assert utils.get_user_credits("user-1") == 0
    with pytest.raises(InsufficientCredits):
        utils.deduct_credits("user-1", 1)


def test_given_s3_and_sqs_helpers_then_work(aws):
    import boto3
    import requests

    utils.upload_to_s3("ytsb-notes-test", "k/note.md", "# hi")
    assert utils.get_from_s3("ytsb-notes-test", "k/note.md") == "# hi"
    # the presigned URL serves that object (moto answers plain HTTP requests to S3 too)
    fetched = requests.get(utils.generate_presigned_url("ytsb-notes-test", "k/note.md"), timeout=10)
    assert (fetched.status_code, fetched.text) == (200, "# hi")
    # the message arrives on the queue, as JSON, under the id the helper returned
    message_id = utils.send_sqs_message(aws["queue_url"], {"video_id": "v"})
    received = boto3.client("sqs").receive_message(QueueUrl=aws["queue_url"], MaxNumberOfMessages=10)
    assert [(m["MessageId"], m["Body"]) for m in received["Messages"]] == [(message_id, '{"video_id": "v"}')]


def test_given_urls_when_validating_then_one_implementation():
    assert utils.validate_youtube_url("https://m.youtube.com/shorts/dQw4w9WgXcQ") == "dQw4w9WgXcQ"
    with pytest.raises(BadRequest):
        utils.validate_youtube_url("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ")


def test_given_response_helpers_then_proxy_format():
    assert utils.success_response({"a": 1})["statusCode"] == 200
    assert utils.error_response(404, "Not found")["body"] == '{"error": "Not found", "details": {}}'
    with pytest.raises(BadRequest):
        utils.validate_required_fields({}, ["url"])


def test_given_auth_helpers_then_a_token_gives_its_user(make_token, api_event):
    assert utils.verify_jwt_token(make_token("user-7"))["sub"] == "user-7"
    assert utils.extract_user_id_from_event(api_event("GET", "/credits", user="user-8")) == "user-8"
    with pytest.raises(Unauthorized):
        utils.extract_user_id_from_event(api_event("GET", "/credits", user=None))
