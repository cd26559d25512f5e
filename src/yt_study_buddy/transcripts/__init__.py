"""Transcripts for the notes engine: local files first, then YouTube, then yt-dlp's subtitles.

Importing this package is cheap: youtube-transcript-api, yt-dlp and requests are imported only
when a video is actually fetched from YouTube.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from yt_study_buddy.errors import TranscriptError
from yt_study_buddy.models import Transcript
from yt_study_buddy.transcripts.local import (
    find_in_directory,
    parse_transcript_file,
    transcripts_dir_from_env,
)
from yt_study_buddy.transcripts.parsers import parse_json, parse_srt, parse_txt, parse_vtt
from yt_study_buddy.transcripts.proxy import ProxySettings
from yt_study_buddy.transcripts.ytdlp import fetch_metadata
from yt_study_buddy.urls import is_valid_video_id

if TYPE_CHECKING:
    import requests

__all__ = [
    "ProxySettings",
    "fetch_metadata",
    "get_transcript",
    "parse_json",
    "parse_srt",
    "parse_transcript_file",
    "parse_txt",
    "parse_vtt",
]


def get_transcript(
    video_id: str,
    *,
    languages: Sequence[str] = ("en",),
    transcript_file: Path | None = None,
    transcripts_dir: Path | None = None,
    proxy: ProxySettings | None = None,
    http_client: requests.Session | None = None,
    fetch_metadata: bool = True,
) -> Transcript:
    """The transcript of ``video_id``, with metadata when it can be had.

    Order: ``transcript_file``; ``transcripts_dir`` (default ``YTSB_TRANSCRIPTS_DIR``)
    ``/<video_id>.vtt|.srt|.json|.txt``; YouTube through youtube-transcript-api; yt-dlp's
    subtitles. ``proxy`` None means ``ProxySettings.from_env()``. Raises TranscriptError.
    """
    if transcript_file is not None:
        transcript = parse_transcript_file(Path(transcript_file))
        if is_valid_video_id(video_id):
            transcript = dataclasses.replace(transcript, video_id=video_id)
        return _with_metadata(transcript, fetch_metadata, proxy)
    if not is_valid_video_id(video_id):
        raise TranscriptError("That is not a valid YouTube video ID.", retryable=False)
    directory = transcripts_dir if transcripts_dir is not None else transcripts_dir_from_env()
    local = find_in_directory(directory, video_id) if directory is not None else None
    if local is not None:
        return _with_metadata(parse_transcript_file(local), fetch_metadata, proxy)
    proxy = proxy if proxy is not None else ProxySettings.from_env()
    return _from_youtube(video_id, languages, proxy, http_client, fetch_metadata)


def _from_youtube(
    video_id: str,
    languages: Sequence[str],
    proxy: ProxySettings | None,
    http_client: requests.Session | None,
    with_metadata: bool,
) -> Transcript:
    from yt_study_buddy.transcripts import youtube, ytdlp

    try:
        transcript = youtube.fetch_from_youtube(video_id, languages, proxy=proxy, http_client=http_client)
    except TranscriptError as first:
        if not _worth_falling_back(first):
            raise
        try:
            info = ytdlp.extract_info(video_id, proxy=proxy)
            return ytdlp.transcript_from_info(video_id, info, languages, http_client=http_client, proxy=proxy)
        except TranscriptError as second:
            # When the first failure was transient (blocked, say) and yt-dlp then saw the video
            # and found it private or without subtitles, that is the definitive answer.
            # Otherwise the first error, from the primary source, says more.
            if first.retryable and not second.retryable:
                raise second from second.__cause__
            raise first from first.__cause__
    if with_metadata:
        transcript = dataclasses.replace(transcript, metadata=ytdlp.fetch_metadata(video_id, proxy=proxy))
    return transcript


def _worth_falling_back(error: TranscriptError) -> bool:
    """Whether yt-dlp might succeed where youtube-transcript-api failed.

    Not when YouTube said the video itself cannot be watched (unavailable, private, age-restricted,
    unplayable): yt-dlp gets the same answer. Yes for blocks, missing or disabled captions (yt-dlp
    uses other clients and lists automatic captions differently) and YouTube-side hiccups.
    """
    if error.retryable:
        return True
    import youtube_transcript_api as yta

    definitive = (yta.VideoUnavailable, yta.InvalidVideoId, yta.AgeRestricted, yta.VideoUnplayable)
    return not isinstance(error.__cause__, definitive)


def _with_metadata(transcript: Transcript, wanted: bool, proxy: ProxySettings | None) -> Transcript:
    """Local files use their sidecar; without one, yt-dlp is asked (best effort) when wanted."""
    if transcript.metadata is not None or not wanted or not is_valid_video_id(transcript.video_id):
        return transcript
    proxy = proxy if proxy is not None else ProxySettings.from_env()
    return dataclasses.replace(transcript, metadata=fetch_metadata(transcript.video_id, proxy=proxy))
