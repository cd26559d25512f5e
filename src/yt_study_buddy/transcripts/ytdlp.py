"""yt-dlp: video metadata (title, channel, duration, chapters) and the fallback subtitle source.

Nothing is downloaded but the page data and, for the fallback, one subtitle file. The YoutubeDL
class is looked up through ``youtube_dl_class()`` so tests can substitute a fake (no network).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from yt_study_buddy.errors import NO_TRANSCRIPT, YOUTUBE_BLOCKED, TranscriptError
from yt_study_buddy.models import Transcript, VideoMetadata
from yt_study_buddy.transcripts.metadata import metadata_from_info
from yt_study_buddy.transcripts.parsers import parse_json, parse_srt, parse_vtt
from yt_study_buddy.transcripts.proxy import ProxySettings
from yt_study_buddy.transcripts.youtube import BLOCKED_MESSAGE, http_status_error, new_session
from yt_study_buddy.urls import watch_url

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)
SOURCE = "yt-dlp"
#: Subtitle formats we can parse, best first.
_FORMATS = {"vtt": parse_vtt, "json3": parse_json, "srt": parse_srt}
# Lower-cased fragments of yt-dlp/YouTube error messages, checked in order.
_NETWORK = "Could not reach YouTube (network error). Try again later."
_TRANSIENT_FIRST = (
    ("not a bot", BLOCKED_MESSAGE),
    ("ip is likely being blocked", BLOCKED_MESSAGE),
    ("failed to resolve", _NETWORK),
    ("urlopen error", _NETWORK),
    ("timed out", _NETWORK),
    ("connection", _NETWORK),
)
_PERMANENT = (
    ("private video", "This video is private."),
    ("confirm your age", "This video is age-restricted, so its transcript cannot be fetched."),
    ("age-restricted", "This video is age-restricted, so its transcript cannot be fetched."),
    ("members-only", "This video is for channel members only."),
    ("join this channel", "This video is for channel members only."),
    ("removed", "This video has been removed."),
    ("terminated", "This video is no longer available: its account was terminated."),
    ("video unavailable", "This video is unavailable: it may be private or removed."),
    ("not available", "This video is not available."),
    ("live event will begin", "This live stream has not started yet, so it has no transcript."),
    ("premieres in", "This video has not premiered yet, so it has no transcript."),
    ("incomplete youtube id", "That is not a valid YouTube video ID."),
)


class _QuietLogger:
    """yt-dlp's logger interface, all at debug level: its warnings are ours to classify, and the
    CLI's stderr (a progress bar) is no place for them."""

    def debug(self, message: str) -> None:
        logger.debug("yt-dlp: %s", message)

    info = warning = error = debug


def youtube_dl_class() -> type:
    """The YoutubeDL class (the seam tests monkeypatch)."""
    from yt_dlp import YoutubeDL

    return YoutubeDL


def extract_info(video_id: str, *, proxy: ProxySettings | None = None) -> dict[str, Any]:
    """yt-dlp's info dict for the video, without downloading it; raises a classified TranscriptError."""
    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "skip_download": True,
        "noplaylist": True,
        "ignore_no_formats_error": True,  # metadata and subtitles are enough
        "socket_timeout": 20,
        "extractor_retries": 1,
        "logger": _QuietLogger(),
    }
    proxy_url = proxy.proxy_url() if proxy else None
    if proxy_url:
        options["proxy"] = proxy_url
    try:
        with youtube_dl_class()(options) as ydl:
            info = ydl.extract_info(watch_url(video_id), download=False)
    except Exception as exc:
        raise classify_error(exc) from exc
    if not isinstance(info, dict):
        raise TranscriptError("YouTube returned no information about this video.", retryable=True)
    return info


def classify_error(exc: BaseException) -> TranscriptError:
    """A yt-dlp failure as a TranscriptError, from the words YouTube and yt-dlp put in the message."""
    text = str(exc).lower()
    for fragment, message in _TRANSIENT_FIRST:
        if fragment in text:
            reason = YOUTUBE_BLOCKED if message == BLOCKED_MESSAGE else None
            return TranscriptError(message, retryable=True, reason=reason)
    if "http error" in text:
        digits = text.split("http error", 1)[1].strip()[:3]
        return http_status_error(int(digits) if digits.isdigit() else None)
    for fragment, message in _PERMANENT:
        if fragment in text:
            return TranscriptError(message, retryable=False)
    return TranscriptError(
        "Could not get the video's information from YouTube. Try again later.", retryable=True
    )


