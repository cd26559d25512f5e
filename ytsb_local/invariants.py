"""The money-and-data invariants of docs/design.md, checked by reading the tables.

Used by the fault-injection and concurrency tests and by ``bench/load.py`` after a run:

- a user's balance equals the sum of their ledger entries, and is never negative unless a purchase of
  theirs was taken back (a refund or dispute after the credits were spent);
- a ``clawback_<purchase>`` entry takes back exactly the credits of that purchase of the same user
  (one per purchase, whether refunded, disputed or both);
- every attempt at a video was paid for by exactly one credit of its owner: ``spend_<video_id>`` for
  the first, ``spend_<video_id>_r<n>`` for the n-th retry, so 1 + ``retries`` spends per video;
- each attempt is refunded at most once (``refund_<video_id>[_r<n>]``): every attempt before the
  last was refunded (only a failed video can be retried), and the last one is refunded exactly
  when the video is failed;
- a deleted video (its row gone, its ledger entries kept, as the ledger is append-only) still obeys
  the same rules, its last attempt either refunded (it had failed) or not (it had completed);
- with ``settled=True`` (the queue is drained): no video is left ``queued`` or ``processing``, and
  every completed video has its note.

The key format is written out here again on purpose: this is an independent check of the code.
"""

from __future__ import annotations

from collections import defaultdict
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
        elif users[user_id] < 0 and not any(
            e["type"] == "clawback" and e["user_id"] == user_id for e in entries
        ):
            problems.append(f"{user_id}: negative balance {users[user_id]}")
    problems += _clawback_problems(entries)

    by_reference: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        if entry["type"] in ("spend", "refund"):
            by_reference[entry["reference"]].append(entry)
    video_ids = set()
    for video in videos:
        video_id, owner, status = video["video_id"], video["user_id"], video["status"]
        video_ids.add(video_id)
        attempts = 1 + int(video.get("retries", 0))
        refunded = set(range(attempts if status == "failed" else attempts - 1))
        moves = by_reference[video_id]
        label = f"{video_id} ({status})"
        problems += _attempt_problems(label, video_id, owner, moves, attempts, refunded, refunded)
        if settled and status in ("queued", "processing"):
            problems.append(f"{video_id}: still {status} after the queue was drained")
    for reference in by_reference.keys() - video_ids:  # a deleted video, or a spend that was no video
        moves = by_reference[reference]
        if not reference.startswith("video_"):  # e.g. utils.deduct_credits: any amount, never refunded
            if any(entry["type"] == "refund" for entry in moves):
                problems.append(f"refund for {reference}, which is not a video")
            continue
        attempts = sum(1 for entry in moves if entry["type"] == "spend")
        # its last attempt completed (not refunded) or failed (refunded) before it was deleted
        must, may = set(range(attempts - 1)), set(range(attempts))
        label, owner = f"{reference} (no video)", moves[0]["user_id"]
        problems += _attempt_problems(label, reference, owner, moves, attempts, must, may)

    if settled:
        note_ids = {n["note_id"] for n in scan_all(dynamodb, tables.notes)}
        for video in videos:
            if video["status"] == "completed" and video.get("note_id") not in note_ids:
                problems.append(f"{video['video_id']}: completed without its note")
    return problems


def _clawback_problems(entries: list[dict[str, Any]]) -> list[str]:
    """Every ``clawback_<purchase>`` is minus that purchase's credits, of the same user."""
    by_id = {entry["transaction_id"]: entry for entry in entries}
    problems = []
    for entry in entries:
        if entry["type"] != "clawback":
            continue
        key = entry["transaction_id"]
        purchase = by_id.get(key.removeprefix("clawback_")) if key.startswith("clawback_") else None
        if purchase is None or purchase["type"] != "purchase":
            problems.append(f"{key}: takes back no purchase")
        elif purchase["user_id"] != entry["user_id"] or int(entry["amount"]) != -int(purchase["amount"]):
            problems.append(f"{key}: does not take back exactly the {purchase['amount']} credits bought")
    return problems


def _key(kind: str, reference: str, attempt: int) -> str:
    return f"{kind}_{reference}" if attempt == 0 else f"{kind}_{reference}_r{attempt}"


def _attempt_problems(
    label: str,
    reference: str,
    owner: str,
    moves: list[dict[str, Any]],
    attempts: int,
    must_refund: set[int],
    may_refund: set[int],
) -> list[str]:
    """The spends and refunds of one video (``moves``, all referencing it) against its ``attempts``:
    one spend of one credit per attempt, a refund of one credit for each attempt in ``must_refund``
    and none outside ``may_refund``, all the owner's."""
    problems = []
    spends = {e["transaction_id"] for e in moves if e["type"] == "spend"}
    if spends != {_key("spend", reference, n) for n in range(attempts)}:
        problems.append(f"{label}: spends {sorted(spends)}, expected one per attempt ({attempts})")
    refunds = {e["transaction_id"] for e in moves if e["type"] == "refund"}
    missing = {_key("refund", reference, n) for n in must_refund} - refunds
    extra = refunds - {_key("refund", reference, n) for n in may_refund}
    if missing or extra:
        problems.append(f"{label}: refunds missing {sorted(missing)}, unexpected {sorted(extra)}")
    wrong = [e["transaction_id"] for e in moves if e["user_id"] != owner or abs(int(e["amount"])) != 1]
    wrong += [e["transaction_id"] for e in moves if (int(e["amount"]) < 0) != (e["type"] == "spend")]
    if wrong:
        problems.append(f"{label}: entries not of one credit of its owner: {sorted(set(wrong))}")
    return problems
