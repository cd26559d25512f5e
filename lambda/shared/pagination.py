"""Opaque ``last_key`` tokens: urlsafe base64 of a small JSON naming the caller and a position.

The token names its owner, so a token from another user (or a forged one) is a 400, never a
look at another user's partition; its shape is checked before it reaches DynamoDB (never a 500).
"""

from __future__ import annotations

import base64
import binascii
import json

from shared.errors import BadRequest
from shared.ids import TIMESTAMP_PATTERN, VIDEO_ID_PATTERN


def encode_last_key(user_id: str, video_id: str, created_at: str) -> str:
    raw = json.dumps({"u": user_id, "v": video_id, "c": created_at}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_last_key(token: str, user_id: str) -> dict[str, str]:
    """The ExclusiveStartKey for the videos table's user-index, or 400."""
    invalid = BadRequest("Invalid last_key", {"last_key": "not a pagination token from this API"})
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise invalid from None
    if not isinstance(data, dict) or set(data) != {"u", "v", "c"} or data["u"] != user_id:
        raise invalid
    video_id, created_at = data["v"], data["c"]
    if not (isinstance(video_id, str) and VIDEO_ID_PATTERN.fullmatch(video_id)):
        raise invalid
    if not (isinstance(created_at, str) and TIMESTAMP_PATTERN.fullmatch(created_at)):
        raise invalid
    return {"video_id": video_id, "user_id": user_id, "created_at": created_at}
