"""YouTube URL parsing: the one implementation used by the CLI and the backend.

Standard library only, so the API functions can import it at no cold-start cost.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# ``\Z``, not ``$``: ``$`` also matches before a trailing newline, so ``watch?v=<id>%0A`` would
# yield an ID ending in a newline.
VIDEO_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{11}\Z")

# Exact host names (after lower-casing and dropping a trailing dot). A suffix match would
# accept look-alikes such as ``youtube.com.evil.example``, so there is none.
_WATCH_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "youtube-nocookie.com",
        "www.youtube-nocookie.com",
    }
)
_SHORT_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
# Path prefixes whose next segment is the video ID.
_ID_PATH_PREFIXES = frozenset({"shorts", "embed", "live", "v", "e"})
# ``/embed/videoseries?list=...`` embeds a playlist; the word happens to be 11 letters long.
_NOT_VIDEO_IDS = frozenset({"videoseries"})


class InvalidYouTubeURL(ValueError):
    """The text is not a YouTube video URL or ID; the message says why, for a user."""


def extract_video_id(url: str) -> str:
    """Return the 11-character video ID of any real YouTube video URL form, or a bare ID.

    Raises InvalidYouTubeURL with a message a user can act on.
    """
    if not isinstance(url, str):
        raise InvalidYouTubeURL("The URL must be a string.")
    text = url.strip()
    if not text:
        raise InvalidYouTubeURL("The URL is empty.")
    if len(text) > 2048:
        raise InvalidYouTubeURL("The URL is too long.")
    if VIDEO_ID_PATTERN.match(text):
        return text
    if "://" not in text and not text.startswith("//"):
        # People paste ``youtube.com/watch?v=...`` without a scheme.
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise InvalidYouTubeURL("The URL is malformed.") from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise InvalidYouTubeURL("Only http and https YouTube URLs are accepted.")
    if parts.username or parts.password or port not in {None, 80, 443}:
        raise InvalidYouTubeURL("The URL is not a YouTube video URL.")
    segments = [segment for segment in parts.path.split("/") if segment]
    candidate: str | None = None
    if host in _SHORT_HOSTS:
        candidate = segments[0] if segments else None
    elif host in _WATCH_HOSTS:
        if segments[:1] == ["watch"] and len(segments) == 1:
            values = parse_qs(parts.query).get("v")
            candidate = values[0] if values else None
        elif len(segments) >= 2 and segments[0] in _ID_PATH_PREFIXES:
            candidate = segments[1]
    else:
        raise InvalidYouTubeURL("The URL is not on a YouTube domain.")
    if candidate is None or candidate in _NOT_VIDEO_IDS:
        raise InvalidYouTubeURL("The URL does not name a YouTube video.")
    if not VIDEO_ID_PATTERN.match(candidate):
        raise InvalidYouTubeURL("The video ID must be 11 characters of letters, digits, '-' or '_'.")
    return candidate


def is_valid_video_id(video_id: str) -> bool:
    return isinstance(video_id, str) and bool(VIDEO_ID_PATTERN.match(video_id))


def watch_url(video_id: str) -> str:
    """The canonical URL stored and shown for a video."""
    return f"https://www.youtube.com/watch?v={video_id}"


def timestamp_url(video_id: str, seconds: float) -> str:
    """A link to a moment in the video."""
    return f"https://youtu.be/{video_id}?t={max(0, int(seconds))}"
