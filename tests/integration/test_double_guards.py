"""Guards that exist twice, each shown to work alone: every test removes the other guard of its pair.

- a refund: the video's ``refunded`` flag (the update's condition) and the ledger key ``refund_<video_id>``;
- the free tier: the user row's ``attribute_not_exists(user_id)`` and the ledger key ``grant_<user_id>``;
- a token: the header check (``alg`` must be RS256) and ``jwt.decode(algorithms=["RS256"])``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import boto3
import jwt
import pytest
from get_video.handler import lambda_handler as get_video
from shared import ledger, videos
from shared.dal import dynamo

Video = Callable[[str], dict[str, Any] | None]


def ledger_entries(kind: str) -> list[dict[str, Any]]:
    items = boto3.resource("dynamodb").Table("ytsb-credits").scan(ConsistentRead=True)["Items"]
    return [item for item in items if item["type"] == kind]


def without_condition(monkeypatch: pytest.MonkeyPatch, builder: str, clause: str) -> None:
    """Every ``dynamo.<builder>`` (update_op / put_op) drops ``clause`` from its ConditionExpression."""
    real = getattr(dynamo, builder)

    def build(*args: Any, **kwargs: Any) -> dict[str, Any]:
        op = real(*args, **kwargs)
        condition = op.pop("ConditionExpression", "").replace(clause, "").strip()
        if condition:
            op["ConditionExpression"] = condition
        return op

    monkeypatch.setattr(dynamo, builder, build)


def fresh_keys_after_the_first(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Ledger entries of ``kind`` get a new transaction id from the second on (their key guards nothing)."""
    real, seen = ledger.ledger_put, itertools.count()

    def put(user_id: str, amount: int, entry_kind: str, transaction_id: str, *rest: Any) -> Any:
        if entry_kind == kind and next(seen) > 0:
            transaction_id += f"_again_{next(seen)}"
        return real(user_id, amount, entry_kind, transaction_id, *rest)

    monkeypatch.setattr(ledger, "ledger_put", put)


# --- a refund --------------------------------------------------------------------------------------


def test_given_no_refunded_flag_check_when_refunding_twice_then_the_ledger_key_refunds_once(
    message: dict[str, str], monkeypatch: pytest.MonkeyPatch, stored_video: Video
) -> None:
    without_condition(monkeypatch, "update_op", "attribute_not_exists(refunded) AND ")
    assert videos.refund_video("user-1", message["video_id"], "stopped") is True
    assert videos.refund_video("user-1", message["video_id"], "stopped again") is False
    assert [entry["transaction_id"] for entry in ledger_entries("refund")] == [
        f"refund_{message['video_id']}"
    ]
    assert ledger.get_user_credits("user-1") == 3
    assert (stored_video(message["video_id"]) or {})["error"] == "stopped"


def test_given_a_fresh_refund_key_when_refunding_twice_then_the_refunded_flag_refunds_once(
    message: dict[str, str], monkeypatch: pytest.MonkeyPatch, stored_video: Video
) -> None:
    fresh_keys_after_the_first(monkeypatch, "refund")
    assert videos.refund_video("user-1", message["video_id"], "stopped") is True
    assert videos.refund_video("user-1", message["video_id"], "stopped again") is False
    assert [entry["transaction_id"] for entry in ledger_entries("refund")] == [
        f"refund_{message['video_id']}"
    ]
    assert ledger.get_user_credits("user-1") == 3
    assert (stored_video(message["video_id"]) or {})["error"] == "stopped"


# --- the free tier ---------------------------------------------------------------------------------


def spend_one_then_ensure_again() -> bool:
    """user-1 gets the free tier, spends a credit, and is then "created" again."""
    assert ledger.ensure_user("user-1", "user-1@example.com") is True
    ledger.spend("user-1", 1, "spend_test", "test")
    return ledger.ensure_user("user-1", "user-1@example.com")


def test_given_no_user_condition_when_creating_a_user_twice_then_the_grant_key_grants_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_condition(monkeypatch, "put_op", "attribute_not_exists(user_id)")
    assert spend_one_then_ensure_again() is False
    assert len(ledger_entries("grant")) == 1
    assert ledger.get_user_credits("user-1") == 2  # not reset to the free tier


def test_given_a_fresh_grant_key_when_creating_a_user_twice_then_the_user_condition_grants_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh_keys_after_the_first(monkeypatch, "grant")
    assert spend_one_then_ensure_again() is False
    assert len(ledger_entries("grant")) == 1
    assert ledger.get_user_credits("user-1") == 2


# --- a token ---------------------------------------------------------------------------------------
# An RS384 token signed by the pool's own key is refused by policy ("RS256 only"): with both guards gone,
# PyJWT would accept it, so each test below passes only because of the guard it leaves in place.


def status_with(
    invoke: Callable[..., tuple[int, Any]], api_event: Callable[..., dict[str, Any]], token: str
) -> int:
    event = api_event(
        "GET", "/videos/{video_id}", token=token, path_params={"video_id": "video_1_aaaaaaaaaaaa"}
    )
    return invoke(get_video, event)[0]


def test_given_no_header_check_when_an_rs384_token_arrives_then_decode_refuses_it(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    make_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jwt, "get_unverified_header", lambda token: {"alg": "RS256"})
    assert status_with(invoke, api_event, make_token("user-1", algorithm="RS384")) == 401
    assert status_with(invoke, api_event, make_token("user-1")) == 404  # an RS256 token still passes


# RS384 and RS512 sort after RS256; PS256 (also signed by the pool's own RSA key) sorts before it, so
# the header check must refuse both sides of RS256 (mutant: `alg != "RS256"` -> `alg > "RS256"`).
@pytest.mark.parametrize(
    ("algorithm", "decode_allows"),
    [("RS384", ["RS256", "RS384", "RS512"]), ("PS256", ["RS256", "PS256"])],
)
def test_given_decode_allows_another_rsa_algorithm_when_such_a_token_arrives_then_the_header_check_refuses_it(
    invoke: Callable[..., tuple[int, Any]],
    api_event: Callable[..., dict[str, Any]],
    make_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    algorithm: str,
    decode_allows: list[str],
) -> None:
    decode = jwt.decode
    monkeypatch.setattr(
        jwt, "decode", lambda token, key, algorithms, **kwargs: decode(token, key, decode_allows, **kwargs)
    )
    assert status_with(invoke, api_event, make_token("user-1", algorithm=algorithm)) == 401
    assert status_with(invoke, api_event, make_token("user-1")) == 404  # an RS256 token still passes
