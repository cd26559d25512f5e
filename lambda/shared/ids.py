"""Identifiers and timestamps of docs/design.md."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime

# Use with .fullmatch: `$` would also accept a trailing newline. ASCII digits only (\d matches others).
VIDEO_ID_PATTERN = re.compile(r"video_[0-9]{1,12}_[0-9a-f]{12}")
NOTE_ID_PATTERN = re.compile(r"note_[0-9]{1,12}_[0-9a-f]{12}")
TIMESTAMP_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def now_iso() -> str:
    """ISO 8601 UTC with milliseconds and Z: string order is time order."""
    return iso_at(time.time())


def iso_at(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_epoch() -> int:
    return int(time.time())


def new_video_id() -> str:
    return f"video_{now_epoch()}_{secrets.token_hex(6)}"


def note_id_for(video_id: str) -> str:
    """Deterministic, so a redelivered message rewrites the same note."""
    return "note_" + video_id.removeprefix("video_")
