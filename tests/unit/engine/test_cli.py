"""The real CLI as a subprocess, its stdout fed to the backend's parser (progress.parse_line)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fakes.anthropic_server import FakeAnthropicServer
from tests.unit.engine.conftest import run_cli
from yt_study_buddy import progress
from yt_study_buddy.progress import ProgressEvent, Step

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s"


def events_of(stdout: str) -> list[ProgressEvent]:
    """Every stdout line must be a protocol event: None from the parser fails the test."""
    lines = stdout.splitlines()
    parsed = [progress.parse_line(line) for line in lines]
    assert lines and None not in parsed, stdout
    return [event for event in parsed if event is not None]


def test_given_a_transcript_file_when_json_progress_then_every_line_is_an_event_and_the_last_completed(
    cli_command: list[str], cli_env: dict[str, str], lecture_vtt: Path, tmp_path: Path
) -> None:
    result = run_cli(
        cli_command,
        cli_env,
        VIDEO,
        "--transcript",
        str(lecture_vtt),
        "--format",
        "json-progress",
        "--base-dir",
        str(tmp_path / "notes"),
        cwd=tmp_path,
    )

    events = events_of(result.stdout)
    assert result.returncode == 0, result.stderr
    assert events[0].step is Step.STARTING and events[-1].step is Step.COMPLETED
    assert set(progress.COMPLETED_FIELDS) <= set(events[-1].extra)
    assert events[-1].extra["video_id"] == "dQw4w9WgXcQ" and events[-1].extra["duration_seconds"] > 100
    note = Path(events[-1].extra["output_path"])
    assert note.parent == tmp_path / "notes" and "photosynthesis" in note.read_text().lower()


def test_given_human_format_then_stdout_has_a_summary_and_the_note_is_written(
    cli_command: list[str], cli_env: dict[str, str], lecture_vtt: Path, tmp_path: Path
) -> None:
    result = run_cli(cli_command, cli_env, VIDEO, "--transcript", str(lecture_vtt), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "1 of 1 notes written" in result.stdout
    assert progress.parse_line(result.stdout.splitlines()[-1]) is None  # human text, not protocol
    (written,) = (tmp_path / "notes").glob("*.md")
    assert "## Assessment" in written.read_text()


def test_given_an_invalid_and_a_valid_url_then_both_are_processed_and_the_exit_code_is_2(
    cli_command: list[str], cli_env: dict[str, str], lecture_vtt: Path, tmp_path: Path
) -> None:
    transcripts = tmp_path / "no-transcripts"  # YTSB_TRANSCRIPTS_DIR of cli_env
    transcripts.mkdir()
    shutil.copy(lecture_vtt, transcripts / "dQw4w9WgXcQ.vtt")
    urls = tmp_path / "urls.txt"
    urls.write_text(
        f"# my list\nhttps://youtube.com.evil.example/watch?v=dQw4w9WgXcQ\n{VIDEO}  # the lecture\n"
    )

    result = run_cli(cli_command, cli_env, "--file", str(urls), "--format", "json-progress", cwd=tmp_path)

    events = events_of(result.stdout)
    assert result.returncode == 2
    terminal = [e for e in events if e.is_terminal]
    assert [e.step for e in terminal] == [Step.ERROR, Step.COMPLETED]
    assert terminal[0].extra["failed_step"] == "starting" and terminal[0].retryable is False


def test_given_no_transcript_and_no_network_then_exit_3_or_4_with_a_matching_error_event(
    cli_command: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(cli_command, cli_env, "9bZkp7q19f0", "--format", "json-progress", cwd=tmp_path)

    events = events_of(result.stdout)
    assert result.returncode in (3, 4), result.stderr
    last = events[-1]
    assert last.step is Step.ERROR and last.extra["failed_step"] == "fetching_transcript"
    assert last.retryable is (result.returncode == 4)
    assert not (tmp_path / "notes").exists()


def test_given_a_claude_key_then_claude_is_the_default_and_tokens_are_reported(
    cli_command: list[str],
    cli_env: dict[str, str],
    lecture_vtt: Path,
    tmp_path: Path,
    fake_anthropic: FakeAnthropicServer,
) -> None:
    env = {**cli_env, "ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": fake_anthropic.url}

    result = run_cli(
        cli_command, env, VIDEO, "--transcript", str(lecture_vtt), "--format", "json-progress", cwd=tmp_path
    )

    completed = events_of(result.stdout)[-1]
    assert result.returncode == 0, result.stderr
    (request,) = fake_anthropic.requests
    assert completed.extra["input_tokens"] == request.input_tokens > 0
    assert completed.extra["output_tokens"] == request.output_tokens > 0


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--format", "json-progress"], id="no URL"),
        pytest.param(
            ["dQw4w9WgXcQ", "--provider", "gpt-17", "--format", "json-progress"], id="unknown provider"
        ),
    ],
)
def test_given_a_usage_error_then_exit_2_and_nothing_on_stdout(
    cli_command: list[str], cli_env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    result = run_cli(cli_command, cli_env, *args, cwd=tmp_path)

    assert result.returncode == 2 and result.stdout == ""
    assert "Usage" in result.stderr


def test_given_a_url_file_that_is_not_text_then_exit_2_with_a_usage_message(
    cli_command: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_bytes(b"\xff\xfe\x00binary")

    result = run_cli(cli_command, cli_env, "--file", str(urls), "--format", "json-progress", cwd=tmp_path)

    assert result.returncode == 2 and result.stdout == ""
    assert "cannot read it as a UTF-8 text file of URLs" in result.stderr
    assert "Traceback" not in result.stderr


def test_given_a_failure_nobody_foresaw_then_the_event_has_a_sentence_and_stderr_the_traceback(
    cli_command: list[str], cli_env: dict[str, str], hostile_captions: Path, tmp_path: Path
) -> None:
    # Given hostile captions, and a file where the notes folder should be
    (tmp_path / "notes").write_text("not a folder", encoding="utf-8")

    result = run_cli(
        cli_command,
        cli_env,
        VIDEO,
        "--transcript",
        str(hostile_captions),
        "--format",
        "json-progress",
        "--base-dir",
        str(tmp_path / "notes"),
        cwd=tmp_path,
    )

    # Then the protocol and exit code are as always: one error event, permanent failure
    events = events_of(result.stdout)
    assert result.returncode == 3
    assert events[-1].step is Step.ERROR and events[-1].extra["failed_step"] == "writing_files"
    assert events[-1].message == "The note could not be saved: File exists."
    # And the exception went to the log on stderr
    assert "Traceback" in result.stderr and "FileExistsError" in result.stderr
