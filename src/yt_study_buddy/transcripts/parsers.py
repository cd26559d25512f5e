"""Caption file formats to segments: WebVTT, SRT, youtube-transcript-api JSON (and yt-dlp json3), text.

Standard library only. YouTube's auto-caption WebVTT is the hard case: each cue shows two lines,
the first repeating the line the previous cue finished, the second filling in word by word with
inline ``<00:00:01.000><c> word</c>`` tags, and a 10 ms cue in between repeats the finished line
alone. Kept naively, every spoken line appears two or three times. Here a caption line already
shown by the cue before is dropped, so each line is emitted once, at the time it started.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from yt_study_buddy.models import Segment
from yt_study_buddy.sanitize import clean_text, seconds
from yt_study_buddy.sanitize import line as clean_line
from yt_study_buddy.text import PAUSE_SECONDS, WORD_SECONDS

#: Speech rate used to give untimed plain text plausible timestamps (words per second ~ 150/min).
WORDS_PER_SECOND = 2.5

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_TXT_TIMESTAMP = re.compile(r"^\s*\[?(?P<ts>(?:\d+:)?\d{1,2}:\d{2})(?:[.,]\d+)?\]?(?:\s+|$)(?P<rest>.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD_TIME = re.compile(r"<((?:\d+:)?\d{1,2}:\d{2}[.,]\d{3})>")


def _seconds(stamp: str) -> float:
    """``01:02:03.500``, ``02:03,5`` or ``2:03`` to seconds."""
    seconds = 0.0
    for piece in stamp.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(piece)
    return seconds


def _lines(text: str) -> list[str]:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _cues(text: str) -> Iterator[tuple[float, float, list[str]]]:
    """(start, end, raw text lines) of each timed cue of a WebVTT or SRT file, in file order.

    A cue is its timing line and the lines after it up to an empty line. Lines holding only
    spaces belong to the cue: YouTube's auto-captions start and end cues with a " " line.
    Header, NOTE, STYLE and REGION blocks have no timing line and are skipped with the cue
    identifiers (the SRT counter, an optional WebVTT id) that precede timing lines.
    """
    lines = _lines(text)
    index = 0
    while index < len(lines):
        match = _TIMING.match(lines[index])
        index += 1
        if not match:
            continue
        body: list[str] = []
        while index < len(lines) and lines[index] != "" and not _TIMING.match(lines[index]):
            body.append(lines[index])
            index += 1
        if index < len(lines) and _TIMING.match(lines[index]) and body and body[-1].strip().isdigit():
            body.pop()  # the next SRT counter, in a file whose separators hold spaces
        yield _seconds(match["start"]), _seconds(match["end"]), body


def _timed_words(raw: str, start: float) -> list[tuple[float, str]]:
    """(start, word) for each word of a caption line carrying YouTube's per-word timing tags
    (``so<00:00:01.200><c> today</c>``: a tag gives the start of the word after it; the first
    word starts with the cue); empty for a line without tags."""
    pieces = _WORD_TIME.split(raw)
    if len(pieces) < 3:
        return []
    times = [start, *(_seconds(stamp) for stamp in pieces[1::2])]
    return [
        (time, word)
        for time, text in zip(times, pieces[0::2], strict=True)
        for word in clean_text(text).split()
    ]


def _at_pauses(words: list[tuple[float, str]], end: float) -> list[Segment]:
    """A timed caption line cut where the speaker pauses: one segment per stretch of speech, so that
    sentences of unpunctuated captions can end there (yt_study_buddy.extractive.sentences)."""
    segments: list[Segment] = []
    first = 0
    for i in range(1, len(words) + 1):
        if i < len(words) and words[i][0] - words[i - 1][0] < WORD_SECONDS + PAUSE_SECONDS:
            continue
        begin = words[first][0]
        stop = min(end, words[i - 1][0] + WORD_SECONDS) if i == len(words) else words[i - 1][0] + WORD_SECONDS
        text = " ".join(word for _, word in words[first:i])
        segments.append(Segment(start=begin, duration=max(0.0, stop - begin), text=text))
        first = i
    return segments


def _dedupe_rolling(cues: Iterable[tuple[float, float, list[str]]]) -> list[Segment]:
    """One segment per cue with what it adds, skipping lines the previous cue already showed.

    Two kinds of repetition occur in real files: a line carried over unchanged from the previous
    cue (YouTube's two-line roll-up) and a line that grows from the previous one ("so today" then
    "so today we're going"); for the second only the new words are kept. The new lines of one
    cue become one segment (a manual two-line cue is one sentence).
    """
    segments: list[Segment] = []
    shown: list[str] = []  # the cleaned lines of the previous cue that had text
    for start, end, raw_lines in cues:
        pairs = [(raw, line) for raw, line in ((raw, clean_text(raw)) for raw in raw_lines) if line]
        lines = [line for _, line in pairs]
        if not lines:
            continue
        fresh_lines = []
        timed: list[tuple[float, str]] = []
        for raw, line in pairs:
            if line in shown:
                continue
            fresh = line
            for previous in shown:
                if line.startswith(previous + " "):
                    fresh = line[len(previous) + 1 :]
            fresh_lines.append(fresh)
            if fresh == line:
                timed = _timed_words(raw, start)
        shown = lines
        if len(fresh_lines) == 1 and timed and " ".join(w for _, w in timed) == fresh_lines[0]:
            segments += _at_pauses(timed, end)
        elif fresh_lines:
            segments.append(Segment(start=start, duration=max(0.0, end - start), text=" ".join(fresh_lines)))
    return segments


def parse_vtt(text: str) -> list[Segment]:
    """WebVTT (including YouTube auto-captions) to segments, rolling repeats removed."""
    return _dedupe_rolling(_cues(text))


def parse_srt(text: str) -> list[Segment]:
    """SRT to segments. Roll-up captions converted to SRT repeat lines too, so the same rule applies."""
    return _dedupe_rolling(_cues(text))


def vtt_language(text: str) -> str | None:
    """The ``Language: en`` header YouTube writes into its WebVTT files, if any."""
    for line in text.lstrip("\ufeff").splitlines()[:10]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "language" and value.strip():
            return clean_line(value, max_chars=35)  # a BCP 47 tag, from the file's author
        if _TIMING.match(line):
            break
    return None


def parse_json(text: str) -> list[Segment]:
    """youtube-transcript-api's list of ``{text, start, duration}``, also wrapped as ``{"snippets": [...]}``;
    and yt-dlp's ``json3`` subtitles (``{"events": [{tStartMs, dDurationMs, segs: [{utf8}]}]}``).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"It is not valid JSON (line {exc.lineno}, column {exc.colno}).") from exc
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; "[[[[..." nested too deeply
        raise ValueError(
            "It is not a JSON transcript: a number is too long or it is nested too deeply."
        ) from exc
    if isinstance(data, dict) and "events" in data:
        return _parse_json3(data["events"])
    if isinstance(data, dict):
        data = data.get("snippets", data.get("segments"))
    if not isinstance(data, list):
        raise ValueError("Expected a JSON list of {text, start, duration} objects.")
    segments = []
    for item in data:
        if not isinstance(item, dict) or "text" not in item or "start" not in item:
            raise ValueError("Each transcript entry needs 'text' and 'start'.")
        start = seconds(item["start"])
        if start is None:
            raise ValueError("Each transcript entry needs a 'start' time in seconds.")
        cleaned = clean_text(item["text"])
        if cleaned:
            segments.append(Segment(start, seconds(item.get("duration", 0.0)) or 0.0, cleaned))
    return segments


