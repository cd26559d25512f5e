"""process_video with a fake CLI: success, retries, refunds, redelivery, timeouts."""

from __future__ import annotations

import json
import sys

import boto3
import pytest
from process_video.handler import lambda_handler as process
from shared import config, ledger
from shared.config import get_settings
from shared.dal import dynamo
from submit_video.handler import lambda_handler as submit

from yt_study_buddy.samples import DEMO_VIDEO_IDS, samples_dir


def video(video_id: str) -> dict:
    return dynamo.get_item(get_settings().videos_table, {"video_id": video_id}, consistent=True) or {}


def refunds() -> int:
    entries = boto3.resource("dynamodb").Table("ytsb-credits").scan()["Items"]
    return sum(1 for entry in entries if entry["type"] == "refund")


def test_given_cli_success_then_note_stored_and_video_completed(
    message, sqs_event, context, use_cli, tmp_path, aws_calls, monkeypatch
):
    record = tmp_path / "record.json"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    use_cli("success", record=record)
    aws_calls.clear()
    result = process(sqs_event(message), context)
    calls = dict(aws_calls)
    assert result == {"batchItemFailures": []}
    done = video(message["video_id"])
    assert (done["status"], done["progress"], done["title"]) == ("completed", 100, "Fake Lecture")
    assert done["note_id"] == "note_" + message["video_id"].removeprefix("video_") and done["completed_at"]
    key = f"user-1/{message['video_id']}/note.md"
    body = boto3.client("s3").get_object(Bucket="ytsb-notes-test", Key=key)["Body"].read().decode()
    assert body.startswith("# Fake Lecture")
    note = dynamo.get_item(get_settings().notes_table, {"note_id": done["note_id"]})
    assert note["s3_key"] == key and note["title"] == "Fake Lecture" and note["input_tokens"] == 100
    # the CLI got the URL, the protocol flags, and the key in its environment
    seen = json.loads(record.read_text())
    assert seen["argv"][-5:-4] == [message["url"]] and "json-progress" in seen["argv"]
    assert seen["env"]["ANTHROPIC_API_KEY"] == "sk-ant-test"
    # progress writes happen on step changes only: fetching, notes, writing (not "starting", which repeats
    # the claim, nor the repeated fetch)
    assert calls == {
        "dynamodb.UpdateItem": 1 + 3 + 1,  # claim, 3 step changes, completion
        "s3.PutObject": 1,
        "dynamodb.PutItem": 1,
    }
    assert ledger.get_user_credits("user-1") == 2


def test_given_completed_video_when_redelivered_then_nothing_happens(message, sqs_event, context, use_cli):
    use_cli("success")
    process(sqs_event(message), context)
    before = video(message["video_id"])
    use_cli("permanent")  # would fail if it ran again
    assert process(sqs_event(message, receive_count=2), context) == {"batchItemFailures": []}
    assert video(message["video_id"]) == before


def test_given_permanent_error_delivered_twice_then_failed_and_refunded_once(
    message, sqs_event, context, use_cli
):
    use_cli("permanent")
    for count in (1, 2):
        assert process(sqs_event(message, receive_count=count), context) == {"batchItemFailures": []}
    failed = video(message["video_id"])
    assert (failed["status"], failed["error"]) == ("failed", "This video has no transcript")
    assert refunds() == 1 and ledger.get_user_credits("user-1") == 3


