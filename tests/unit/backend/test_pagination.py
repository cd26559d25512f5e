"""last_key tokens: opaque, bound to their owner, shape-checked."""

from __future__ import annotations

import base64
import json

import pytest
from shared.errors import BadRequest
from shared.pagination import decode_last_key, encode_last_key

VIDEO = "video_1700000000_0123456789ab"
WHEN = "2024-10-29T12:34:56.789Z"


def test_given_own_token_when_decoding_then_start_key_for_the_gsi():
    token = encode_last_key("alice", VIDEO, WHEN)
    assert decode_last_key(token, "alice") == {"video_id": VIDEO, "user_id": "alice", "created_at": WHEN}
    assert "alice" not in token  # opaque, not plain text


def test_given_someone_elses_token_when_decoding_then_400():
    with pytest.raises(BadRequest):
        decode_last_key(encode_last_key("alice", VIDEO, WHEN), "mallory")


def b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "%%%",
        "bm90IGpzb24",
        b64([1]),
        b64({"u": "alice"}),
        b64({"u": "alice", "v": "x", "c": WHEN}),
        b64({"u": "alice", "v": VIDEO, "c": "yesterday"}),
        b64({"u": "alice", "v": VIDEO, "c": WHEN, "extra": 1}),
        b64({"u": "alice", "v": 5, "c": WHEN}),
    ],
)
def test_given_malformed_or_forged_token_when_decoding_then_400(token):
    with pytest.raises(BadRequest):
        decode_last_key(token, "alice")
