"""Hostile input over HTTP against the local stack, one table: whatever arrives, the answer is a 4xx in
the error shape, never a 5xx, never internal text, and never another user's data.

Requests are written byte for byte on a socket, so nothing (the client library, URL normalisation)
cleans them up on the way: control characters, raw UTF-8 and ``..`` reach the gateway as sent.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SIX_MB = 6 * 1024 * 1024
URL = "https://youtu.be/Xq3b7LmR9tA"
INTERNAL_TEXT = ("Traceback", 'File "', ".py", "botocore", "boto3", "Exception", "arn:aws", "ytsb-", "moto")


@dataclass
class Hostile:
    name: str
    method: str
    target: str | bytes  # after /v1; str targets are sent as UTF-8
    status: int | set[int]
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    auth: str | None = "attacker"  # "attacker", "victim" or None
    content_length: str | None = None  # None: the real length


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def people(new_user: Any, stack: dict[str, Any]) -> dict[str, Any]:
    """A victim with two videos (and so a last_key of their own) and an attacker who knows their ids."""
    victim, attacker = new_user(), new_user()
    videos = [victim.call("POST", "/videos", {"url": URL}) for _ in range(2)]
    assert [r.status for r in videos] == [201, 201]
    page = victim.call("GET", "/videos?limit=1")
    assert page.status == 200 and page.body["last_key"]
    video_ids = [r.body["video_id"] for r in videos]
    subs = {
        name: jwt.decode(client.token, options={"verify_signature": False})["sub"]
        for name, client in (("victim", victim), ("attacker", attacker))
    }
    return {
        "victim": victim,
        "attacker": attacker,
        "subs": subs,
        "video_ids": video_ids,
        "note_ids": ["note_" + video_id.removeprefix("video_") for video_id in video_ids],
        "victim_last_key": page.body["last_key"],
        "secrets": [*video_ids, victim.email, subs["victim"], page.body["last_key"]],
    }


def cases(people: dict[str, Any]) -> list[Hostile]:
    victim_video, victim_note = people["video_ids"][0], people["note_ids"][0]
    me = people["subs"]["attacker"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    credits_key = b64({"transaction_id": f"grant_{me}", "user_id": me, "created_at": "x"})
    operator_key = b64({"u": me, "v": {"$gt": ""}, "c": ""})
    nested = base64.urlsafe_b64encode(b"[" * 30_000).decode()
    sql = "' OR 1=1 --"
    return [
        # bodies
        Hostile("malformed JSON", "POST", "/videos", 400, b'{"url": '),
        Hostile("JSON array", "POST", "/videos", 400, b"[]"),
        Hostile("JSON null", "POST", "/videos", 400, b"null"),
        Hostile("deeply nested JSON", "POST", "/videos", 400, b"[" * 100_000),
        Hostile("not UTF-8", "POST", "/videos", 400, b'{"url": "\xff\xfe"}'),
        Hostile("6 MB body", "POST", "/videos", 413, b"{" + b" " * SIX_MB + b"}"),
        Hostile("6 MB body to the webhook", "POST", "/webhooks/stripe", 413, b" " * (SIX_MB + 1), auth=None),
        Hostile("over API Gateway's 10 MB (claimed)", "POST", "/videos", 413, content_length="20000000"),
        Hostile("form body", "POST", "/videos", 400, f"url={quote(URL, safe='')}".encode(), form),
        Hostile("XML body", "POST", "/videos", 400, b"<url>x</url>", {"Content-Type": "text/xml"}),
        Hostile(
            "multipart body",
            "POST",
            "/credits/purchase",
            400,
            b'--b\r\nContent-Disposition: form-data; name="package"\r\n\r\nbasic\r\n--b--\r\n',
            {"Content-Type": "multipart/form-data; boundary=b"},
        ),
        Hostile("NoSQL operator as url", "POST", "/videos", 400, b'{"url": {"$gt": ""}}'),
        Hostile("SQL injection as url", "POST", "/videos", 400, b'{"url": "\' OR 1=1 --"}'),
        Hostile(
            "SQL injection in a URL", "POST", "/videos", 400, b'{"url": "https://youtu.be/\' OR 1=1 --"}'
        ),
        Hostile(
            "control characters in url", "POST", "/videos", 400, b'{"url": "https://youtu.be/\\u0000\\r\\n"}'
        ),
        Hostile("url as a list", "POST", "/videos", 400, b'{"url": ["' + URL.encode() + b'"]}'),
        Hostile("NoSQL operator as package", "POST", "/credits/purchase", 400, b'{"package": {"$ne": null}}'),
        Hostile(
            "SQL injection as package",
            "POST",
            "/credits/purchase",
            400,
            b"{\"package\": \"basic' OR '1'='1\"}",
        ),
        Hostile(
            "unsigned webhook",
            "POST",
            "/webhooks/stripe",
            400,
            b'{"type": "payment_intent.succeeded"}',
            auth=None,
        ),
        Hostile(
            "webhook with a forged signature",
            "POST",
            "/webhooks/stripe",
            400,
            b"{}",
            {"Stripe-Signature": "t=1,v1=' OR 1=1 --"},
            auth=None,
        ),
        # query parameters
        Hostile("NoSQL operator as status", "GET", "/videos?status=" + quote('{"$gt": ""}'), 400),
        Hostile("SQL injection as status", "GET", "/videos?status=" + quote("' OR 1=1 --"), 400),
        Hostile("NUL as status", "GET", "/videos?status=%00", 400),
        *(
            Hostile(f"limit={value}", "GET", f"/videos?limit={value}", 400)
            for value in ("-1", "0", "101", "abc")
        ),
        *(
            Hostile(f"limit={value!r}", "GET", f"/videos?limit={quote(value)}", 400)
            for value in ("1e2", "5\x1c", "\u0663", "99999999999999999999", "[]")
        ),
        Hostile("include_content garbage", "GET", f"/notes/{victim_note}?include_content=%27%20OR%201", 400),
        Hostile("last_key garbage", "GET", "/videos?last_key=%21%21%21", 400),
        Hostile("last_key not base64 JSON", "GET", "/videos?last_key=" + b64("x")[:-1] + "%FF", 400),
        Hostile("last_key of another user", "GET", "/videos?last_key=" + people["victim_last_key"], 400),
        Hostile(
            "last_key of the credits table",
            "GET",
            "/videos?last_key=" + credits_key,
            400,
        ),
        Hostile("last_key with an operator", "GET", "/videos?last_key=" + operator_key, 400),
        Hostile("last_key nested deeply", "GET", "/videos?last_key=" + nested, 400),
        # paths
        Hostile("another user's video", "GET", f"/videos/{victim_video}", 404),
        Hostile("another user's note", "GET", f"/notes/{victim_note}?include_content=true", 404),
        Hostile("dot-dot path", "GET", "/videos/../credits", 404),
        Hostile("encoded dot-dot path", "GET", "/videos/..%2F..%2Fcredits", 404),
        Hostile("encoded slash", "GET", f"/videos/{victim_video}%2F", 404),
        Hostile("encoded slash only", "GET", "/notes/%2F", 404),
        Hostile("5000-character id", "GET", "/videos/" + "v" * 5000, 404),
        Hostile("5000-character note id", "GET", "/notes/" + "n" * 5000, 404),
        Hostile("empty note id", "GET", "/notes/", 404),
        Hostile("empty note id, two slashes", "GET", "/notes//", 404),
        Hostile("unicode id (encoded)", "GET", "/videos/%C3%A9%E2%80%AE%F0%9F%92%A5", 404),
        Hostile("unicode id (raw UTF-8)", "GET", "/videos/vidéo_\u202e💥", 404),
        Hostile("control characters in the path", "GET", b"/videos/video_\x01\x7f", 404),
        Hostile("CRLF injection (encoded)", "GET", "/videos/x%0D%0ASet-Cookie:%20a=b", 404),
        Hostile("NUL in the path", "GET", "/notes/note_%00", 404),
        Hostile("a space in the request line", "GET", b"/videos/a b", 400),
        Hostile("a request line over 64 KiB", "GET", "/videos/" + "x" * 70_000, 414),
        Hostile("unknown route", "GET", "/admin", 404),
        # the HTTP layer itself
        Hostile("Content-Length not a number", "POST", "/videos", 400, b"{}", content_length="abc"),
        Hostile("negative Content-Length", "POST", "/videos", 400, b"{}", content_length="-1"),
        Hostile(
            "chunked body", "POST", "/videos", 411, b"2\r\n{}\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked"}
        ),
        Hostile("unknown method", "QUERY", "/videos", 405),
        Hostile("method not allowed", "PUT", f"/videos/{victim_video}", 405),
        Hostile("delete another user's video", "DELETE", f"/videos/{victim_video}", 404),
        Hostile("retry another user's video", "POST", f"/videos/{victim_video}/retry", 404),
        Hostile("delete a path that is no video", "DELETE", "/videos/..%2F..%2Fcredits", 404),
        # tokens
        Hostile(
            "SQL injection as token",
            "GET",
            "/credits",
            401,
            headers={"Authorization": f"Bearer {sql}"},
            auth=None,
        ),
        Hostile(
            "alg none token",
            "GET",
            "/credits",
            401,
            auth=None,
            headers={"Authorization": "Bearer " + jwt.encode({"sub": me}, None, algorithm="none")},
        ),
        Hostile(
            "deeply nested token header",
            "GET",
            "/credits",
            401,
            auth=None,
            headers={"Authorization": f"Bearer {nested}.e30.x"},
        ),
    ]


def send(api_url: str, case: Hostile, token: str | None) -> tuple[int, dict[str, str], bytes]:
    """Write the request as raw bytes and parse the answer with http.client."""
    url = urlsplit(api_url)
    target = case.target if isinstance(case.target, bytes) else case.target.encode("utf-8")
    headers = {"Host": url.netloc, "Connection": "close", **case.headers}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if "Transfer-Encoding" not in headers:
        headers["Content-Length"] = case.content_length or str(len(case.body))
    head = f"{case.method} ".encode() + url.path.encode() + target + b" HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("latin-1") + b"\r\n"
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head + case.body)
        response = http.client.HTTPResponse(sock, method=case.method)
        response.begin()
        return response.status, dict(response.getheaders()), response.read()


def test_hostile_inputs_are_refused_with_a_4xx_in_the_error_shape(
    stack: dict[str, Any], people: dict[str, Any]
) -> None:
    tokens = {"attacker": people["attacker"].token, "victim": people["victim"].token, None: None}
    problems = []
    for case in cases(people):
        try:
            status, headers, raw = send(stack["api_url"], case, tokens[case.auth])
        except OSError as exc:  # http.client's errors too: the connection dropped without an answer
            problems.append(f"{case.name}: no answer ({type(exc).__name__})")
            continue
        expected = case.status if isinstance(case.status, set) else {case.status}
        text = raw.decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        found = []
        if status not in expected:
            found.append(f"status {status}, expected {sorted(expected)}")
        if not 400 <= status < 500:
            found.append("not a 4xx")
        if headers.get("Content-Type") != "application/json" or not (
            isinstance(body, dict)
            and set(body) == {"error", "details"}
            and isinstance(body["error"], str)
            and isinstance(body["details"], dict)
        ):
            found.append(f"not the error shape: {headers.get('Content-Type')} {text[:200]!r}")
        found += [f"internal text {word!r}" for word in INTERNAL_TEXT if word in text]
        if case.auth != "victim":
            sent = case.target if isinstance(case.target, str) else case.target.decode("latin-1")
            leaked = [secret for secret in people["secrets"] if secret in text and secret not in sent]
            found += [f"the victim's {secret[:24]!r}" for secret in leaked]
        if found:
            problems.append(f"{case.name}: {'; '.join(found)}")
    assert not problems, "\n".join(problems)
    # the attacker's DELETE and retry of the victim's video changed nothing
    kept = people["victim"].call("GET", f"/videos/{people['video_ids'][0]}")
    assert kept.status == 200 and kept.body["video_id"] == people["video_ids"][0]


def test_a_last_key_naming_another_users_video_pages_only_through_your_own(
    stack: dict[str, Any], people: dict[str, Any]
) -> None:
    # A well-formed token of the attacker's own, pointing at the victim's video: DynamoDB starts after
    # that position in the attacker's partition, so the page holds the attacker's videos (none) only.
    me, victim_video = people["subs"]["attacker"], people["video_ids"][0]
    token = b64({"u": me, "v": victim_video, "c": "2099-01-01T00:00:00.000Z"})
    response = people["attacker"].call("GET", f"/videos?last_key={token}")
    assert response.status == 200 and response.body == {"videos": [], "count": 0}


def test_the_gateway_answers_405_with_allow_and_options_with_cors(stack: dict[str, Any]) -> None:
    url = urlsplit(stack["api_url"])
    allowed = {"/videos": "GET, OPTIONS, POST", "/credits": "GET, OPTIONS"}
    for method, path, status in (
        ("DELETE", "/videos", 405),
        ("OPTIONS", "/videos", 200),
        ("HEAD", "/credits", 405),
    ):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        connection.request(method, url.path + path)
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == status, (method, path)
        if status == 405:
            assert response.getheader("Allow") == allowed[path]
        if method == "OPTIONS":
            assert "Authorization" in (response.getheader("Access-Control-Allow-Headers") or "")
