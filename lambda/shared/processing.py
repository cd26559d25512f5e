"""process_video's domain: claim a video, run the CLI, store the note, or retry / refund.

At-least-once delivery is normal; every state change is a conditional write, so a redelivered
message finds the video completed, failed, or claimed by a live lease and does nothing harmful.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared import metrics, notes, transcript_upload
from shared.cli_runner import CliResult, redact, run_cli
from shared.config import get_secret_setting, get_settings
from shared.dal import dynamo
from shared.dal.dynamo import ConditionFailed
from shared.errors import RetryLater
from shared.ids import note_id_for, now_epoch, now_iso
from shared.log import logger
from shared.retries import LeaseHeld
from shared.videos import refund_video
from yt_study_buddy.errors import NO_TRANSCRIPT, YOUTUBE_BLOCKED
from yt_study_buddy.progress import ExitCode, ProgressEvent, Step

GENERIC_FAILURE = "Processing failed unexpectedly; your credit was refunded. Please try again later."
TIMEOUT_FAILURE = "Processing took too long and was stopped; your credit was refunded."
# The engine's own text tells a CLI user to set a proxy; a user of the service can upload captions.
BLOCKED_FAILURE = (
    "YouTube refused to give our server this video's captions. Uploading the video's captions "
    "(a .vtt, .srt, .txt or .json file) works instead; your credit was refunded."
)
RETRY_MESSAGE = "A temporary problem occurred; we will retry shortly"
_NAMES = {"#s": "status"}


@dataclass(frozen=True)
class Failure:
    """Why an attempt failed: ``error`` for the user, whether another attempt may help, and the
    video's ``error_code`` (videos.ERROR_CODES)."""

    error: str
    retryable: bool
    code: str = "failed"
    step: str = "unknown"  # where it failed: the engine's failed_step, or how the run ended (metrics)


def process_message(body: str, receive_count: int) -> str:
    """Handle one SQS message; returns what happened. Raises RetryLater for a batch item failure."""
    video_id = str(json.loads(body)["video_id"])
    claimed = claim(video_id)
    if claimed is None:
        return "skipped"
    # The record, not the message, is the truth about whose video this is.
    message = {key: str(claimed[key]) for key in ("video_id", "youtube_video_id", "url", "user_id")}
    user_id, lease = message["user_id"], int(claimed["lease_until"])
    retries = int(claimed.get("retries", 0))  # the attempt whose credit a failure gives back
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="ytsb-") as workdir:
            transcript = claimed.get("transcript_key")
            upload = transcript_upload.download(str(transcript), workdir) if transcript else None
            result = _run(message, lease, workdir, upload)
            outcome = _outcome(result, workdir)
            if outcome is None:
                _complete(message, result, workdir)
                _record_completed(result, time.monotonic() - started)
                return "completed"
    except Exception:  # noqa: BLE001 - e.g. S3 or DynamoDB failed mid-way: retry like a transient error
        logger.exception("processing failed", extra={"video_id": video_id})
        outcome = Failure(GENERIC_FAILURE, True, step="storing")
    error = outcome.error
    if outcome.retryable and receive_count < get_settings().max_receive_count:
        _release(video_id, lease)
        raise RetryLater(error)
    try:
        refunded = refund_video(user_id, video_id, error, retries=retries, error_code=outcome.code)
    except Exception:  # noqa: BLE001 - DynamoDB failed: give the claim back so a redelivery can settle it
        logger.exception("refund failed", extra={"video_id": video_id, "attempt": receive_count})
        with contextlib.suppress(Exception):
            _release(video_id, lease)
        raise RetryLater(error) from None
    logger.warning(
        "video failed", extra={"video_id": video_id, "refunded": refunded, "attempt": receive_count}
    )
    metrics.record(metrics.VIDEOS_FAILED, failed_step=outcome.step)
    if refunded:
        metrics.record(metrics.CREDITS_REFUNDED)
    return "failed"


