"""The progress protocol between ``youtube-study-buddy --format json-progress`` and process_video.

One JSON object per line on stdout: ``{"step": ..., "progress": 0-100, "message": ...}``.
``completed`` adds the result fields, ``error`` adds ``error``, ``failed_step``, ``retryable``
and, when known, ``reason``. See docs/progress-protocol.md. Standard library only: the Lambda
imports it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, TextIO


class Step(StrEnum):
    STARTING = "starting"
    FETCHING_TRANSCRIPT = "fetching_transcript"
    GENERATING_NOTES = "generating_notes"
    GENERATING_ASSESSMENT = "generating_assessment"
    WRITING_FILES = "writing_files"
    COMPLETED = "completed"
    ERROR = "error"


class ExitCode(IntEnum):
    """The CLI's exit codes; with several URLs the worst (highest) one wins."""

    OK = 0
    USAGE = 2  # usage error or invalid URL
    PERMANENT = 3  # no transcript, private, removed, age-restricted: retrying will not help
    TRANSIENT = 4  # network, blocked, rate limited, provider overloaded: retrying may help


COMPLETED_FIELDS = (
    "output_path",
    "video_id",
    "video_title",
    "duration_seconds",
    "input_tokens",
    "output_tokens",
)
ERROR_FIELDS = ("error", "failed_step", "retryable", "reason")


@dataclass(frozen=True)
class ProgressEvent:
    step: Step
    progress: int
    message: str
    # Only on ``completed`` (COMPLETED_FIELDS) or ``error`` (ERROR_FIELDS).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return self.step in (Step.COMPLETED, Step.ERROR)

    @property
    def retryable(self) -> bool:
        return bool(self.extra.get("retryable", False))

    def to_json(self) -> str:
        payload = asdict(self)
        payload.pop("extra")
        payload["step"] = self.step.value
        payload.update(self.extra)
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def completed(
    *,
    output_path: str,
    video_id: str,
    video_title: str,
    duration_seconds: float,
    input_tokens: int,
    output_tokens: int,
    message: str = "Study notes ready",
) -> ProgressEvent:
    return ProgressEvent(
        Step.COMPLETED,
        100,
        message,
        {
            "output_path": output_path,
            "video_id": video_id,
            "video_title": video_title,
            "duration_seconds": duration_seconds,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
        },
    )


def error(
    *, message: str, failed_step: Step, retryable: bool, progress: int = 0, reason: str | None = None
) -> ProgressEvent:
    """``reason`` (optional, machine-readable: errors.YOUTUBE_BLOCKED, errors.NO_TRANSCRIPT) is left out
    when unknown, so the event is exactly what older readers expect."""
    extra: dict[str, Any] = {"error": message, "failed_step": failed_step.value, "retryable": retryable}
    if reason:
        extra["reason"] = reason
    return ProgressEvent(Step.ERROR, progress, message, extra)


def write_event(event: ProgressEvent, stream: TextIO) -> None:
    """Write one event as one line and flush, so a reading process sees it at once."""
    stream.write(event.to_json() + "\n")
    stream.flush()


def parse_line(line: str | bytes) -> ProgressEvent | None:
    """Parse one line of CLI output; None for anything that is not a valid event.

    Tolerant by design: a stray log line or garbage from a crashing process must not
    crash the reader, it is simply not progress.
    """
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        step = Step(data.get("step"))
    except ValueError:
        return None
    progress = data.get("progress")
    message = data.get("message")
    if isinstance(progress, bool) or not isinstance(progress, int | float) or not isinstance(message, str):
        return None
    if not math.isfinite(progress):  # json.loads accepts NaN and Infinity; int() of them raises
        return None
    allowed = COMPLETED_FIELDS if step is Step.COMPLETED else ERROR_FIELDS if step is Step.ERROR else ()
    extra = {key: data[key] for key in allowed if key in data}
    if step is Step.COMPLETED and not all(key in extra for key in COMPLETED_FIELDS):
        return None
    if step is Step.ERROR:
        extra.setdefault("error", message)
        extra.setdefault("failed_step", Step.STARTING.value)
        # Only a JSON true retries: a string such as "false" must not turn into a retry.
        extra["retryable"] = extra.get("retryable") is True
        if not isinstance(extra.get("reason"), str) or not extra["reason"]:
            extra.pop("reason", None)  # optional; anything but a non-empty string is no reason
    return ProgressEvent(step, max(0, min(100, int(progress))), message, extra)
