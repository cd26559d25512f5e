"""One mapping from an info dict to VideoMetadata, for yt-dlp's answers and the sidecar files.

A sidecar ``<video_id>.info.json`` may be written by hand (``duration``, chapters with ``start``)
or be yt-dlp's own ``--write-info-json`` output (chapters with ``start_time``/``end_time``).
"""

from __future__ import annotations

from typing import Any

from yt_study_buddy.models import Chapter, VideoMetadata


def metadata_from_info(video_id: str, info: dict[str, Any]) -> VideoMetadata:
    """Map an info dict to VideoMetadata; missing or malformed fields become None or are skipped."""
    chapters = sorted(
        (chapter for raw in info.get("chapters") or [] if (chapter := _chapter(raw))), key=lambda c: c.start
    )
    duration = info.get("duration", info.get("duration_seconds"))
    duration_seconds = (
        float(duration)
        if isinstance(duration, int | float) and not isinstance(duration, bool) and duration > 0
        else None
    )
    # A chapter ends where the next begins (the last one with the video), when not given.
    ends = [c.start for c in chapters[1:]] + [duration_seconds]
    chapters = [
        c if c.end is not None else Chapter(c.start, c.title, end)
        for c, end in zip(chapters, ends, strict=True)
    ]
    title = info.get("title")
    channel = info.get("channel") or info.get("uploader")
    return VideoMetadata(
        video_id=video_id,
        title=str(title) if title else None,
        channel=str(channel) if channel else None,
        duration_seconds=duration_seconds,
        chapters=tuple(chapters),
    )


def _chapter(raw: Any) -> Chapter | None:
    if not isinstance(raw, dict):
        return None
    try:
        start = float(raw.get("start_time", raw.get("start")))
        end = raw.get("end_time", raw.get("end"))
        title = str(raw["title"]).strip()
        return Chapter(start, title, float(end) if end is not None else None) if title else None
    except (KeyError, TypeError, ValueError):
        return None
