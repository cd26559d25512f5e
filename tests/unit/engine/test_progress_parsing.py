"""Fixes to progress.parse_line found while documenting the protocol: it must never crash."""

from __future__ import annotations

import pytest

from yt_study_buddy import progress


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_given_a_non_finite_progress_when_parsed_then_not_an_event_and_no_crash(value: str) -> None:
    assert progress.parse_line(f'{{"step":"starting","progress":{value},"message":"x"}}') is None


def test_given_retryable_as_a_string_when_parsed_then_not_retryable() -> None:
    event = progress.parse_line('{"step":"error","progress":5,"message":"x","retryable":"false"}')

    assert event is not None and event.retryable is False
