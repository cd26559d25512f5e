"""The page on the API's port: web/ files, the generated /config.json, security headers, and paths that
try to leave web/. Over HTTP against the shared stack, and (for what needs files that web/ does not
hold) against ``WebFront`` in this process with a folder of its own.
"""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_hostile_inputs import Hostile, send
from ytsb_local.csp import content_security_policy
from ytsb_local.gateway import ApiGateway
from ytsb_local.stripe import DEV_PUBLISHABLE_KEY, StripeApi
from ytsb_local.template import api_cors_headers, api_routes, load_template
from ytsb_local.web import CONTENT_TYPES, STRIPE_JS, WEB_DIR, WebFront

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SECURITY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Content-Security-Policy")


def get(
    stack: dict[str, Any], path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(stack["web_url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def page_files() -> list[Path]:
    return sorted(
        p
        for p in WEB_DIR.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(WEB_DIR).parts)
    )


def test_given_the_stack_when_the_root_is_fetched_then_index_html_with_the_security_headers(
    stack: dict[str, Any],
) -> None:
    # When a browser opens the address make run prints
    status, headers, body = get(stack, "/")
    # Then it gets web/index.html, revalidated on every load, with the page's security headers
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (WEB_DIR / "index.html").read_bytes()
    assert headers["Cache-Control"] == "no-cache"
    config = json.loads(get(stack, "/config.json")[2])
    assert headers["Content-Security-Policy"] == content_security_policy(config)
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_given_every_file_of_web_then_it_is_served_as_is_with_its_content_type(stack: dict[str, Any]) -> None:
    files = page_files()
    assert files, "web/ is empty"
    for path in [*files, STRIPE_JS]:
        url = "/local/stripe.js" if path == STRIPE_JS else "/" + path.relative_to(WEB_DIR).as_posix()
        status, headers, body = get(stack, url)
        assert (status, body) == (200, path.read_bytes()), url
        assert headers["Content-Type"] == CONTENT_TYPES.get(path.suffix, "application/octet-stream"), url
        assert all(name in headers for name in SECURITY_HEADERS), url
    assert CONTENT_TYPES[".js"] == "text/javascript; charset=utf-8"


def test_given_a_fetched_file_when_asked_again_with_its_etag_then_304_and_head_has_no_body(
    stack: dict[str, Any],
) -> None:
    # Given the page fetched once
    _, first, body = get(stack, "/")
    # When the browser revalidates it with the ETag it got
    status, headers, again = get(stack, "/", headers={"If-None-Match": first["ETag"]})
    # Then the answer is 304 without a body; a stale tag gets the file again
    assert (status, again, headers["ETag"]) == (304, b"", first["ETag"])
    assert get(stack, "/", headers={"If-None-Match": 'W/"stale"'})[0] == 200
    # And HEAD answers the same headers without the body
    status, headers, empty = get(stack, "/", method="HEAD")
    assert (status, empty, int(headers["Content-Length"])) == (200, b"", len(body))


def test_given_the_stack_then_config_json_comes_from_its_state(stack: dict[str, Any]) -> None:
    status, headers, body = get(stack, "/config.json")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-cache" and "Content-Security-Policy" in headers
    config = json.loads(body)
    web = urlsplit(stack["web_url"])
    assert {k: v for k, v in config.items() if k != "freeCredits"} == {
        "apiBase": "/" + urlsplit(stack["api_url"]).path.strip("/"),
        "region": stack["region"],
        "cognitoEndpoint": stack["aws_endpoint_url"] + "/",
        "userPoolId": stack["user_pool_id"],
        "userPoolClientId": stack["user_pool_client_id"],
        "stripeJsUrl": "/local/stripe.js",
        "stripePublishableKey": DEV_PUBLISHABLE_KEY,
    }
    assert config["freeCredits"] == 3
    assert stack["web_url"] == f"http://{web.netloc}/" and stack["api_url"] == stack["web_url"] + "v1"
    # The API is on the page's own origin, under apiBase
    assert get(stack, config["apiBase"] + "/credits")[0] == 401


def test_given_paths_that_leave_web_or_name_no_file_then_404_json_and_nothing_leaks(
    stack: dict[str, Any],
) -> None:
    base = stack["web_url"].rstrip("/")  # send() puts the target right after the URL's path
    targets: list[str | bytes] = [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/web/../../pyproject.toml",
        "/js/../../pyproject.toml",
        "/..%2fpyproject.toml",
        "/js%2f..%2f..%2fpyproject.toml",
        "/%252e%252e/pyproject.toml",
        "//etc/passwd",
        "/%2f%2fetc/passwd",
        "/%2fetc%2fpasswd",
        "/..\\pyproject.toml",
        "/js\\..\\..\\pyproject.toml",
        "/..%5cpyproject.toml",
        "/index.html%00.js",
        b"/index.html\x00",
        "/.git/config",
        "/.ytsb/local.json",
        "/js/",
        "/js",
        "/js/.",
        "/README.md",
        "/ytsb_local/web.py",
        "/local/../../pyproject.toml",
        "/%C0%AE%C0%AE/pyproject.toml",  # overlong UTF-8 dots
        "/caf\u00e9.css",
    ]
    problems = []
    for target in targets:
        status, headers, raw = send(base, Hostile("static", "GET", target, 404, auth=None), None)
        text = raw.decode("utf-8", "replace")
        body = json.loads(raw) if headers.get("Content-Type") == "application/json" else None
        if status not in (400, 404) or not isinstance(body, dict) or set(body) != {"error", "details"}:
            problems.append(f"{target!r}: {status} {text[:120]!r}")
        if "[project]" in text or "root:" in text or "<html" in text:
            problems.append(f"{target!r}: leaked {text[:120]!r}")
    assert not problems, "\n".join(problems)


def test_given_page_paths_then_only_get_and_head_and_the_local_stripe_routes_only_post(
    stack: dict[str, Any],
) -> None:
    for method, path, allow in (
        ("POST", "/", "GET, HEAD"),
        ("PUT", "/config.json", "GET, HEAD"),
        ("DELETE", "/local/stripe.js", "GET, HEAD"),
        ("GET", "/local/stripe/confirm", "POST"),
        ("GET", "/local/stripe/authenticate", "POST"),
    ):
        status, headers, body = get(stack, path, method=method)
        assert (status, headers.get("Allow")) == (405, allow), (method, path)
        assert set(json.loads(body)) == {"error", "details"}
    assert get(stack, "/no-such-file.js", method="POST")[0] == 404


def test_given_the_local_stripe_js_then_it_defines_stripe_and_nothing_of_it_is_in_web() -> None:
    script = STRIPE_JS.read_text()
    assert "window.Stripe = Stripe" in script and "confirmCardPayment" in script
    assert "/local/stripe/confirm" in script and "/local/stripe/authenticate" in script
    assert not any("/local/stripe" in p.read_text(errors="replace") for p in page_files())


@pytest.fixture
def front(tmp_path: Path) -> WebFront:
    """A WebFront over a folder of its own, with files named like API routes and a symlink out."""
    root = tmp_path / "web"
    (root / "v1").mkdir(parents=True)
    for name in ("index.html", "videos", "credits", "v1/credits", "webhooks"):
        (root / name).write_text(f"file {name}")
    (tmp_path / "secret.txt").write_text("outside web")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    template = load_template()
    api = ApiGateway(api_routes(template), "v1", "us-east-1", {}, api_cors_headers(template))
    config = {"cognitoEndpoint": "http://127.0.0.1:1/", "stripeJsUrl": "/local/stripe.js"}
    return WebFront(api, config, StripeApi("http://127.0.0.1:9"), root)


def test_given_files_named_like_api_routes_then_the_api_answers_them(front: WebFront) -> None:
    # Given web/ holding files called videos, credits, webhooks and v1/credits
    for path in ("/videos", "/credits", "/v1/credits", "/v1/videos"):
        # When they are asked for, Then the API answers (401 without a token), never the file
        response = front.handle("GET", path, [], b"", "127.0.0.1")
        assert response["statusCode"] == 401, path
        assert "Content-Security-Policy" not in response["headers"], path
    webhook = front.handle("GET", "/webhooks", [], b"", "127.0.0.1")
    assert webhook["statusCode"] == 404 and b"file" not in webhook["body"].encode()
    page = front.handle("GET", "/", [], b"", "127.0.0.1")
    assert page["statusCode"] == 200 and page["body"] == b"file index.html"


def test_given_a_symlink_out_of_web_then_it_is_not_served(front: WebFront) -> None:
    response = front.handle("GET", "/link.txt", [], b"", "127.0.0.1")
    assert response["statusCode"] == 404 and "outside" not in str(response["body"])
    assert front.handle("GET", "/index.html", [], b"", "127.0.0.1")["statusCode"] == 200