def claim(video_id: str) -> dict[str, Any] | None:
    """queued -> processing (or take over an expired lease). None: nothing to do (finished or gone)."""
    settings, now = get_settings(), now_epoch()
    try:
        return dynamo.update_item(
            settings.videos_table,
            {"video_id": video_id},
            "SET #s = :processing, lease_until = :lease, attempts = if_not_exists(attempts, :zero) + :one, "
            "status_message = :msg, updated_at = :now",
            "attribute_exists(video_id) AND (#s = :queued OR (#s = :processing AND lease_until < :epoch))",
            names=_NAMES,
            values={
                ":processing": "processing",
                ":queued": "queued",
                ":lease": now + settings.processing_timeout + 60,
                ":zero": 0,
                ":one": 1,
                ":msg": "Processing started",
                ":now": now_iso(),
                ":epoch": now,
            },
        )
    except ConditionFailed as exc:
        status = (exc.item or {}).get("status")
        if status == "processing":
            raise LeaseHeld(int((exc.item or {}).get("lease_until", now)) - now) from None
        logger.info("nothing to do", extra={"video_id": video_id, "status": status})
        return None


# The CLI's settings that may be Secrets Manager references (the LLM key, the YouTube proxy).
SECRET_SETTINGS = (
    "ANTHROPIC_API_KEY",
    "CLAUDE_API_KEY",
    "YTSB_PROXY_URL",
    "YTSB_WEBSHARE_USERNAME",
    "YTSB_WEBSHARE_PASSWORD",
)


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in SECRET_SETTINGS:
        if env.get(name):
            env[name] = get_secret_setting(name)  # a Secrets Manager reference becomes the key
    return env


def _run(message: dict[str, Any], lease: int, workdir: str, transcript: Path | None) -> CliResult:
    settings = get_settings()
    last_step: list[str] = []

    def on_event(event: ProgressEvent) -> None:
        # One write per step change; "starting" would only repeat what the claim wrote.
        if (
            event.is_terminal
            or event.step is Step.STARTING
            or (last_step and last_step[-1] == event.step.value)
        ):
            return
        last_step.append(event.step.value)
        try:
            _progress(message["video_id"], lease, event)
        except Exception:  # noqa: BLE001 - progress is best effort: never stop reading the CLI's output
            logger.exception("progress update failed", extra={"video_id": message["video_id"]})

    args = [message["url"], "--format", "json-progress", "--base-dir", workdir]
    if transcript is not None:  # the user's upload instead of YouTube's captions
        args += ["--transcript", str(transcript)]
    env = _cli_env()
    try:
        result = run_cli(
            settings.cli_command,
            args,
            env=env,
            cwd=workdir,
            timeout=settings.processing_timeout,
            on_event=on_event,
        )
    except OSError:  # the CLI is missing or not executable: a deployment fault, not the user's
        logger.exception("could not start the CLI")
        metrics.record(metrics.ENGINE_START_FAILURES)
        return CliResult(exit_code=None, timed_out=False)
    if not result.events and not result.timed_out and result.exit_code != 0:
        # Not one event: the engine died before it started (an import error, a broken layer). Every
        # video would fail the same way, so this is loud: its stderr in the log, a metric, an alarm.
        secrets = [env[name] for name in SECRET_SETTINGS if env.get(name)]
        logger.error(
            "the notes engine did not start",
            extra={"exit_code": result.exit_code, "stderr_tail": redact(result.stderr_tail, secrets)},
        )
        metrics.record(metrics.ENGINE_START_FAILURES)
    return result


def _progress(video_id: str, lease: int, event: ProgressEvent) -> None:
    _update_leased(
        video_id,
        lease,
        "SET progress = :p, status_message = :m, updated_at = :now",
        {":p": event.progress, ":m": event.message, ":now": now_iso()},
    )


def _update_leased(video_id: str, lease: int, update: str, values: dict[str, Any]) -> None:
    """Change the video only while our lease holds (a taken-over video is someone else's now)."""
    dynamo.update_item(
        get_settings().videos_table,
        {"video_id": video_id},
        update,
        "#s = :processing AND lease_until = :lease",
        return_values="NONE",
        names=_NAMES,
        values={**values, ":processing": "processing", ":lease": lease},
    )


def _outcome(result: CliResult, workdir: str) -> Failure | None:
    """None on success, else why it failed."""
    terminal = result.terminal
    if result.timed_out:
        return Failure(TIMEOUT_FAILURE, False, "timeout", step="timeout")
    if terminal is not None and terminal.step is Step.ERROR:
        return _engine_failure(terminal)
    if terminal is None or result.exit_code != 0 or _note_path(terminal, workdir) is None:
        logger.error("CLI ended without a usable result", extra={"exit_code": result.exit_code})
        # Exit 4 is the CLI's "transient"; a negative code is a signal (e.g. the OOM killer): both may pass.
        code = result.exit_code
        step = "engine_start" if not result.events else "engine_crash"
        transient = code is not None and (code == ExitCode.TRANSIENT or code < 0)
        return Failure(GENERIC_FAILURE, transient, step=step)
    return None


