"""Transcript text for the providers: normalised, compacted, measured and split.

Caption files repeat themselves (rolling auto-captions) and carry one timestamp per line;
sending that verbatim roughly doubles the tokens. Here duplicate lines are dropped and one
``[m:ss]`` marker is kept about every 30 seconds, which is still enough to link a key point
to its moment in the video.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from yt_study_buddy.models import Chapter, Segment

#: Seconds between two timestamp markers in the normalised text.
MARKER_INTERVAL = 30.0
#: Silence between two words (or caption lines) that counts as a pause, where a sentence of
#: unpunctuated captions may end.
PAUSE_SECONDS = 0.5
#: How long a spoken word lasts, about: a caption's timing tag says when a word starts, not when it ends.
WORD_SECONDS = 0.3
#: Rough size of a token: English prose averages about 4 characters per token for Claude and
#: GPT tokenizers. Good enough for budgeting; the providers report the exact counts.
CHARS_PER_TOKEN = 4

_NOISE = re.compile(r"\[(?:music|applause|laughter)\]", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """About MARKER_INTERVAL seconds of speech behind one timestamp marker."""

    start: float
    text: str


@dataclass(frozen=True)
class Part:
    """A slice of the transcript sent in one request when the whole does not fit the budget."""

    index: int
    start: float
    end: float
    blocks: tuple[Block, ...]
    title: str | None = None

    @property
    def text(self) -> str:
        return render(self.blocks)


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` at CHARS_PER_TOKEN characters per token (rounded up)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def format_timestamp(seconds: float) -> str:
    """``754`` -> ``12:34``; ``3723`` -> ``1:02:03`` (the form people read on YouTube)."""
    total = max(0, int(seconds)) if math.isfinite(seconds) else 0
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse_timestamp(text: str) -> int:
    """The inverse of format_timestamp: ``1:02:03`` -> 3723."""
    seconds = 0
    for piece in text.split(":"):
        seconds = seconds * 60 + int(piece)
    return seconds


def _words(text: str) -> list[str]:
    """The words of a caption line without ``[Music]``-style noise. The text was cleaned where it
    entered (sanitize.clean_text); cleaning it again here would decode its entities twice."""
    return _NOISE.sub(" ", text).split()


def _new_words(previous: list[str], words: list[str]) -> list[str]:
    """The words of a caption line that the previous line did not already end with.

    Rolling captions repeat the tail of the previous line at their start; the longest such
    overlap is cut off.
    """
    for size in range(min(len(previous), len(words)), 0, -1):
        if [w.lower() for w in previous[-size:]] == [w.lower() for w in words[:size]]:
            return words[size:]
    return words


def dedupe_segments(segments: Iterable[Segment]) -> list[Segment]:
    """Segments with markup removed, exact repeats dropped and rolling overlaps trimmed."""
    result: list[Segment] = []
    previous: list[str] = []
    for segment in segments:
        words = _words(segment.text)
        fresh = _new_words(previous, words)
        if words:
            previous = words
        if fresh:
            result.append(Segment(segment.start, segment.duration, " ".join(fresh)))
    return result


def normalise(segments: Iterable[Segment], interval: float = MARKER_INTERVAL) -> list[Block]:
    """Deduplicated speech grouped into blocks of about ``interval`` seconds."""
    blocks: list[Block] = []
    start: float | None = None
    words: list[str] = []
    for segment in dedupe_segments(segments):
        if start is None:
            start = segment.start
        elif segment.start - start >= interval:
            blocks.append(Block(start, " ".join(words)))
            start, words = segment.start, []
        words.append(segment.text)
    if start is not None and words:
        blocks.append(Block(start, " ".join(words)))
    return blocks


def render(blocks: Iterable[Block]) -> str:
    """The text sent to a model: one line per block, ``[m:ss] words``."""
    return "\n".join(f"[{format_timestamp(block.start)}] {block.text}" for block in blocks)


def _block_tokens(block: Block) -> int:
    return estimate_tokens(f"[{format_timestamp(block.start)}] {block.text}\n")


def split(blocks: Sequence[Block], budget_tokens: int, chapters: Sequence[Chapter] = ()) -> list[Part]:
    """Split into parts of at most ``budget_tokens`` each, of about equal size.

    With chapters, a part ends where a chapter begins (a long chapter is cut only where the
    budget forces it); without chapters the cut is by time, into parts of about equal size.
    A single block larger than the budget (it never happens with speech) is a part of its own.
    """
    if not blocks:
        return []
    total = sum(_block_tokens(block) for block in blocks)
    if total <= budget_tokens:  # the common case: one request for the whole video
        return [Part(0, blocks[0].start, blocks[-1].start + MARKER_INTERVAL, tuple(blocks))]
    count = max(1, math.ceil(total / max(1, budget_tokens)))
    target = total / count
    chapter_starts = sorted(chapter.start for chapter in chapters)
    groups: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        cost = _block_tokens(block)
        at_chapter = any(_last_start(groups) < start <= block.start for start in chapter_starts)
        # With chapters, cut at the first chapter start past 60% of the target size; without,
        # at the target. The budget is never exceeded either way.
        soft = (at_chapter and size >= 0.6 * target) if chapter_starts else size >= target
        full = size + cost > budget_tokens or soft
        if groups[-1] and full:
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += cost
    parts = []
    for index, group in enumerate(groups):
        end = groups[index + 1][0].start if index + 1 < len(groups) else group[-1].start + MARKER_INTERVAL
        titles = [c.title for c in chapters if group[0].start <= c.start < end]
        title = titles[0] if len(titles) == 1 else (f"{titles[0]} - {titles[-1]}" if titles else None)
        parts.append(Part(index, group[0].start, end, tuple(group), title))
    return parts


def _last_start(groups: list[list[Block]]) -> float:
    """Start of the last block placed so far (chapter boundaries are looked for after it)."""
    return groups[-1][-1].start if groups[-1] else -1.0
