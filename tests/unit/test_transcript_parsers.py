"""Caption parsers and local transcript files, against realistic files (tests/fixtures/transcripts)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest

from yt_study_buddy.errors import TranscriptError
from yt_study_buddy.samples import DEMO_VIDEO_IDS, long_lecture, samples_dir
from yt_study_buddy.text import WORD_SECONDS
from yt_study_buddy.transcripts import (
    get_transcript,
    parse_json,
    parse_srt,
    parse_transcript_file,
    parse_txt,
    parse_vtt,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"
AUTO_VTT = FIXTURES / "yt_auto_captions.en.vtt"
# The spoken lines of the auto-caption fixture, as the speaker said them once each.
SPOKEN = [
    "hi everyone and welcome back to the channel",
    "today we're going to talk about binary search",
    "so binary search is an algorithm that finds",
    "in half >> wait can you repeat that",
    ">> sure the key word here is sorted",
    "if the array isn't sorted none of this works",
    "okay that's it for today thanks for watching",
]


def test_given_youtube_auto_captions_when_parsed_then_each_line_appears_once_without_markup() -> None:
    segments = parse_vtt(AUTO_VTT.read_text(encoding="utf-8"))
    texts = [segment.text for segment in segments]
    # Given a file where every line is shown two or three times (rolling cues), each is kept once.
    assert len(texts) == len(set(texts)) == 25
    joined = " ".join(texts)
    for line in SPOKEN:
        assert joined.count(line) == 1, line
    for debris in ("<c>", "</c>", "<00:", "align:", "position:", "&gt;", "&#39;", "-->"):
        assert debris not in joined
    starts = [segment.start for segment in segments]
    assert starts == sorted(starts)
    # The line is timed from the cue where it is first spoken, not from its 10 ms repeat, and
    # ends when its last word does (its timing tag + WORD_SECONDS), not when the cue disappears.
    first = next(s for s in segments if s.text == SPOKEN[0])
    assert first.start == pytest.approx(2.47)
    assert first.end == pytest.approx(4.36 + WORD_SECONDS)


def test_given_auto_captions_with_a_pause_inside_a_line_when_parsed_then_the_line_is_cut_there() -> None:
    # Given a line whose words carry YouTube's timing tags, with 1.2 s of silence after "sorted"
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:05.000 align:start position:0%\n \n"
        "the<00:00:01.300><c> array</c><00:00:01.600><c> is</c><00:00:01.900><c> sorted</c>"
        "<00:00:03.400><c> now</c><00:00:03.700><c> we</c><00:00:04.000><c> search</c>\n\n"
        "00:00:05.000 --> 00:00:05.010 align:start position:0%\nthe array is sorted now we search\n \n"
    )
    # When parsed
    segments = parse_vtt(vtt)
    # Then the pause splits it into two timed stretches of speech, the words in order, once each
    assert [s.text for s in segments] == ["the array is sorted", "now we search"]
    assert segments[0].start == pytest.approx(1.0) and segments[1].start == pytest.approx(3.4)
    assert segments[0].end == pytest.approx(1.9 + WORD_SECONDS)


def test_given_real_auto_captions_when_parsed_then_no_cue_markup_or_repeat_is_left() -> None:
    # Given real YouTube auto-captions (tests/fixtures/real, rebuilt from a dump: SOURCES.md)
    real = FIXTURES.parent / "real" / "building-bodhisattvas.en.vtt"
    # When parsed
    segments = parse_vtt(real.read_text(encoding="utf-8"))
    text = " ".join(s.text for s in segments)
    # Then the talk reads once, in order, cut at pauses into short stretches
    assert text.startswith("next we welome Dr Thomas do uh he's the executive director")
    assert text.count("thank you for the invitation to come and") == 1
    assert "<" not in text and [s.start for s in segments] == sorted(s.start for s in segments)
    assert max(len(s.text.split()) for s in segments) <= 12 and len(segments) > 100


def test_given_the_same_captions_converted_to_srt_when_parsed_then_the_text_matches_the_vtt() -> None:
    from_vtt = parse_vtt(AUTO_VTT.read_text(encoding="utf-8"))
    from_srt = parse_srt((FIXTURES / "yt_auto_captions.en.srt").read_text(encoding="utf-8"))
    assert [s.text for s in from_srt] == [s.text for s in from_vtt]
    assert [round(s.start, 2) for s in from_srt[1:]] == [round(s.start, 2) for s in from_vtt[1:]]


def test_given_captions_that_grow_in_place_when_parsed_then_only_the_new_words_are_added() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nso today\n\n"
        "00:00:02.000 --> 00:00:03.500\nso today we're going\n\n"
        "00:00:03.500 --> 00:00:05.000\nso today we're going\nto talk about heaps\n"
    )
    segments = parse_vtt(vtt)
    assert " ".join(s.text for s in segments) == "so today we're going to talk about heaps"
    assert [s.start for s in segments] == [1.0, 2.0, 3.5]


def test_given_a_hand_made_webvtt_when_parsed_then_headers_notes_styles_and_voices_are_dropped() -> None:
    segments = parse_vtt((FIXTURES / "manual_captions.vtt").read_text(encoding="utf-8"))
    assert [s.text for s in segments] == [
        "Good morning. Today we look at how prices are set in a market.",
        "A market is a place where buyers and sellers meet to exchange goods & services.",
        "Demand is the quantity buyers want at each price, ceteris paribus.",
        "Supply is the quantity sellers offer \u2014 also at each price.",
        "That's where the two curves cross: the equilibrium.",
    ]
    # mm:ss.ttt timestamps, and the hours form
    assert [s.start for s in segments] == [1.0, 4.2, 8.9, 13.0, 3602.0]
    assert segments[0].duration == pytest.approx(3.2)


def test_given_an_srt_with_bom_crlf_and_styling_when_parsed_then_clean_sentences_remain() -> None:
    segments = parse_srt((FIXTURES / "manual_captions.srt").read_text(encoding="utf-8"))
    assert (
        segments[1].text == "A market is a place where buyers and sellers meet to exchange goods & services."
    )
    assert segments[2].text == "Demand is the quantity buyers want at each price."
    assert (segments[0].start, segments[0].end) == (1.0, pytest.approx(4.2))
    assert segments[-1].start == 3602.0
    assert not any("{" in s.text or "<" in s.text for s in segments)


def test_given_captions_with_a_literal_less_than_when_parsed_then_only_markup_is_removed() -> None:
    srt = "1\n00:00:01,000 --> 00:00:03,000\n<i>so if a < b and b > c</i>\n"
    assert [s.text for s in parse_srt(srt)] == ["so if a < b and b > c"]


def test_given_youtube_transcript_api_json_when_parsed_then_text_is_clean_and_times_kept() -> None:
    segments = parse_json((FIXTURES / "youtube_transcript_api.json").read_text(encoding="utf-8"))
    assert segments[1].text == "so the mitochondria is the organelle that makes most of the cell's energy"
    assert segments[4].text == "and oxygen into ATP & carbon dioxide"
    assert (segments[2].start, segments[2].duration) == (7.2, 2.64)
    assert len(segments) == 7  # the empty entry is dropped


def test_given_json_variants_when_parsed_then_snippets_wrappers_and_json3_work() -> None:
    wrapped = json.dumps({"snippets": [{"text": "hello there", "start": 1.5, "duration": 2}]})
    json3 = json.dumps(
        {"events": [{"tStartMs": 1200, "dDurationMs": 2300, "segs": [{"utf8": "hello"}, {"utf8": " there"}]}]}
    )
    assert [(s.start, s.text) for s in parse_json(wrapped)] == [(1.5, "hello there")]
    assert [(s.start, s.duration, s.text) for s in parse_json(json3)] == [(1.2, 2.3, "hello there")]
    with pytest.raises(ValueError):
        parse_json(json.dumps({"title": "not a transcript"}))
    with pytest.raises(ValueError):
        parse_json(json.dumps([{"start": 1}]))


def test_given_text_copied_from_the_transcript_panel_when_parsed_then_timestamps_are_kept() -> None:
    segments = parse_txt((FIXTURES / "show_transcript_panel.txt").read_text(encoding="utf-8"))
    assert [s.start for s in segments] == [0.0, 7.0, 3723.0]
    assert segments[1].text == "it does that by a process called cellular respiration"
    assert segments[1].duration < 60  # a long gap before the next timestamp is not speech


def test_given_untimed_plain_text_when_parsed_then_sentences_are_timed_at_speaking_rate() -> None:
    text = "Entropy is a measure of disorder. " * 3 + "\n\nIt always increases in an isolated system!"
    segments = parse_txt(text)
    assert len(segments) == 4
    assert segments[-1].text == "It always increases in an isolated system!"
    # 6 words per sentence at 2.5 words per second
    assert [s.start for s in segments] == [0.0, 2.4, 4.8, 7.2]


def test_given_a_file_named_by_video_id_with_sidecar_when_parsed_then_id_and_metadata_are_read(
    tmp_path: Path,
) -> None:
    target = tmp_path / "Xq3b7LmR9tA.en.vtt"  # yt-dlp's naming: <id>.<lang>.vtt
    shutil.copy(AUTO_VTT, target)
    info = {
        "title": "Binary search",
        "channel": "CS",
        "duration": 61,
        "chapters": [{"start": 0, "title": "A"}],
    }
    (tmp_path / "Xq3b7LmR9tA.info.json").write_text(json.dumps(info), encoding="utf-8")
    transcript = parse_transcript_file(target)
    assert (transcript.video_id, transcript.language, transcript.source) == ("Xq3b7LmR9tA", "en", "file")
    assert transcript.metadata is not None
    assert (transcript.metadata.title, transcript.metadata.duration_seconds) == ("Binary search", 61.0)
    assert transcript.metadata.chapters[0].end == 61.0


def test_given_a_file_not_named_by_an_id_when_parsed_then_the_video_id_is_unknown() -> None:
    transcript = parse_transcript_file(FIXTURES / "manual_captions.srt")
    assert transcript.video_id == "unknown"
    assert transcript.metadata is None


@pytest.mark.parametrize(
    ("name", "content"), [("notes.pdf", "x"), ("empty.vtt", "WEBVTT\n\n"), ("broken.json", "{not json")]
)
def test_given_an_unusable_file_when_parsed_then_a_permanent_transcript_error_is_raised(
    tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptError) as caught:
        parse_transcript_file(path)
    assert caught.value.retryable is False


def test_given_a_missing_file_when_parsed_then_a_permanent_transcript_error_is_raised(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="Cannot read"):
        parse_transcript_file(tmp_path / "gone.srt")


def test_given_transcripts_dir_in_the_environment_when_getting_a_transcript_then_the_local_file_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(FIXTURES / "youtube_transcript_api.json", tmp_path / "hT6sJ1yFz0Q.json")
    monkeypatch.setenv("YTSB_TRANSCRIPTS_DIR", str(tmp_path))
    transcript = get_transcript("hT6sJ1yFz0Q", fetch_metadata=False)
    assert (transcript.video_id, transcript.source, len(transcript.segments)) == ("hT6sJ1yFz0Q", "file", 7)


def test_given_an_explicit_transcript_file_when_getting_a_transcript_then_it_carries_the_requested_id() -> (
    None
):
    transcript = get_transcript(
        "dQw4w9WgXcQ", transcript_file=FIXTURES / "manual_captions.vtt", fetch_metadata=False
    )
    assert transcript.video_id == "dQw4w9WgXcQ"
    assert transcript.segments[0].text.startswith("Good morning.")


@pytest.mark.parametrize("video_id", DEMO_VIDEO_IDS)
def test_given_the_shipped_demo_samples_when_loaded_then_they_are_full_lectures_with_chapters(
    video_id: str,
) -> None:
    transcript = get_transcript(video_id, transcripts_dir=samples_dir())
    assert transcript.video_id == video_id
    assert 80 <= len(transcript.segments) <= 200
    assert transcript.metadata is not None and transcript.metadata.title
    assert len(transcript.metadata.chapters) >= 4
    assert transcript.duration_seconds > 240
    texts = [segment.text for segment in transcript.segments]
    assert all(a != b for a, b in itertools.pairwise(texts))
    assert " is a" in transcript.text or " is an" in transcript.text  # definitions to find


def test_given_a_three_hour_lecture_when_generated_then_it_is_deterministic_long_and_chaptered() -> None:
    lecture = long_lecture(3.0)
    assert lecture == long_lecture(3.0)
    assert lecture.metadata is not None
    minutes = lecture.duration_seconds / 60
    assert minutes == pytest.approx(180)
    words_per_minute = len(lecture.text.split()) / minutes
    assert 135 <= words_per_minute <= 165
    chapters = lecture.metadata.chapters
    assert len({chapter.title for chapter in chapters}) >= 16
    for chapter in chapters:  # every chapter has speech, inside its own time range
        inside = [s for s in lecture.segments if chapter.start <= s.start < (chapter.end or 1e9)]
        assert len(inside) > 50
    starts = [segment.start for segment in lecture.segments]
    assert starts == sorted(starts)
    assert lecture.segments[-1].end <= lecture.duration_seconds


def test_given_different_lengths_when_generated_then_the_lecture_scales() -> None:
    short, long = long_lecture(0.5), long_lecture(6)
    assert short.duration_seconds == 1800 and long.duration_seconds == 21600
    assert len(long.text) > 10 * len(short.text)
