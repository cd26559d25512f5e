"""A transcript uploaded with a video (``POST /videos`` ``transcript``): checked, kept in S3 beside the
note at ``{user_id}/{video_id}/transcript.<format>``, and handed to the engine (``--transcript``).

It is the way out when YouTube refuses our servers or a video has no captions the engine can fetch:
the engine reads the file instead of asking YouTube. The file stays as long as the video, so a retry
uses it again; deleting the video deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.config import get_settings
from shared.dal.s3 import delete_from_s3, get_from_s3, upload_to_s3
from shared.errors import BadRequest

# Format -> Content-Type; the engine picks its parser from the file's extension, which is the format.
FORMATS = {"vtt": "text/vtt", "srt": "application/x-subrip", "txt": "text/plain", "json": "application/json"}
MAX_BYTES = 2 * 1024 * 1024  # UTF-8 encoded: well under Lambda's 6 MB request, plenty for a 3-hour lecture
_FIELDS = {"format", "content"}


@dataclass(frozen=True)
class Upload:
    format: str
    content: bytes


def _invalid(message: str) -> BadRequest:
    return BadRequest("Invalid transcript", {"transcript": message})


def parse(raw: Any) -> Upload | None:
    """The request's ``transcript`` (absent or null: None), or 400 naming what is wrong with it."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _invalid('must be an object {"format": "vtt" | "srt" | "txt" | "json", "content": "..."}')
    unknown = sorted(str(name) for name in raw if name not in _FIELDS)
    if unknown:
        raise _invalid(f"unknown fields: {', '.join(unknown)[:200]}")
    if not isinstance(raw.get("format"), str) or raw["format"] not in FORMATS:  # {} is unhashable
        raise _invalid(f"format must be one of {', '.join(FORMATS)}")
    content = raw.get("content")
    if not isinstance(content, str):
        raise _invalid("content must be a string")
    if not content.strip():
        raise _invalid("content is empty")
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:  # JSON can carry lone surrogates ("\ud800"), which UTF-8 cannot
        raise _invalid("content is not valid Unicode text") from None
    if len(data) > MAX_BYTES:
        raise _invalid(f"content is {len(data)} bytes UTF-8 encoded; at most {MAX_BYTES} (2 MB)")
    return Upload(str(raw["format"]), data)


def s3_key(user_id: str, video_id: str, fmt: str) -> str:
    return f"{user_id}/{video_id}/transcript.{fmt}"


def store(user_id: str, video_id: str, upload: Upload) -> str:
    """Upload and return the key (an overwrite: the video id is new, so nothing else is there)."""
    key = s3_key(user_id, video_id, upload.format)
    upload_to_s3(get_settings().notes_bucket, key, upload.content, FORMATS[upload.format])
    return key


def remove(key: str) -> None:
    delete_from_s3(get_settings().notes_bucket, key)


def download(key: str, directory: str) -> Path:
    """The stored transcript as a file in ``directory``, named like the key (so its extension says
    its format)."""
    path = Path(directory) / Path(key).name
    path.write_text(get_from_s3(get_settings().notes_bucket, key), encoding="utf-8")
    return path
