"""The subprocess runner: streams parsed events, kills at the timeout even when nothing is printed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from shared.cli_runner import run_cli

FAKE_CLI = Path(__file__).resolve().parents[2] / "fixtures" / "fake_cli.py"


def run(scenario: str, tmp_path: Path, timeout: float = 20):
    seen = []
    result = run_cli(
        f"{sys.executable} {FAKE_CLI} --scenario {scenario}",
        ["https://youtu.be/dQw4w9WgXcQ", "--format", "json-progress", "--base-dir", str(tmp_path)],
        env=dict(os.environ),
        cwd=str(tmp_path),
        timeout=timeout,
        on_event=seen.append,
    )
    return result, seen


def test_given_successful_cli_then_events_in_order_and_exit_0(tmp_path):
    result, seen = run("success", tmp_path)
    assert result.exit_code == 0 and not result.timed_out
    assert [event.step.value for event in seen][:2] == ["starting", "fetching_transcript"]
    assert result.terminal is not None and result.terminal.extra["video_title"] == "Fake Lecture"


def test_given_garbage_output_then_ignored_lines_and_no_terminal(tmp_path):
    result, seen = run("garbage", tmp_path)
    assert result.exit_code == 1 and result.terminal is None
    assert all(event.step.value != "error" for event in seen)


@pytest.mark.parametrize("scenario", ["hang", "silent_hang"])
def test_given_hanging_cli_then_killed_at_timeout(tmp_path, scenario):
    result, _ = run(scenario, tmp_path, timeout=1)
    assert result.timed_out and result.exit_code is None and result.terminal is None
