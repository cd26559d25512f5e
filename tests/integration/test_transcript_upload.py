"""POST /videos with ``transcript``: checked, stored before any credit is spent, handed to the engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from get_video.handler import lambda_handler as get_video
from process_video.handler import lambda_handler as process
from shared import ledger, transcript_upload
from submit_video.handler import lambda_handler as submit

from tests.integration.faults import fault

URL = "https://youtu.be/dQw4w9WgXcQ"
BUCKET = "ytsb-notes-test"  # conftest's NOTES_BUCKET
SRT = "1\n00:00:00,000 --> 00:00:04,000\nA gradient points uphill.\n"


def objects() -> dict[str, tuple[str, str]]:
    """Every object in the bucket: key -> (text, content type)."""
    s3 = boto3.client("s3")
    found = {}
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        obj = s3.get_object(Bucket=BUCKET, Key=item["Key"])
        found[item["Key"]] = (obj["Body"].read().decode("utf-8"), obj["ContentType"])
    return found


def videos_stored() -> list[dict[str, Any]]:
    return boto3.resource("dynamodb").Table("ytsb-videos").scan(ConsistentRead=True)["Items"]


@pytest.fixture
def post(
    api_event: Callable[..., dict], invoke: Callable[..., tuple[int, Any]]
) -> Callable[..., tuple[int, Any]]:
    def run(transcript: Any, user: str = "user-1") -> tuple[int, Any]:
        return invoke(
            submit, api_event("POST", "/videos", user=user, body={"url": URL, "transcript": transcript})
        )

    return run


def test_given_a_transcript_when_submitting_then_it_is_stored_beside_the_note_and_the_video_says_so(
    post, invoke, api_event, stored_video, aws
):
    # When a video is submitted with its captions
    status, body = post({"format": "srt", "content": SRT})
    # Then they are in S3 at {user}/{video}/transcript.srt, recorded on the video, shown as has_transcript
    assert status == 201
    key = f"user-1/{body['video_id']}/transcript.srt"
    assert objects() == {key: (SRT, "application/x-subrip; charset=utf-8")}
    assert stored_video(body["video_id"])["transcript_key"] == key
    view = invoke(
        get_video, api_event("GET", "/videos/{video_id}", path_params={"video_id": body["video_id"]})
    )
    assert view[0] == 200 and view[1]["has_transcript"] is True
    # And the message is the usual four fields (the worker reads the key from the record)
    sqs = boto3.client("sqs")
    (sent,) = sqs.receive_message(QueueUrl=aws["queue_url"]).get("Messages", [])
    assert set(json.loads(sent["Body"])) == {"video_id", "youtube_video_id", "url", "user_id"}
    assert ledger.get_user_credits("user-1") == 2


def test_given_no_transcript_then_no_file_and_no_has_transcript(post, invoke, api_event):
    status, body = post(None)
    assert status == 201 and objects() == {}
    view = invoke(
        get_video, api_event("GET", "/videos/{video_id}", path_params={"video_id": body["video_id"]})
    )[1]
    assert "has_transcript" not in view


def test_given_a_transcript_of_exactly_2_mb_then_it_is_accepted(post):
    content = "a" * transcript_upload.MAX_BYTES
    assert post({"format": "txt", "content": content})[0] == 201


@pytest.mark.parametrize(
    ("transcript", "says"),
    [
        ("WEBVTT", "must be an object"),
        ({"format": "pdf", "content": SRT}, "format must be one of vtt, srt, txt, json"),
        ({"content": SRT}, "format must be one of"),
        ({"format": {}, "content": SRT}, "format must be one of"),  # found by schemathesis: was a 500
        ({"format": ["vtt"], "content": SRT}, "format must be one of"),
        ({"format": "srt", "content": 42}, "content must be a string"),
        ({"format": "srt"}, "content must be a string"),
        ({"format": "srt", "content": "  \n"}, "content is empty"),
        ({"format": "txt", "content": "é" * (transcript_upload.MAX_BYTES // 2) + "a"}, "at most 2097152"),
        ({"format": "srt", "content": SRT, "language": "en"}, "unknown fields: language"),
    ],
    ids=[
        "not-an-object",
        "unknown-format",
        "no-format",
        "format-object",
        "format-list",
        "number",
        "no-content",
        "blank",
        "over-2mb",
        "extra",
    ],
)
def test_given_a_bad_transcript_when_submitting_then_400_naming_it_and_nothing_stored_or_spent(
    post, transcript, says
):
    status, body = post(transcript)
    assert status == 400 and body["error"] == "Invalid transcript" and says in body["details"]["transcript"]
    assert objects() == {} and videos_stored() == []
    assert ledger.get_user_credits("user-1", "user-1@example.com") == 3  # nothing spent


def test_given_a_lone_surrogate_in_the_content_then_400(api_event, invoke):
    raw = json.dumps({"url": URL, "transcript": {"format": "txt", "content": "caption \ud800"}})
    assert "\\ud800" in raw  # json.dumps escapes the lone surrogate, as a client's JSON may carry it
    status, body = invoke(submit, api_event("POST", "/videos", body=raw))
    assert (status, body["details"]) == (400, {"transcript": "content is not valid Unicode text"})


def test_given_s3_down_when_uploading_then_503_and_no_credit_spent(post, faults):
    upload = faults.add(fault(("s3", "PutObject", lambda params: True)))
    status, body = post({"format": "srt", "content": SRT})
    assert upload.fired == 1 and status == 503 and body["details"] == {}
    assert videos_stored() == [] and ledger.get_user_credits("user-1", "user-1@example.com") == 3


def test_given_no_credits_when_submitting_with_a_transcript_then_402_and_the_upload_is_removed(post):
    for _ in range(3):
        assert post(None)[0] == 201
    status, body = post({"format": "vtt", "content": "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"})
    assert (status, body["details"]) == (402, {"required": 1, "available": 0})
    assert objects() == {}


def test_given_an_uploaded_transcript_when_processed_then_the_engine_reads_it_instead_of_youtube(
    post, sqs_event, context, use_cli, tmp_path, stored_video
):
    # Given a video submitted with its captions
    video_id = post({"format": "srt", "content": SRT})[1]["video_id"]
    record = tmp_path / "record.json"
    use_cli("success", record=record)
    # When process_video runs
    message = {"video_id": video_id, "youtube_video_id": "dQw4w9WgXcQ", "url": URL, "user_id": "user-1"}
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    # Then the CLI got --transcript with a .srt file holding exactly the upload, and the note is from it
    seen = json.loads(record.read_text())
    flag = seen["argv"].index("--transcript")
    assert seen["argv"][flag + 1].endswith("/transcript.srt") and seen["transcript"] == SRT
    assert stored_video(video_id)["status"] == "completed"
    note = objects()[f"user-1/{video_id}/note.md"][0]
    assert "From the uploaded transcript: A gradient points uphill." in note


def test_given_a_video_without_upload_when_processed_then_no_transcript_flag(
    message, sqs_event, context, use_cli, tmp_path
):
    record = tmp_path / "record.json"
    use_cli("success", record=record)
    process(sqs_event(message), context)
    assert "--transcript" not in json.loads(record.read_text())["argv"]


def test_given_a_failed_video_with_an_upload_when_retried_then_the_same_transcript_is_used_again(
    post, sqs_event, context, use_cli, tmp_path, api_event, invoke
):
    video_id = post({"format": "srt", "content": SRT})[1]["video_id"]
    message = {"video_id": video_id, "youtube_video_id": "dQw4w9WgXcQ", "url": URL, "user_id": "user-1"}
    use_cli("permanent")
    process(sqs_event(message), context)
    retry = api_event("POST", "/videos/{video_id}/retry", path_params={"video_id": video_id})
    assert invoke(submit, retry)[0] == 200
    record = tmp_path / "record.json"
    use_cli("success", record=record)
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    assert json.loads(record.read_text())["transcript"] == SRT


def test_given_a_known_user_when_submitting_with_a_transcript_then_one_upload_more(post, aws_calls):
    post(None)  # the user exists now
    aws_calls.clear()
    assert post({"format": "srt", "content": SRT})[0] == 201
    assert dict(aws_calls) == {"s3.PutObject": 1, "dynamodb.TransactWriteItems": 1, "sqs.SendMessage": 1}


def test_given_no_credits_and_s3_failing_the_cleanup_then_still_402_and_the_failure_logged(
    post, faults, caplog
):
    # Mutant: `except (BotoCoreError, ClientError)` in _discard_upload catching neither: a leftover
    # file (storage, not money) would turn the student's clear 402 into a 500.
    for _ in range(3):
        assert post(None)[0] == 201
    cleanup = faults.add(fault(("s3", "DeleteObject", lambda params: True)))
    status, body = post({"format": "vtt", "content": "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"})
    assert cleanup.fired == 1 and (status, body["details"]) == (402, {"required": 1, "available": 0})
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "could not delete an unused transcript upload"
    ]