def test_given_transient_error_on_first_attempt_then_batch_failure_and_queued(
    message, sqs_event, context, use_cli
):
    use_cli("transient")
    event = sqs_event(message, receive_count=1)
    result = process(event, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    back = video(message["video_id"])
    assert back["status"] == "queued" and "lease_until" not in back
    assert refunds() == 0 and ledger.get_user_credits("user-1") == 2


def test_given_transient_error_on_last_attempt_then_failed_and_refunded(message, sqs_event, context, use_cli):
    use_cli("transient")
    process(sqs_event(message, receive_count=1), context)
    assert process(sqs_event(message, receive_count=3), context) == {"batchItemFailures": []}
    failed = video(message["video_id"])
    assert failed["status"] == "failed" and failed["error"] == "YouTube is rate limiting us"
    assert refunds() == 1 and ledger.get_user_credits("user-1") == 3


@pytest.mark.parametrize("scenario", ["garbage", "outside"])
def test_given_crash_or_unusable_result_then_generic_failure_and_refund(
    message, sqs_event, context, use_cli, scenario
):
    use_cli(scenario)
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    failed = video(message["video_id"])
    assert failed["status"] == "failed" and "refunded" in failed["error"]
    assert "Traceback" not in failed["error"] and ledger.get_user_credits("user-1") == 3


@pytest.mark.parametrize("scenario", ["transient_exit", "killed"])
def test_given_cli_dies_transiently_without_error_event_then_retried_then_refunded_on_last_attempt(
    message, sqs_event, context, use_cli, scenario
):
    use_cli(scenario)
    first = sqs_event(message, receive_count=1)
    assert process(first, context) == {
        "batchItemFailures": [{"itemIdentifier": first["Records"][0]["messageId"]}]
    }
    assert video(message["video_id"])["status"] == "queued" and refunds() == 0
    assert process(sqs_event(message, receive_count=3), context) == {"batchItemFailures": []}
    assert video(message["video_id"])["status"] == "failed"
    assert refunds() == 1 and ledger.get_user_credits("user-1") == 3


@pytest.mark.parametrize("scenario", ["hang", "silent_hang"])
def test_given_hanging_cli_then_killed_at_timeout_and_refunded(
    message, sqs_event, context, use_cli, scenario
):
    use_cli(scenario, timeout=2)
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    failed = video(message["video_id"])
    assert failed["status"] == "failed" and "too long" in failed["error"]
    assert ledger.get_user_credits("user-1") == 3


def test_given_live_lease_by_another_worker_then_batch_failure_and_untouched(
    message, sqs_event, context, use_cli
):
    from shared.processing import claim

    claim(message["video_id"])  # another worker holds it now
    use_cli("success")
    event = sqs_event(message, receive_count=2)
    assert process(event, context)["batchItemFailures"] == [
        {"itemIdentifier": event["Records"][0]["messageId"]}
    ]
    assert video(message["video_id"])["status"] == "processing"


def test_given_expired_lease_then_taken_over_and_completed(message, sqs_event, context, use_cli):
    dynamo.update_item(
        get_settings().videos_table,
        {"video_id": message["video_id"]},
        "SET #s = :p, lease_until = :old",
        names={"#s": "status"},
        values={":p": "processing", ":old": 1},
    )
    use_cli("success")
    assert process(sqs_event(message, receive_count=2), context) == {"batchItemFailures": []}
    assert video(message["video_id"])["status"] == "completed"


def test_given_missing_cli_then_failed_and_refunded(message, sqs_event, context, monkeypatch):
    from shared.processing import GENERIC_FAILURE

    monkeypatch.setenv("CLI_COMMAND", "/nonexistent/youtube-study-buddy")
    config.get_settings.cache_clear()
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    # a deployment fault, told as such: not "took too long", which is what a timeout says
    failed = video(message["video_id"])
    assert (failed["status"], failed["error"], failed["error_code"]) == ("failed", GENERIC_FAILURE, "failed")
    assert ledger.get_user_credits("user-1") == 3


def test_given_real_cli_offline_on_sample_transcript_then_completed(
    api_event, invoke, sqs_event, context, monkeypatch
):
    """The real engine (`python -m yt_study_buddy --provider offline`) end to end through process_video."""
    samples = samples_dir()
    sample_id = DEMO_VIDEO_IDS[0]
    monkeypatch.setenv("CLI_COMMAND", f"{sys.executable} -m yt_study_buddy --provider offline")
    monkeypatch.setenv("YTSB_TRANSCRIPTS_DIR", str(samples))
    monkeypatch.setenv("PROCESSING_TIMEOUT", "120")
    config.get_settings.cache_clear()
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": f"https://youtu.be/{sample_id}"}))
    assert status == 201
    message = {
        "video_id": body["video_id"],
        "youtube_video_id": sample_id,
        "url": f"https://www.youtube.com/watch?v={sample_id}",
        "user_id": "user-1",
    }
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    done = video(message["video_id"])
    assert done["status"] == "completed", done.get("error")
    note = boto3.client("s3").get_object(
        Bucket="ytsb-notes-test", Key=f"user-1/{message['video_id']}/note.md"
    )
    text = note["Body"].read().decode()
    assert text.lstrip().startswith("---") and sample_id in text
    assert done["title"] and done["title"] in text


@pytest.mark.parametrize(("attempt", "status"), [(1, "queued"), (3, "failed")])
def test_given_s3_down_mid_way_then_retry_or_refund_on_last_attempt(
    message, sqs_event, context, use_cli, monkeypatch, attempt, status
):
    # Given the notes bucket cannot be written (it does not exist)
    monkeypatch.setenv("NOTES_BUCKET", "no-such-bucket")
    use_cli("success")
    event = sqs_event(message, receive_count=attempt)
    # When processing
    failures = process(event, context)["batchItemFailures"]
    # Then attempt 1 is retried with the video queued again, the last attempt fails and refunds
    assert len(failures) == (1 if attempt == 1 else 0)
    assert video(message["video_id"])["status"] == status
    assert ledger.get_user_credits("user-1") == (2 if attempt == 1 else 3)


def test_given_message_with_foreign_user_id_then_record_owner_is_used(message, sqs_event, context, use_cli):
    use_cli("permanent")
    process(sqs_event({**message, "user_id": "someone-else"}), context)
    assert ledger.get_user_credits("user-1") == 3  # the owner got the refund
    assert video(message["video_id"])["status"] == "failed"


def test_given_parallel_refunds_of_one_video_then_refunded_once(message):
    from concurrent.futures import ThreadPoolExecutor

    from shared.videos import refund_video

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: refund_video("user-1", message["video_id"], "stopped"), range(5)))
    assert results.count(True) == 1 and refunds() == 1
    assert ledger.get_user_credits("user-1") == 3


