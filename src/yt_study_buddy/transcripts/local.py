"""Transcripts from local files: ``--transcript FILE`` and ``YTSB_TRANSCRIPTS_DIR/<video_id>.<ext>``.

A file may have a sidecar ``<stem>.info.json`` with the video's title, channel, duration and
chapters, so local runs (the demo stack, offline use) get the same metadata as a YouTube fetch.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

from yt_study_buddy.errors import TranscriptError
from yt_study_buddy.models import Segment, Transcript, VideoMetadata
from yt_study_buddy.transcripts.metadata import metadata_from_info
from yt_study_buddy.transcripts.parsers import parse_json, parse_srt, parse_txt, parse_vtt, vtt_language
from yt_study_buddy.urls import is_valid_video_id

logger = logging.getLogger(__name__)
SOURCE = "file"
PARSERS: dict[str, Callable[[str], list[Segment]]] = {
    ".vtt": parse_vtt,
    ".srt": parse_srt,
    ".json": parse_json,
    ".txt": parse_txt,
}


def parse_transcript_file(path: Path) -> Transcript:
    """Parse by suffix; the video ID is the file's stem when that is a valid ID, else ``unknown``.

    Raises TranscriptError (permanent) when the file is missing, of an unknown kind, unreadable
    or holds no speech: the user has to point at another file.
    """
    path = Path(path)
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        raise TranscriptError(
            f"Unsupported transcript file '{path.name}': use .vtt, .srt, .json or .txt.", retryable=False
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
        segments = parser(text)
    except OSError as exc:
        raise TranscriptError(f"Cannot read the transcript file '{path}'.", retryable=False) from exc
    except UnicodeDecodeError as exc:
        raise TranscriptError(
            f"The transcript file '{path.name}' is not UTF-8 text.", retryable=False
        ) from exc
    except ValueError as exc:  # the parsers' messages are written for users
        raise TranscriptError(
            f"The transcript file '{path.name}' is not valid: {exc}", retryable=False
        ) from exc
    if not segments:
        raise TranscriptError(f"The transcript file '{path.name}' contains no text.", retryable=False)
    video_id = video_id_of(path)
    return Transcript(
        video_id=video_id,
        segments=tuple(segments),
        language=(vtt_language(text) if parser is parse_vtt else None) or language_of(path),
        source=SOURCE,
        is_generated=False,
        metadata=read_sidecar(path, video_id),
    )


def language_of(path: Path) -> str | None:
    """The language yt-dlp writes into a subtitle's name: ``lecture.es.srt`` -> ``es``."""
    parts = path.name.split(".")
    code = parts[-2] if len(parts) >= 3 else ""
    return code if re.fullmatch(r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?", code) else None


def video_id_of(path: Path) -> str:
    """The stem when it is a video ID; also ``<id>.en.vtt`` as yt-dlp names subtitles; else ``unknown``."""
    for candidate in (path.stem, path.stem.split(".")[0]):
        if is_valid_video_id(candidate):
            return candidate
    return "unknown"


def read_sidecar(path: Path, video_id: str) -> VideoMetadata | None:
    """Metadata from ``<stem>.info.json`` (or ``<video_id>.info.json``, yt-dlp's name) next to
    ``path``; None when absent or unreadable."""
    names = [path.stem + ".info.json", f"{video_id}.info.json"]
    sidecar = next((path.with_name(n) for n in names if path.with_name(n).is_file()), None)
    if sidecar is None:
        return None
    try:
        info = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError) as exc:
        logger.warning("Ignoring unreadable metadata file %s: %s", sidecar, exc)
        return None
    return metadata_from_info(video_id, info) if isinstance(info, dict) else None


def find_in_directory(directory: Path, video_id: str) -> Path | None:
    """``<directory>/<video_id>.vtt|.srt|.json|.txt``, in that order, or None."""
    if not is_valid_video_id(video_id):
        return None  # never build a path from something that is not an ID
    for suffix in PARSERS:
        candidate = Path(directory) / f"{video_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def transcripts_dir_from_env() -> Path | None:
    value = os.environ.get("YTSB_TRANSCRIPTS_DIR", "").strip()
    return Path(value).expanduser() if value else None
