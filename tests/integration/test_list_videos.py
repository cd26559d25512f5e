"""GET /videos: newest first from the GSI, limit, status filter, opaque last_key."""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from list_videos.handler import lambda_handler as list_videos
from shared import ledger
from shared.config import get_settings
from shared.dal import dynamo

USER = "user-1"


def seed(user_id: str, count: int, status_of=lambda index: "queued", padding: int = 0) -> list[str]:
    """``count`` paid-for videos with increasing created_at (failed ones refunded); ids newest first.
    ``padding`` characters more in each row make DynamoDB's 1 MB pages hold fewer of them."""
    ledger.add_credits(user_id, count, f"seed_{secrets.token_hex(4)}", "purchase", "test credits")
    ids = []
    for index in range(count):
        video_id = f"video_{1700000000 + index}_{secrets.token_hex(6)}"
        video = {
            "video_id": video_id,
            "user_id": user_id,
            "youtube_video_id": "dQw4w9WgXcQ",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "status": status_of(index),
            "progress": 0,
            **({"padding": "x" * padding} if padding else {}),
            "created_at": f"2024-10-29T12:00:{index:02d}.000Z",
            "updated_at": "2024-10-29T12:00:00.000Z",
        }
        put = ("Put", dynamo.put_op(get_settings().videos_table, video))
        ledger.spend(user_id, 1, f"spend_{video_id}", video_id, [put])
        if video["status"] == "failed":
            ledger.refund(user_id, 1, video_id)
        ids.append(video_id)
    return ids[::-1]


def page(invoke, api_event, user: str = USER, **query) -> tuple[int, dict]:
    return invoke(list_videos, api_event("GET", "/videos", user=user, query=query or None))


def test_given_25_videos_when_paging_by_10_then_newest_first_without_gaps(invoke, api_event, aws_calls):
    expected = seed(USER, 25)
    seed("someone-else", 3)
    seen, token, calls = [], None, []
    while True:
        aws_calls.clear()
        status, body = page(invoke, api_event, limit="10", **({"last_key": token} if token else {}))
        calls.append(aws_calls["dynamodb.Query"])
        assert status == 200 and body["count"] == len(body["videos"])
        seen += [video["video_id"] for video in body["videos"]]
        token = body.get("last_key")
        if not token:
            break
    assert seen == expected
    assert calls == [1, 1, 1]  # one query per page


@pytest.mark.parametrize("query", [{}, {"limit": ""}], ids=["absent", "empty"])
def test_given_no_limit_then_default_20(invoke, api_event, query):
    # (mutant: `raw == ""` made `raw < ""`: `?limit=` refused as invalid)
    seed(USER, 22)
    status, body = page(invoke, api_event, **query)
    assert status == 200 and body["count"] == 20 and "last_key" in body


def test_given_sparse_matches_when_filtering_by_status_then_pages_are_full(invoke, api_event):
    # Given 30 videos of which every 7th is completed (the rest would make short pages)
    expected = seed(USER, 30, status_of=lambda index: "completed" if index % 7 == 0 else "failed")
    completed = [vid for position, vid in enumerate(expected) if (29 - position) % 7 == 0]
    seen, token = [], None
    while True:
        query = {"limit": "2", "status": "completed", **({"last_key": token} if token else {})}
        status, body = page(invoke, api_event, **query)
        assert status == 200
        assert body["videos"] or not seen, "an empty page while more matches exist"
        assert all(video["status"] == "completed" for video in body["videos"])
        seen += [video["video_id"] for video in body["videos"]]
        token = body.get("last_key")
        if not token:
            break
        assert body["count"] == 2
    assert seen == completed


def test_given_exactly_a_full_last_page_of_matches_when_filtering_then_no_last_key(invoke, api_event):
    # Mutant: `len(found) >= limit` for `len(found) > limit`: a last_key that leads to an empty page.
    # Given 4 completed videos among 8
    expected = seed(USER, 8, status_of=lambda index: "completed" if index % 2 else "failed")
    completed = [video_id for position, video_id in enumerate(expected) if position % 2 == 0]
    # When paging the completed ones by 2, then the second page is full and the last
    status, first = page(invoke, api_event, limit="2", status="completed")
    assert status == 200 and [v["video_id"] for v in first["videos"]] == completed[:2] and first["last_key"]
    status, second = page(invoke, api_event, limit="2", status="completed", last_key=first["last_key"])
    assert status == 200 and [v["video_id"] for v in second["videos"]] == completed[2:]
    assert "last_key" not in second


def test_given_more_matches_than_the_limit_on_the_first_1_mb_page_when_filtering_then_one_query(
    invoke, api_event, aws_calls
):
    # Mutant: `len(found) < limit` made `is not limit`: holding more matches than asked for, it would
    # read on, page after 1 MB page, to the end of the user's videos.
    seed(USER, 14, status_of=lambda index: "completed", padding=100_000)  # about 1.4 MB: two pages
    aws_calls.clear()
    status, body = page(invoke, api_event, limit="2", status="completed")
    assert (status, body["count"], aws_calls["dynamodb.Query"]) == (200, 2, 1)
    assert "last_key" in body


@pytest.mark.parametrize("limit", ["1", "100"])
def test_given_the_smallest_or_largest_limit_then_accepted(invoke, api_event, limit):
    # Mutants: `1 <= int(raw) <= 100` made `< 100`, `2 <=` or `1 <`: a documented bound refused.
    seed(USER, 2)
    status, body = page(invoke, api_event, limit=limit)
    assert (status, body["count"]) == (200, min(2, int(limit)))


@pytest.mark.parametrize(("query", "limit"), [({"limit": "7"}, 7), ({}, 20)])
def test_given_no_status_filter_when_listing_then_dynamodb_is_asked_for_one_page_only(
    invoke, api_event, aws_requests, query, limit
):
    # Mutant: the unfiltered Query sent without Limit (it would read up to 1 MB for every page).
    seed(USER, 3)
    aws_requests.clear()
    assert page(invoke, api_event, **query)[1]["count"] == 3
    queries = [params for name, params in aws_requests if name == "dynamodb.Query"]
    assert [(q["IndexName"], q["Limit"], q["ScanIndexForward"]) for q in queries] == [
        ("user-index", limit, False)
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"limit": "-1"},
        {"limit": "\u00b2"},  # str.isdigit() says yes, int() says no
        {"limit": "\u0661\u0660"},  # Arabic-Indic "10": not an ASCII number
        {"status": "done"},
        {"last_key": "!!!"},
        {"last_key": "e30"},
    ],
)
def test_given_bad_query_when_listing_then_400(invoke, api_event, query):
    assert page(invoke, api_event, **query)[0] == 400


def test_given_another_users_token_when_listing_then_400(invoke, api_event):
    seed("victim", 5)
    status, body = page(invoke, api_event, user="victim", limit="2")
    assert status == 200 and body["last_key"]
    assert page(invoke, api_event, user="attacker", last_key=body["last_key"])[0] == 400


def test_given_forged_token_of_wrong_shape_when_listing_then_400(invoke, api_event):
    forged = {"u": USER, "v": "video_1_zzzz", "c": "2024"}
    token = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode()
    assert page(invoke, api_event, last_key=token)[0] == 400


def test_given_new_user_when_listing_then_empty_and_no_user_created(invoke, api_event):
    status, body = page(invoke, api_event)
    assert (status, body) == (200, {"videos": [], "count": 0})
    assert dynamo.get_item(get_settings().users_table, {"user_id": USER}) is None
    assert ledger.get_user_credits(USER, "user-1@example.com") == 3