def test_given_same_message_delivered_twice_at_once_then_one_run_completes(
    message, sqs_event, context, use_cli
):
    from concurrent.futures import ThreadPoolExecutor

    use_cli("success")
    events = [sqs_event(message, receive_count=count) for count in (1, 2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda event: process(event, context), events))
    # one worker completes it; the other either saw the live lease (retry later) or the finished video
    assert sum(len(result["batchItemFailures"]) for result in results) <= 1
    assert video(message["video_id"])["status"] == "completed"
    notes_table = boto3.resource("dynamodb").Table("ytsb-notes").scan()["Items"]
    assert len(notes_table) == 1 and ledger.get_user_credits("user-1") == 2


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("blocked", "youtube_blocked"),
        ("no_captions", "no_transcript"),
        ("permanent", "failed"),
        ("garbage", "failed"),
        ("hang", "timeout"),
    ],
)
def test_given_a_failure_then_the_video_says_why_in_error_code(
    message, sqs_event, context, use_cli, api_event, invoke, scenario, code
):
    # Given the engine fails in a given way on the last allowed attempt
    use_cli(scenario, timeout=2)
    assert process(sqs_event(message, receive_count=3), context) == {"batchItemFailures": []}
    # Then the failed video's public view carries the machine-readable reason
    from get_video.handler import lambda_handler as get_video

    event = api_event("GET", "/videos/{video_id}", path_params={"video_id": message["video_id"]})
    status, view = invoke(get_video, event)
    assert (status, view["status"], view["error_code"]) == (200, "failed", code)
    assert ledger.get_user_credits("user-1") == 3


def test_given_youtube_refuses_the_server_without_a_proxy_then_failed_at_once_offering_the_captions(
    message, sqs_event, context, use_cli, monkeypatch
):
    # Given YouTube refuses our server and no proxy is configured (its addresses stay blocked)
    for name in ("YTSB_PROXY_URL", "YTSB_WEBSHARE_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    use_cli("blocked")
    # When the first attempt fails: it is not retried, the video fails and is refunded at once
    assert process(sqs_event(message, receive_count=1), context) == {"batchItemFailures": []}
    assert ledger.get_user_credits("user-1") == 3
    # Then the user reads that YouTube refused us and that uploading the captions works instead
    failed = video(message["video_id"])
    assert failed["error_code"] == "youtube_blocked"
    assert "YouTube refused" in failed["error"] and "our server" in failed["error"]
    assert all(ext in failed["error"] for ext in (".vtt", ".srt", ".txt", ".json"))
    assert "YTSB_PROXY_URL" not in failed["error"]  # the CLI's advice is for CLI users, not for the page


def test_given_youtube_refuses_the_server_behind_a_proxy_then_retried(
    message, sqs_event, context, use_cli, monkeypatch
):
    # Given a proxy whose exit address changes between attempts
    monkeypatch.setenv("YTSB_PROXY_URL", "http://proxy.invalid:3128")
    use_cli("blocked")
    first = sqs_event(message, receive_count=1)
    # Then a refusal is worth another attempt: the message goes back to the queue, nothing refunded yet
    assert process(first, context)["batchItemFailures"] == [
        {"itemIdentifier": first["Records"][0]["messageId"]}
    ]
    assert video(message["video_id"])["status"] == "queued"