def _parse_json3(events: Any) -> list[Segment]:
    """yt-dlp's json3: what YouTube sent, so an event of an unexpected shape is skipped."""
    segments = []
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or not isinstance(event.get("segs"), list):
            continue
        words = "".join(
            seg["utf8"] for seg in event["segs"] if isinstance(seg, dict) and isinstance(seg.get("utf8"), str)
        )
        start = seconds(_number(event.get("tStartMs", 0)) / 1000)
        cleaned = clean_text(words)
        if cleaned and start is not None:
            duration = seconds(_number(event.get("dDurationMs", 0)) / 1000) or 0.0
            segments.append(Segment(start, duration, cleaned))
    return segments


def _number(value: object) -> float:
    """A JSON number, else NaN (which ``seconds`` then rejects)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except OverflowError:  # an integer beyond float's range
        return math.nan


def parse_txt(text: str) -> list[Segment]:
    """Plain text. Lines starting with a timestamp (``1:23 words``, ``[01:02:03] words``, or the
    timestamp alone on its line as YouTube's "Show transcript" panel copies) keep it; untimed text
    is split into sentences timed at WORDS_PER_SECOND, so links into the video stay roughly right.
    """
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    if lines and _TXT_TIMESTAMP.match(lines[0]):
        return _parse_timed_txt(lines)
    segments = []
    clock = 0.0
    for sentence in _SENTENCE_END.split(" ".join(lines)):
        cleaned = clean_text(sentence)
        if not cleaned:
            continue
        duration = round(len(cleaned.split()) / WORDS_PER_SECOND, 3)
        segments.append(Segment(round(clock, 3), duration, cleaned))
        clock += duration
    return segments


def _parse_timed_txt(lines: list[str]) -> list[Segment]:
    entries: list[tuple[float, list[str]]] = []
    for line in lines:
        match = _TXT_TIMESTAMP.match(line)
        if match:
            entries.append((_seconds(match["ts"]), [match["rest"]] if match["rest"] else []))
        else:
            entries[-1][1].append(line)
    segments = []
    for index, (start, words) in enumerate(entries):
        cleaned = clean_text(" ".join(words))
        if not cleaned:
            continue
        following = entries[index + 1][0] if index + 1 < len(entries) else None
        spoken = len(cleaned.split()) / WORDS_PER_SECOND
        # The next timestamp bounds the line, but a long pause is not speech.
        duration = min(following - start, 2 * spoken) if following is not None else spoken
        segments.append(Segment(start, max(0.0, duration), cleaned))
    return segments
