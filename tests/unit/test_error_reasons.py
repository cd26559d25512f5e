"""The ``reason`` of the protocol's ``error`` event: why a transcript could not be had, for machines.

process_video turns it into the video's ``error_code``, and the web page offers "Upload captions" for
``youtube_blocked`` and ``no_transcript``; without it the page would have to parse English.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import youtube_transcript_api as yta

from yt_study_buddy import pipeline, progress, providers
from yt_study_buddy.errors import NO_TRANSCRIPT, YOUTUBE_BLOCKED, TranscriptError
from yt_study_buddy.progress import ProgressEvent, Step
from yt_study_buddy.transcripts import youtube, ytdlp

VIDEO = "Xq3b7LmR9tA"


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (yta.RequestBlocked(VIDEO), YOUTUBE_BLOCKED),
        (yta.IpBlocked(VIDEO), YOUTUBE_BLOCKED),
        (yta.TranscriptsDisabled(VIDEO), NO_TRANSCRIPT),
        (yta.VideoUnavailable(VIDEO), None),
    ],
    ids=["request-blocked", "ip-blocked", "transcripts-disabled", "unavailable"],
)
def test_given_a_youtube_transcript_api_failure_when_classified_then_its_reason_is_set(
    exc: Exception, reason: str | None
) -> None:
    assert youtube.classify_error(exc).reason == reason


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("ERROR: [youtube] abc: Sign in to confirm you\u2019re not a bot.", YOUTUBE_BLOCKED),
        ("ERROR: [youtube] abc: Your IP is likely being blocked by YouTube", YOUTUBE_BLOCKED),
        ("ERROR: unable to download video data: HTTP Error 429: Too Many Requests", YOUTUBE_BLOCKED),
        ("ERROR: Unable to download webpage: <urlopen error timed out>", None),
        ("ERROR: [youtube] abc: Private video. Sign in if you've been granted access", None),
    ],
)
def test_given_a_yt_dlp_failure_when_classified_then_blocks_say_so(message: str, reason: str | None) -> None:
    assert ytdlp.classify_error(Exception(message)).reason == reason


def test_given_yt_dlp_lists_no_subtitles_then_the_reason_is_no_transcript() -> None:
    with pytest.raises(TranscriptError) as caught:
        ytdlp.transcript_from_info(VIDEO, {"id": VIDEO, "subtitles": {}, "automatic_captions": {}}, ["en"])
    assert caught.value.reason == NO_TRANSCRIPT and caught.value.retryable is False


def test_given_a_reason_when_the_event_is_written_and_read_then_it_survives() -> None:
    event = progress.error(
        message="blocked", failed_step=Step.FETCHING_TRANSCRIPT, retryable=True, reason=YOUTUBE_BLOCKED
    )
    line = event.to_json()
    assert json.loads(line)["reason"] == YOUTUBE_BLOCKED
    assert progress.parse_line(line) == event


def test_given_no_reason_then_the_event_is_exactly_the_old_one() -> None:
    # Given an error without a known reason, When written, Then no "reason" key (old readers unchanged)
    line = progress.error(message="m", failed_step=Step.GENERATING_NOTES, retryable=False).to_json()
    assert set(json.loads(line)) == {"step", "progress", "message", "error", "failed_step", "retryable"}


@pytest.mark.parametrize("raw", ['""', "1", "true", "null", '["youtube_blocked"]'])
def test_given_a_reason_that_is_not_a_string_when_parsed_then_it_is_dropped(raw: str) -> None:
    line = f'{{"step": "error", "progress": 5, "message": "m", "retryable": false, "reason": {raw}}}'
    parsed = progress.parse_line(line)
    assert parsed is not None and "reason" not in parsed.extra


def test_given_an_older_reader_when_a_reason_arrives_then_it_ignores_it() -> None:
    # An older reader keeps only the fields it knows: the event is otherwise the same
    line = progress.error(
        message="m", failed_step=Step.FETCHING_TRANSCRIPT, retryable=False, reason=NO_TRANSCRIPT
    ).to_json()
    data = json.loads(line)
    assert {key: data[key] for key in ("step", "progress", "message", "retryable")} == {
        "step": "error",
        "progress": 0,
        "message": "m",
        "retryable": False,
    }


def test_given_youtube_refuses_the_server_when_the_pipeline_runs_then_its_error_event_has_the_reason(
    tmp_path: Path,
) -> None:
    # Given a fetch that is refused as YouTube refuses a cloud IP
    def blocked(video_id: str) -> None:
        raise youtube.classify_error(yta.RequestBlocked(video_id))

    events: list[ProgressEvent] = []
    # When the pipeline runs
    outcome = pipeline.run(VIDEO, providers.create_provider("offline"), blocked, tmp_path, events.append)  # type: ignore[arg-type]
    # Then the terminal event is retryable and says why, in words and as a reason
    terminal = events[-1]
    assert terminal.step is Step.ERROR and terminal.retryable
    assert terminal.extra["reason"] == YOUTUBE_BLOCKED and outcome.error == terminal.message