def _engine_failure(event: ProgressEvent) -> Failure:
    """The engine's ``error`` event: its ``reason`` (docs/progress-protocol.md) becomes the error code."""
    text = str(event.extra.get("error") or event.message)
    reason = event.extra.get("reason")
    step = str(event.extra.get("failed_step") or "unknown")
    if reason == YOUTUBE_BLOCKED:
        metrics.record(metrics.TRANSCRIPTS_REFUSED)
        # YouTube blocks a cloud server's addresses for hours or for good: without a proxy (whose exit
        # address changes) another attempt only makes the student wait, when uploading captions works now.
        return Failure(BLOCKED_FAILURE, event.retryable and _proxied(), "youtube_blocked", step)
    if reason == NO_TRANSCRIPT:
        return Failure(text, event.retryable, "no_transcript", step)
    return Failure(text, event.retryable, step=step)


def _proxied() -> bool:
    """Whether the engine reaches YouTube through a proxy (template parameters YouTubeProxyUrl, Webshare*)."""
    return bool(os.environ.get("YTSB_PROXY_URL") or os.environ.get("YTSB_WEBSHARE_USERNAME"))


def _note_path(event: ProgressEvent, workdir: str) -> Path | None:
    """The completed event's note file, only if it lies inside our working directory."""
    path = Path(str(event.extra.get("output_path", "")))
    path = (path if path.is_absolute() else Path(workdir) / path).resolve()
    root = Path(workdir).resolve()
    return path if path.is_file() and path.is_relative_to(root) else None


def _complete(message: dict[str, Any], result: CliResult, workdir: str) -> None:
    event = result.terminal
    assert event is not None
    path = _note_path(event, workdir)
    assert path is not None
    video_id, note_id = message["video_id"], note_id_for(message["video_id"])
    title = str(event.extra.get("video_title") or message["youtube_video_id"])
    meta = {
        "input_tokens": event.extra.get("input_tokens"),
        "output_tokens": event.extra.get("output_tokens"),
    }
    notes.save(
        note_id=note_id,
        video_id=video_id,
        user_id=message["user_id"],
        youtube_video_id=message["youtube_video_id"],
        title=title,
        markdown=path.read_text(encoding="utf-8"),
        meta=meta,
    )
    now = now_iso()
    try:
        dynamo.update_item(
            get_settings().videos_table,
            {"video_id": video_id},
            "SET #s = :completed, note_id = :note, completed_at = :now, updated_at = :now, progress = :full, "
            "title = :title, status_message = :msg REMOVE lease_until",
            "#s = :processing",
            return_values="NONE",
            names=_NAMES,
            values={
                ":completed": "completed",
                ":note": note_id,
                ":now": now,
                ":full": 100,
                ":title": title,
                ":msg": "Study notes ready",
                ":processing": "processing",
            },
        )
    except ConditionFailed:
        logger.warning("video left processing before completion was recorded", extra={"video_id": video_id})


def _record_completed(result: CliResult, seconds: float) -> None:
    extra = result.terminal.extra if result.terminal is not None else {}
    metrics.record(metrics.VIDEOS_COMPLETED)
    metrics.record(metrics.PROCESSING_SECONDS, round(seconds, 3), metrics.SECONDS)
    for name, key in (
        (metrics.LLM_INPUT_TOKENS, "input_tokens"),
        (metrics.LLM_OUTPUT_TOKENS, "output_tokens"),
    ):
        if isinstance(extra.get(key), int):
            metrics.record(name, extra[key])


def _release(video_id: str, lease: int) -> None:
    """Give the video back to the queue state so the SQS retry can claim it."""
    try:
        _update_leased(
            video_id,
            lease,
            "SET #s = :queued, status_message = :msg, updated_at = :now REMOVE lease_until",
            {":queued": "queued", ":msg": RETRY_MESSAGE, ":now": now_iso()},
        )
    except ConditionFailed:
        logger.warning("claim already gone when releasing", extra={"video_id": video_id})
