"""shared.utils offers every helper the specification names, working against moto."""

from __future__ import annotations

import pytest
from shared import utils
from shared.errors import BadRequest, InsufficientCredits


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
    utils.add_credits("user-1", 5, "pi_a")
    utils.add_credits("user-1", 5, "pi_b")
    items, last = utils.query_items("ytsb-credits", "user-index", "user_id = :u", {":u": "user-1"}, limit=2)
    assert len(items) == 2 and last is not None


def test_given_credit_helpers_then_ledger_rules_hold():
    assert utils.get_user_credits("user-1") == 3
    assert utils.add_credits("user-1", 10, "pi_x") is True
    assert utils.add_credits("user-1", 10, "pi_x") is False
    utils.deduct_credits("user-1", 13)
    assert utils.get_user_credits("user-1") == 0
    with pytest.raises(InsufficientCredits):
        utils.deduct_credits("user-1", 1)


def test_given_s3_and_sqs_helpers_then_work(aws):
    utils.upload_to_s3("ytsb-notes-test", "k/note.md", "# hi")
    assert utils.get_from_s3("ytsb-notes-test", "k/note.md") == "# hi"
    assert "k/note.md" in utils.generate_presigned_url("ytsb-notes-test", "k/note.md")
    assert utils.send_sqs_message(aws["queue_url"], {"video_id": "v"})


def test_given_urls_when_validating_then_one_implementation():
    assert utils.validate_youtube_url("https://m.youtube.com/shorts/dQw4w9WgXcQ") == "dQw4w9WgXcQ"
    with pytest.raises(BadRequest):
        utils.validate_youtube_url("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ")


def test_given_response_helpers_then_proxy_format():
    assert utils.success_response({"a": 1})["statusCode"] == 200
    assert utils.error_response(404, "Not found")["body"] == '{"error": "Not found", "details": {}}'
    assert callable(utils.verify_jwt_token) and callable(utils.extract_user_id_from_event)
    with pytest.raises(BadRequest):
        utils.validate_required_fields({}, ["url"])
