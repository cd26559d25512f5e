"""ytsb_local/invariants.py itself: the books it accepts, and the broken ones it must catch.

Written straight into a second set of tables (Prefix ``inv``, built from template.yaml), so the
autouse check of the real tables after each test is not disturbed by the broken books made here.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from ytsb_local.aws import create_tables
from ytsb_local.invariants import Tables, ledger_problems
from ytsb_local.template import Resolver, load_template

REGION = "us-east-1"
TABLES = Tables(users="inv-users", videos="inv-videos", notes="inv-notes", credits="inv-credits")
VIDEO = "video_1700000000_0123456789ab"


def books(videos: list[dict[str, Any]], moves: list[tuple[str, int]]) -> list[str]:
    """Write one user's videos and a ledger (the grant and ``moves`` of VIDEO); ledger_problems of it."""
    create_tables(
        boto3.client("dynamodb", region_name=REGION), Resolver(load_template(), REGION, {"Prefix": "inv"})
    )
    ddb = boto3.resource("dynamodb", region_name=REGION)
    return _write(ddb, videos, moves)


def _write(ddb: Any, videos: list[dict[str, Any]], moves: list[tuple[str, int]]) -> list[str]:
    entries = [("grant_u", 3, "grant", "u")] + [
        (key, amount, "spend" if amount < 0 else "refund", VIDEO) for key, amount in moves
    ]
    for key, amount, kind, reference in entries:
        ddb.Table(TABLES.credits).put_item(
            Item={"transaction_id": key, "user_id": "u", "amount": amount, "type": kind,
                  "reference": reference, "created_at": "2024-01-01T00:00:00.000Z"}
        )  # fmt: skip
    balance = sum(amount for _, amount, _, _ in entries)
    ddb.Table(TABLES.users).put_item(Item={"user_id": "u", "credits": balance})
    for video in videos:
        ddb.Table(TABLES.videos).put_item(
            Item={"video_id": VIDEO, "user_id": "u", "created_at": "2024-01-01T00:00:00.000Z",
                  "updated_at": "2024-01-01T00:00:00.000Z", **video}
        )  # fmt: skip
    return ledger_problems(ddb, TABLES)


S, R = f"spend_{VIDEO}", f"refund_{VIDEO}"


@pytest.mark.parametrize(
    ("videos", "moves"),
    [
        ([{"status": "completed"}], [(S, -1)]),
        ([{"status": "failed"}], [(S, -1), (R, 1)]),
        ([{"status": "queued", "retries": 1}], [(S, -1), (R, 1), (S + "_r1", -1)]),
        (
            [{"status": "failed", "retries": 2}],
            [(S, -1), (R, 1), (S + "_r1", -1), (R + "_r1", 1), (S + "_r2", -1), (R + "_r2", 1)],
        ),
        ([], [(S, -1)]),  # deleted after completing
        ([], [(S, -1), (R, 1), (S + "_r1", -1)]),  # retried, completed, deleted
        ([], [(S, -1), (R, 1), (S + "_r1", -1), (R + "_r1", 1)]),  # retried, failed again, deleted
    ],
    ids=[
        "completed",
        "failed",
        "retried-queued",
        "failed-3-times",
        "deleted",
        "deleted-after-retry",
        "deleted-failed",
    ],
)
def test_given_consistent_books_then_no_problem(videos, moves):
    assert books(videos, moves) == []


@pytest.mark.parametrize(
    ("videos", "moves", "says"),
    [
        ([{"status": "queued", "retries": 1}], [(S, -1), (R, 1)], "expected one per attempt (2)"),
        ([{"status": "queued", "retries": 1}], [(S, -1), (S + "_r1", -1)], f"refunds missing ['{R}']"),
        ([{"status": "completed", "retries": 1}], [(S, -1), (R, 1), (S + "_r1", -1), (R + "_r1", 1)],
         "unexpected"),
        ([{"status": "failed", "retries": 1}], [(S, -1), (R, 1), (S + "_r1", -1)], f"missing ['{R}_r1']"),
        ([], [(S, -1), (S + "_r1", -1)], "(no video): refunds missing"),  # deleted, a retry never refunded
        ([], [(S, -1), (R, 1), (R + "_r1", 1)], "(no video)"),  # a refund of an attempt never paid
        ([{"status": "completed"}], [(S, -2)], "not of one credit"),
    ],
    ids=["retry-unpaid", "retried-without-refund", "completed-refunded", "failed-retry-unrefunded",
         "deleted-retry-unrefunded", "deleted-refund-unpaid", "two-credits"],
)  # fmt: skip
def test_given_broken_books_then_the_problem_is_named(videos, moves, says):
    problems = books(videos, moves)
    assert any(says in problem for problem in problems), problems
