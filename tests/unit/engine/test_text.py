"""Transcript normalisation, the token estimate and the split into parts."""

from __future__ import annotations

from yt_study_buddy.models import Chapter, Segment, Transcript
from yt_study_buddy.text import (
    CHARS_PER_TOKEN,
    dedupe_segments,
    estimate_tokens,
    format_timestamp,
    normalise,
    parse_timestamp,
    render,
    split,
)


def test_given_rolling_auto_captions_when_deduped_then_each_word_is_kept_once() -> None:
    # Given YouTube's rolling cues: each repeats the previous line, then adds words
    segments = [
        Segment(0.0, 2.0, "so today we talk"),
        Segment(2.0, 2.0, "so today we talk"),
        Segment(2.0, 2.0, "so today we talk about entropy"),
        Segment(4.0, 2.0, "about entropy and heat"),
    ]

    result = dedupe_segments(segments)

    assert " ".join(s.text for s in result) == "so today we talk about entropy and heat"


def test_given_a_caption_line_every_two_seconds_when_normalised_then_one_marker_per_about_30_seconds() -> (
    None
):
    segments = [Segment(i * 2.0, 2.0, f"word{i}") for i in range(300)]  # 10 minutes

    blocks = normalise(segments)
    text = render(blocks)

    assert len(blocks) == 20
    assert text.splitlines()[1].startswith("[0:30] word15 ")
    assert all(f"word{i}" in text for i in range(300))


def test_timestamps_format_like_youtube_and_parse_back() -> None:
    assert format_timestamp(754) == "12:34"
    assert format_timestamp(3723) == "1:02:03"
    assert parse_timestamp("1:02:03") == 3723 and parse_timestamp("12:34") == 754


def test_the_token_estimate_is_four_characters_per_token_rounded_up() -> None:
    assert CHARS_PER_TOKEN == 4
    assert estimate_tokens("") == 0 and estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2


def test_given_a_long_transcript_when_split_then_every_part_is_under_budget_and_nothing_is_lost(
    long_lecture: Transcript,
) -> None:
    blocks = normalise(long_lecture.segments)

    parts = split(blocks, 10_000)

    assert len(parts) == -(-estimate_tokens(render(blocks)) // 10_000)
    assert all(estimate_tokens(part.text) <= 10_000 for part in parts)
    assert [b for part in parts for b in part.blocks] == blocks
    assert [p.index for p in parts] == list(range(len(parts)))


def test_given_chapters_when_split_then_parts_start_at_chapter_boundaries() -> None:
    # Given 60 minutes, chapters at 0, 18 and 40 minutes, a budget that needs 3 parts
    blocks = normalise(Segment(i * 10.0, 10.0, f"line {i:03d} " * 10) for i in range(360))
    chapters = [Chapter(0, "A"), Chapter(1080, "B"), Chapter(2400, "C")]

    parts = split(blocks, budget_tokens=3_500, chapters=chapters)

    assert -(-estimate_tokens(render(blocks)) // 3_500) == 3
    assert [p.start for p in parts] == [0, 1080, 2400]
    assert [p.title for p in parts] == ["A", "B", "C"]


def test_given_a_short_transcript_when_split_then_one_part(lecture: Transcript) -> None:
    assert len(split(normalise(lecture.segments), 20_000)) == 1


def test_given_chapters_but_a_transcript_under_budget_when_split_then_still_one_part() -> None:
    blocks = normalise(Segment(i * 10.0, 10.0, f"line {i:03d}") for i in range(60))

    parts = split(blocks, budget_tokens=20_000, chapters=[Chapter(0, "A"), Chapter(300, "B")])

    assert len(parts) == 1 and parts[0].blocks == tuple(blocks)


def test_given_clean_caption_text_when_deduped_then_noise_goes_and_nothing_is_decoded_a_second_time() -> None:
    # Given text the source already cleaned once: "&lt;img ...&gt;" is what the caption said
    segments = [
        Segment(0.0, 2.0, "[Music] if a < b and b > c"),
        Segment(2.0, 2.0, "then &lt;img src=x onerror=alert(1)&gt;"),
    ]

    result = dedupe_segments(segments)

    # Then it stays text: decoding it again here would make it a tag
    assert [s.text for s in result] == ["if a < b and b > c", "then &lt;img src=x onerror=alert(1)&gt;"]
