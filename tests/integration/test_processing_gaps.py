"""process_video paths a bug could ship through (issue 12): each test fails with the mutant it names."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from process_video.handler import lambda_handler as process
from shared import config, ledger, processing
from shared.config import get_settings
from shared.dal import dynamo
from shared.retries import LeaseHeld
from shared.videos import refund_video

Video = Callable[[str], dict[str, Any] | None]


def test_given_the_video_refunded_while_the_cli_runs_when_notes_are_ready_then_it_stays_failed_and_refunded(
    message: dict[str, str],
    sqs_event: Callable[..., dict[str, Any]],
    context: Any,
    use_cli: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    stored_video: Video,
) -> None:
    # Mutants: the completion written without its `#s = :processing` condition (the notes delivered AND
    # the credit refunded), or its lost-race branch changed to fail (finished work retried as a failure).
    use_cli("success")
    run_cli = processing.run_cli

    def run_then_refund(*args: Any, **kwargs: Any) -> Any:
        result = run_cli(*args, **kwargs)
        # meanwhile the video was given up on and its credit refunded (the sweep does this)
        assert refund_video("user-1", message["video_id"], "Stopped by the sweep")
        return result

    monkeypatch.setattr(processing, "run_cli", run_then_refund)
    # When the worker finishes, then the message is done with (nothing to retry)
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    # And the refund stands: the video is failed and refunded, never completed
    after = stored_video(message["video_id"]) or {}
    assert (after["status"], after["refunded"], after["error"]) == ("failed", True, "Stopped by the sweep")
    assert "note_id" not in after and "completed_at" not in after
    assert ledger.get_user_credits("user-1") == 3


def test_given_the_lease_taken_over_while_the_cli_runs_then_the_stale_worker_changes_nothing(
    message: dict[str, str],
    sqs_event: Callable[..., dict[str, Any]],
    context: Any,
    use_cli: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    stored_video: Video,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Mutant: `lease_until = :lease` always true: the stale worker overwrites the new worker's progress
    # and hands the new worker's video back to the queue.
    use_cli("transient")  # progress events, then a retryable error: the worker gives the video back
    run_cli, taken_over = processing.run_cli, {}

    def run_after_a_takeover(*args: Any, **kwargs: Any) -> Any:
        # Given our lease expired and another worker claimed the video, ten minutes later
        dynamo.update_item(
            get_settings().videos_table, {"video_id": message["video_id"]}, "SET lease_until = :old",
            values={":old": 1},
        )  # fmt: skip
        later = processing.now_epoch() + 600
        with monkeypatch.context() as patch:
            patch.setattr(processing, "now_epoch", lambda: later)
            taken_over.update(processing.claim(message["video_id"]) or {})
        return run_cli(*args, **kwargs)

    monkeypatch.setattr(processing, "run_cli", run_after_a_takeover)
    event = sqs_event(message, receive_count=1)
    # When the stale worker reports progress and then fails transiently
    result = process(event, context)
    # Then its message is retried later, and the video is exactly as the new worker left it
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    after = stored_video(message["video_id"]) or {}
    fields = ("status", "lease_until", "progress", "status_message", "updated_at")
    assert {name: after.get(name) for name in fields} == {name: taken_over[name] for name in fields}
    assert after["status"] == "processing"
    # And giving the video back found the claim gone and said so, instead of failing with it
    # (mutant: `except ConditionFailed` in _release catching nothing: the same retry, through a crash)
    released = [r.levelname for r in caplog.records if r.getMessage() == "claim already gone when releasing"]
    assert released == ["WARNING"]


def test_given_the_claude_key_as_a_secrets_manager_reference_then_the_cli_gets_the_key(
    message: dict[str, str],
    sqs_event: Callable[..., dict[str, Any]],
    context: Any,
    use_cli: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    stored_video: Video,
) -> None:
    # Mutant: only ANTHROPIC_API_KEY resolved: the CLI gets "secretsmanager:..." and every video fails.
    boto3.client("secretsmanager").create_secret(Name="ytsb/claude", SecretString="sk-ant-from-secrets")
    monkeypatch.setenv("CLAUDE_API_KEY", "secretsmanager:ytsb/claude")
    config.reset()
    record = tmp_path / "record.json"
    use_cli("success", record=record)
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    assert json.loads(record.read_text())["env"] == {
        "ANTHROPIC_API_KEY": None,
        "CLAUDE_API_KEY": "sk-ant-from-secrets",
    }
    assert (stored_video(message["video_id"]) or {})["status"] == "completed"


@pytest.mark.parametrize(
    ("scenario", "shown"),
    [("error_detail", "This video is private"), ("error_without_detail", "This video is private")],
    ids=["the-error-field", "the-message-without-one"],
)
def test_given_the_engine_reports_an_error_then_the_user_sees_its_error_text(
    message: dict[str, str],
    sqs_event: Callable[..., dict[str, Any]],
    context: Any,
    use_cli: Callable[..., None],
    stored_video: Video,
    scenario: str,
    shown: str,
) -> None:
    # Mutants: the progress message shown instead of the error event's `error` (docs/progress-protocol.md:
    # the text for the user), or nothing usable when an engine sends no `error` field.
    use_cli(scenario)
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    after = stored_video(message["video_id"]) or {}
    assert (after["status"], after["error"], after["status_message"]) == ("failed", shown, shown)
    assert ledger.get_user_credits("user-1") == 3


Processed = Callable[..., tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]


@pytest.fixture
def processed(
    message: dict[str, str],
    sqs_event: Callable[..., dict[str, Any]],
    context: Any,
    use_cli: Callable[..., None],
    stored_video: Video,
) -> Processed:
    """process_video on the submitted video with the fake CLI's ``scenario``, as the ``receive_count``-th
    delivery: (its answer, the SQS event, the video's row after)."""

    def run(scenario: str, receive_count: int = 1) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        use_cli(scenario)
        event = sqs_event(message, receive_count=receive_count)
        answer = process(event, context)
        return answer, event, stored_video(message["video_id"]) or {}

    return run


def test_given_the_cli_reports_its_note_by_a_relative_path_then_the_note_is_found_in_its_directory(
    processed: Processed,
) -> None:
    # Mutants: `Path(workdir) / path` made `|`, `**` or `>>`: a relative output_path crashes the worker.
    answer, _, after = processed("relative")  # "Fake Lecture.md", relative to --base-dir, the worker's
    assert answer == {"batchItemFailures": []} and after["status"] == "completed"
    assert ledger.get_user_credits("user-1") == 2


def test_given_the_cli_dies_of_a_hangup_then_it_is_retried_like_any_signal(processed: Processed) -> None:
    # Mutant: `code < 0` made `code < -1`: SIGHUP (exit status -1) taken for a permanent failure.
    answer, event, after = processed("hangup")
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert after["status"] == "queued"
    assert ledger.get_user_credits("user-1") == 2  # not refunded: it will be tried again


def test_given_the_cli_exits_with_a_code_it_never_uses_then_the_video_fails_at_once_and_is_refunded(
    processed: Processed,
) -> None:
    # Mutant: `code == ExitCode.TRANSIENT` made `>=`: any code above 4 (127 here) retried five times.
    answer, _, after = processed("unknown_exit")
    assert answer == {"batchItemFailures": []}
    assert (after["status"], after["refunded"]) == ("failed", True)
    assert ledger.get_user_credits("user-1") == 3


def test_given_a_video_stored_before_retries_existed_when_it_fails_then_refunded_under_its_first_key(
    message: dict[str, str], processed: Processed
) -> None:
    # Mutant: `claimed.get("retries", 0)` defaulting to -1 or 1: the refund keyed `refund_<id>_r-1`, so
    # the first attempt's refund key no longer guards it.
    dynamo.update_item(
        get_settings().videos_table, {"video_id": message["video_id"]}, "REMOVE retries", return_values="NONE"
    )
    assert processed("permanent")[0] == {"batchItemFailures": []}
    refund = ledger.entry(ledger.attempt_id("refund", message["video_id"], 0))
    assert refund is not None and refund["amount"] == 1
    assert ledger.get_user_credits("user-1") == 3


@pytest.mark.parametrize("scenario", ["exit_after_completed", "killed_after_completed"])
def test_given_the_cli_says_completed_but_exits_non_zero_then_the_video_is_not_completed(
    processed: Processed, scenario: str
) -> None:
    # Mutants: `result.exit_code != 0` made `> 0` (killed after its last event: exit -9) or `< 0`
    # (exit 1): a run that did not end well taken for a finished note.
    _, _, after = processed(scenario, receive_count=5)  # the last attempt: settled now
    assert (after["status"], after["refunded"]) == ("failed", True) and "note_id" not in after
    assert ledger.get_user_credits("user-1") == 3


def test_given_every_step_once_or_again_then_one_write_per_step_change_and_none_is_lost(
    processed: Processed, aws_requests: list[tuple[str, dict[str, Any]]]
) -> None:
    # Mutants of the step-change test: comparing with the first step instead of the last (a step
    # reported again is written again), or `>=` for `==` ("generating_assessment" sorts before
    # "generating_notes": the assessment step would never be shown).
    aws_requests.clear()
    answer, _, _ = processed("every_step")  # fetching x2, notes x2, assessment, writing, completed
    assert answer == {"batchItemFailures": []}
    updates = [params["UpdateExpression"] for name, params in aws_requests if name == "dynamodb.UpdateItem"]
    steps = [u for u in updates if u.startswith("SET progress = :p, status_message = :m")]
    # Then the claim, one write for each of the 4 steps, and the completion: 6, as the README says
    assert len(updates) == 6 and len(steps) == 4, updates


def test_given_a_message_received_more_times_than_the_limit_when_it_fails_transiently_then_it_is_settled(
    processed: Processed,
) -> None:
    # Mutant: `receive_count < max_receive_count` made `!=`: a message past the limit (the limit was
    # lowered while it waited) would be given back again and again instead of settled.
    answer, _, after = processed("transient", receive_count=get_settings().max_receive_count + 1)
    assert answer == {"batchItemFailures": []}
    assert (after["status"], after["refunded"]) == ("failed", True)


def test_given_a_video_stored_before_attempts_were_counted_when_claimed_then_it_counts_one(
    message: dict[str, str], stored_video: Video
) -> None:
    # Mutant: `":zero": 0` made 1 in the claim: `if_not_exists(attempts, :zero) + :one` gives 2.
    dynamo.update_item(
        get_settings().videos_table,
        {"video_id": message["video_id"]},
        "REMOVE attempts",
        return_values="NONE",
    )
    assert processing.claim(message["video_id"]) is not None
    assert (stored_video(message["video_id"]) or {})["attempts"] == 1


def test_given_a_claim_then_the_lease_runs_the_whole_timeout_plus_a_minute_from_now(
    message: dict[str, str], monkeypatch: pytest.MonkeyPatch, stored_video: Video
) -> None:
    # Mutant: `now + processing_timeout + 60` made `now | processing_timeout + 60`: for a clock whose
    # low bits are already set the lease would end at once, and a second worker take over mid-run.
    now = 1_800_000_000 | (get_settings().processing_timeout + 60)
    monkeypatch.setattr(processing, "now_epoch", lambda: now)
    assert processing.claim(message["video_id"]) is not None
    lease = (stored_video(message["video_id"]) or {})["lease_until"]
    assert lease == now + get_settings().processing_timeout + 60


def test_given_a_video_whose_lease_is_held_then_the_claim_says_how_long_it_still_runs(
    message: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mutant: `lease_until - now` made `^ now`: the redelivery would wait a meaningless time.
    first = 1_800_000_000
    monkeypatch.setattr(processing, "now_epoch", lambda: first)
    assert processing.claim(message["video_id"]) is not None
    monkeypatch.setattr(processing, "now_epoch", lambda: first + 10)
    with pytest.raises(LeaseHeld) as held:
        processing.claim(message["video_id"])
    assert held.value.seconds_left == get_settings().processing_timeout + 60 - 10


def test_given_the_video_was_deleted_before_its_message_came_then_nothing_is_done(
    message: dict[str, str], processed: Processed
) -> None:
    # Mutant: `status == "processing"` made `>=`: a deleted video (no status) compared with a string,
    # a TypeError for every message of a video its owner deleted.
    boto3.resource("dynamodb").Table(get_settings().videos_table).delete_item(
        Key={"video_id": message["video_id"]}
    )
    assert processing.claim(message["video_id"]) is None
    answer, _, after = processed("success")
    assert answer == {"batchItemFailures": []} and after == {}