def fetch_metadata(video_id: str, *, proxy: ProxySettings | None = None) -> VideoMetadata:
    """Title, channel, duration and chapters; never raises (unknown fields are None)."""
    try:
        return metadata_from_info(video_id, extract_info(video_id, proxy=proxy))
    except Exception as exc:  # noqa: BLE001 - metadata is best effort by contract
        logger.info("No metadata for %s: %s", video_id, exc)
        return VideoMetadata(video_id=video_id)


def transcript_from_info(
    video_id: str,
    info: dict[str, Any],
    languages: Sequence[str],
    *,
    http_client: requests.Session | None = None,
    proxy: ProxySettings | None = None,
) -> Transcript:
    """The subtitles listed in ``info`` (manual before automatic, languages in order), downloaded
    with ``http_client``; raises TranscriptError when there are none or the download fails."""
    picked = pick_subtitles(info, languages)
    if picked is None:
        raise TranscriptError(
            "This video has no transcript in any language.", retryable=False, reason=NO_TRANSCRIPT
        )
    language, generated, fmt, url = picked
    session = http_client if http_client is not None else new_session(proxy)
    try:
        response = session.get(url)
    except Exception as exc:
        raise TranscriptError(
            "Could not download the subtitles from YouTube. Try again later.", retryable=True
        ) from exc
    if response.status_code >= 400:
        raise http_status_error(response.status_code)
    try:
        segments = _FORMATS[fmt](response.text)
    except ValueError as exc:
        raise TranscriptError("YouTube returned subtitles that could not be read.", retryable=True) from exc
    if not segments:
        raise TranscriptError("The video's transcript is empty.", retryable=False, reason=NO_TRANSCRIPT)
    return Transcript(
        video_id=video_id,
        segments=tuple(segments),
        language=language,
        source=SOURCE,
        is_generated=generated,
        metadata=metadata_from_info(video_id, info),
    )


def pick_subtitles(info: dict[str, Any], languages: Sequence[str]) -> tuple[str, bool, str, str] | None:
    """(language, is_generated, format, url) of the best subtitle track, or None.

    Automatic captions list YouTube's machine translations under every language code and the
    original speech as ``<lang>-orig``; a preferred language matches ``en``, ``en-US``, ``en-orig``.
    """
    wanted = list(languages) or ["en"]
    tracks = [
        (False, _by_language(info.get("subtitles"))),
        (True, _by_language(info.get("automatic_captions"))),
    ]
    for language in wanted:
        for generated, by_language in tracks:
            for code in sorted(by_language, key=lambda c: (c != language, not c.endswith("-orig"), c)):
                if code == language or code.startswith(language + "-"):
                    found = _best_format(by_language[code])
                    if found:
                        return language, generated, found[0], found[1]
    for generated, by_language in tracks:  # any original language: better than nothing
        for code in by_language:
            # Automatic captions hold YouTube's translations into every language: only the
            # original speech (``-orig``) is a sensible pick when none was asked for.
            if code == "live_chat" or (generated and not code.endswith("-orig")):
                continue
            found = _best_format(by_language[code])
            if found:
                return code.removesuffix("-orig"), generated, found[0], found[1]
    return None


def _by_language(tracks: Any) -> dict[str, list[Any]]:
    """yt-dlp's ``{language: [formats]}``; anything of another shape is no track at all."""
    if not isinstance(tracks, dict):
        return {}
    return {
        code: formats
        for code, formats in tracks.items()
        if isinstance(code, str) and isinstance(formats, list)
    }


def _best_format(formats: list[Any]) -> tuple[str, str] | None:
    for fmt in _FORMATS:
        for entry in formats:
            if isinstance(entry, dict) and entry.get("ext") == fmt and isinstance(entry.get("url"), str):
                return fmt, entry["url"]
    return None
