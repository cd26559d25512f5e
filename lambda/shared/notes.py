"""Notes: the record in the notes table and the markdown in S3 at {user_id}/{video_id}/note.md."""

from __future__ import annotations

import json
from typing import Any

from shared.config import get_settings
from shared.dal import dynamo
from shared.dal.s3 import generate_presigned_url, get_from_s3, upload_to_s3
from shared.errors import BadRequest, NotFound
from shared.ids import NOTE_ID_PATTERN, now_iso

PUBLIC_FIELDS = (
    "note_id",
    "video_id",
    "youtube_video_id",
    "title",
    "content_length",
    "created_at",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
)
FORMATS = ("json", "html")
# Lambda refuses a response payload over 6 MB (API Gateway then answers 502): above this many bytes of
# JSON, the note's content is a presigned S3 URL instead, valid CONTENT_URL_SECONDS.
INLINE_LIMIT = 5 * 1024 * 1024
CONTENT_URL_SECONDS = 300


def s3_key(user_id: str, video_id: str) -> str:
    return f"{user_id}/{video_id}/note.md"


def parse_format(raw: str | None) -> str:
    """``format`` query parameter: ``json`` (the default) or ``html``; anything else is a 400."""
    if raw is None or raw == "":
        return "json"
    if raw not in FORMATS:
        raise BadRequest("Invalid format", {"format": "must be json or html"})
    return raw


def get_owned(user_id: str, note_id: str, include_content: bool, fmt: str = "json") -> dict[str, Any]:
    """The caller's note (404 for missing or foreign, same answer), with the markdown and/or HTML if asked."""
    settings = get_settings()
    if not NOTE_ID_PATTERN.fullmatch(note_id or ""):
        raise NotFound("Note not found")
    note = dynamo.get_item(settings.notes_table, {"note_id": note_id})
    if note is None or note.get("user_id") != user_id:
        raise NotFound("Note not found")
    result = {key: note[key] for key in PUBLIC_FIELDS if note.get(key) is not None}
    if include_content or fmt == "html":
        markdown = get_from_s3(settings.notes_bucket, note["s3_key"])
        inline: dict[str, str] = {"content": markdown} if include_content else {}
        if fmt == "html":
            from shared import note_html  # markdown-it and nh3: only this path pays their import

            inline["html"] = note_html.render(markdown)
        if len(json.dumps(inline)) <= INLINE_LIMIT:  # measured as success_response encodes it (ASCII)
            result.update(inline)
        else:  # too big to answer inline: the markdown itself, downloaded from S3
            name = f"{note_id}.md"
            result["content_url"] = generate_presigned_url(
                settings.notes_bucket, note["s3_key"], CONTENT_URL_SECONDS, download_name=name
            )
            result["content_url_expires_in"] = CONTENT_URL_SECONDS
    return result


def save(
    *,
    note_id: str,
    video_id: str,
    user_id: str,
    youtube_video_id: str,
    title: str,
    markdown: str,
    meta: dict[str, Any],
) -> None:
    """Upload then record; both writes are overwrites with a deterministic id (redelivery-safe)."""
    settings = get_settings()
    key = s3_key(user_id, video_id)
    upload_to_s3(settings.notes_bucket, key, markdown)
    record = {
        "note_id": note_id,
        "video_id": video_id,
        "user_id": user_id,
        "youtube_video_id": youtube_video_id,
        "title": title,
        "s3_key": key,
        "content_length": len(markdown),
        "created_at": now_iso(),
        **meta,
    }
    dynamo.put_item(settings.notes_table, record)
