"""The money-and-data invariants of docs/design.md, checked by reading the tables.

Used by the fault-injection and concurrency tests and by ``bench/load.py`` after a run:

- a user's balance equals the sum of their ledger entries, and is never negative;
- every video was paid for by exactly one ``spend_<video_id>`` entry of its owner;
- a failed video is refunded by exactly one ``refund_<video_id>`` entry; no other video is refunded;
- with ``settled=True`` (the queue is drained): no video is left ``queued`` or ``processing``, and
  every completed video has its note.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tables:
    """Table names; the defaults are those of the template's default Prefix."""

    users: str = "ytsb-users"
    videos: str = "ytsb-videos"
    notes: str = "ytsb-notes"
    credits: str = "ytsb-credits"


def scan_all(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of ``table`` (a boto3 DynamoDB *resource*), strongly consistent."""
    handle, items, kwargs = dynamodb.Table(table), [], {"ConsistentRead": True}
    while True:
        page = handle.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def ledger_problems(dynamodb: Any, tables: Tables = Tables(), *, settled: bool = False) -> list[str]:
    """Every broken invariant, in words; an empty list means the books balance."""
    users = {u["user_id"]: int(u.get("credits", 0)) for u in scan_all(dynamodb, tables.users)}
    entries = scan_all(dynamodb, tables.credits)
    videos = scan_all(dynamodb, tables.videos)
    problems: list[str] = []

    sums: dict[str, int] = defaultdict(int)
    for entry in entries:
        sums[entry["user_id"]] += int(entry["amount"])
    for user_id in users.keys() | sums.keys():
        if user_id not in users:
            problems.append(f"ledger entries for {user_id}, who has no user record")
        elif users[user_id] != sums[user_id]:
            problems.append(f"{user_id}: balance {users[user_id]} but ledger sum {sums[user_id]}")
        elif users[user_id] < 0:
            problems.append(f"{user_id}: negative balance {users[user_id]}")

    by_id = {entry["transaction_id"]: entry for entry in entries}
    refunds = Counter(e["reference"] for e in entries if e["type"] == "refund")
    video_ids = set()
    for video in videos:
        video_id, owner, status = video["video_id"], video["user_id"], video["status"]
        video_ids.add(video_id)
        spend = by_id.get(f"spend_{video_id}")
        if spend is None or spend["user_id"] != owner or int(spend["amount"]) != -1:
            problems.append(f"{video_id}: not paid by exactly one credit of its owner")
        expected = 1 if status == "failed" else 0
        if refunds[video_id] != expected:
            problems.append(f"{video_id} ({status}): {refunds[video_id]} refunds, expected {expected}")
        if settled and status in ("queued", "processing"):
            problems.append(f"{video_id}: still {status} after the queue was drained")
    for reference in refunds.keys() - video_ids:
        problems.append(f"refund for {reference}, which is not a video")

    if settled:
        note_ids = {n["note_id"] for n in scan_all(dynamodb, tables.notes)}
        for video in videos:
            if video["status"] == "completed" and video.get("note_id") not in note_ids:
                problems.append(f"{video['video_id']}: completed without its note")
    return problems
