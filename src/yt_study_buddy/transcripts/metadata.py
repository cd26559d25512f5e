"""One mapping from an info dict to VideoMetadata, for yt-dlp's answers and the sidecar files.

A sidecar ``<video_id>.info.json`` may be written by hand (``duration``, chapters with ``start``)
or be yt-dlp's own ``--write-info-json`` output (chapters with ``start_time``/``end_time``).
Whoever uploaded the video wrote the title, channel and chapter titles: each is cleaned here,
where it enters (sanitize.line), and a field of the wrong type or out of range is left out.
"""

from __future__ import annotations

from typing import Any

from yt_study_buddy import sanitize
from yt_study_buddy.models import Chapter, VideoMetadata


def metadata_from_info(video_id: str, info: Any) -> VideoMetadata:
    """Map an info dict to VideoMetadata; never raises, missing or malformed fields become None
    or are skipped."""
    if not isinstance(info, dict):
        return VideoMetadata(video_id=video_id)
    duration = sanitize.seconds(info.get("duration", info.get("duration_seconds")))
    duration = duration if duration else None  # zero is "unknown", as yt-dlp reports live streams
    raw_chapters = info.get("chapters")
    starts = sorted(
        (chapter for raw in raw_chapters if (chapter := _chapter(raw)))
        if isinstance(raw_chapters, list)
        else (),
        key=lambda c: c.start,
    )
    # A chapter ends where the next begins (the last one with the video), when not given.
    ends = [c.start for c in starts[1:]] + ([duration] if starts else [])
    chapters = tuple(
        c if c.end is not None else Chapter(c.start, c.title, end)
        for c, end in zip(starts, ends, strict=True)
    )
    return VideoMetadata(
        video_id=video_id,
        title=sanitize.line(info.get("title")),
        channel=sanitize.line(info.get("channel")) or sanitize.line(info.get("uploader")),
        duration_seconds=duration,
        chapters=chapters,
    )


def _chapter(raw: Any) -> Chapter | None:
    """A chapter with a valid start and a title; an end before its start is dropped (recomputed)."""
    if not isinstance(raw, dict):
        return None
    start = sanitize.seconds(raw.get("start_time", raw.get("start")))
    title = sanitize.line(raw.get("title"))
    if start is None or title is None:
        return None
    end = sanitize.seconds(raw.get("end_time", raw.get("end")))
    return Chapter(start, title, end if end is not None and end > start else None)
