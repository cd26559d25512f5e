"""The progress protocol: what the CLI writes is exactly what process_video reads."""

from __future__ import annotations

import io
import json

import pytest

from yt_study_buddy import progress
from yt_study_buddy.progress import ProgressEvent, Step


def test_given_a_completed_event_when_written_then_parse_returns_it_with_all_fields() -> None:
    event = progress.completed(
        output_path="/tmp/n.md",
        video_id="dQw4w9WgXcQ",
        video_title="Title",
        duration_seconds=212.0,
        input_tokens=10,
        output_tokens=20,
    )
    stream = io.StringIO()
    progress.write_event(event, stream)

    line = stream.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1
    assert progress.parse_line(line) == event
    assert json.loads(line)["step"] == "completed"


def test_given_an_error_event_when_parsed_then_retryable_and_failed_step_survive() -> None:
    event = progress.error(
        message="YouTube is rate limiting us", failed_step=Step.FETCHING_TRANSCRIPT, retryable=True
    )
    parsed = progress.parse_line(event.to_json().encode())
    assert parsed is not None and parsed.is_terminal and parsed.retryable
    assert parsed.extra["failed_step"] == "fetching_transcript"
    assert parsed.extra["error"] == "YouTube is rate limiting us"


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Traceback (most recent call last):",
        "{not json",
        "[1, 2]",
        '{"step": "dancing", "progress": 5, "message": "x"}',
        '{"step": "starting", "progress": "5", "message": "x"}',
        '{"step": "starting", "progress": true, "message": "x"}',
        '{"step": "completed", "progress": 100, "message": "done"}',
    ],
)
def test_given_garbage_or_incomplete_lines_when_parsed_then_none(line: str) -> None:
    assert progress.parse_line(line) is None


def test_given_out_of_range_progress_when_parsed_then_clamped_and_unknown_fields_dropped() -> None:
    parsed = progress.parse_line('{"step": "generating_notes", "progress": 250, "message": "m", "secret": 1}')
    assert parsed == ProgressEvent(Step.GENERATING_NOTES, 100, "m")
