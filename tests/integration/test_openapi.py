"""docs/openapi.yaml cannot go stale: its routes are template.yaml's, and every status and body the
handlers return (called in-process, against moto) is one the document declares, field for field.

Each route test drives the handler through every answer it can give and checks that the statuses it
saw are exactly the documented ones (apart from the gateway-only 413), so a new status code, a new or
renamed field, or a documented answer that no longer happens all fail here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from get_note.handler import lambda_handler as get_note
from get_video.handler import lambda_handler as get_video
from jsonschema import Draft202012Validator
from list_videos.handler import lambda_handler as list_videos
from process_video.handler import lambda_handler as process_video
from purchase_credits.handler import lambda_handler as credits_api
from shared import config, ledger, notes, payments, transcript_upload, videos
from stripe_webhook.handler import lambda_handler as webhook
from submit_video.handler import lambda_handler as submit

from tests.integration.conftest import SPEC_PACKAGES
from ytsb_local.template import api_routes, load_template

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
DOC: dict[str, Any] = yaml.safe_load(DOC_PATH.read_text(encoding="utf-8"))
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
GATEWAY_ONLY = {413}  # answered by API Gateway / Lambda before any handler runs (tests/e2e)
URL = "https://youtu.be/dQw4w9WgXcQ"


def operation(method: str, path: str) -> dict[str, Any]:
    return DOC["paths"][path][method.lower()]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``) to what it names."""
    while "$ref" in node:
        target: Any = DOC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    # The document's components beside the schema, so its "#/components/..." references resolve.
    return Draft202012Validator({"components": DOC["components"], "allOf": [schema]})


class Recorder:
    """Validates each (method, path, status, body) against the document and remembers the statuses."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], set[int]] = {}

    def check(self, method: str, path: str, status: int, body: Any) -> Any:
        responses = operation(method, path)["responses"]
        assert str(status) in responses, f"{method} {path} answered {status}, undocumented: {body}"
        schema = resolve(responses[str(status)])["content"]["application/json"]["schema"]
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema).iter_errors(body)]
        assert not errors, f"{method} {path} {status} does not match the document: {errors}\n{body}"
        self.seen.setdefault((method, path), set()).add(status)
        return body

    def assert_all_documented_statuses_seen(self, method: str, path: str) -> None:
        documented = {int(code) for code in operation(method, path)["responses"]}
        assert self.seen.get((method, path), set()) | GATEWAY_ONLY == documented


@pytest.fixture
def api(invoke: Callable[..., tuple[int, Any]], api_event: Callable[..., dict[str, Any]]) -> Any:
    recorder = Recorder()

    def call(handler: Callable, method: str, path: str, **event: Any) -> tuple[int, Any]:
        status, body = invoke(handler, api_event(method, path, **event))
        recorder.check(method, path, status, body)
        return status, body

    call.recorder = recorder  # type: ignore[attr-defined]
    return call


@pytest.fixture
def tables_down(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Point every table at one that does not exist: each DynamoDB call fails as when it is down."""

    def down() -> None:
        for name in ("USERS_TABLE", "VIDEOS_TABLE", "NOTES_TABLE", "CREDITS_TABLE"):
            monkeypatch.setenv(name, "ytsb-missing")
        config.reset()

    return down


def test_the_document_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import validate

    assert DOC["openapi"].startswith("3.1")
    validate(DOC)


def test_the_documented_routes_are_exactly_the_templates_and_auth_matches() -> None:
    routes = {(route.method, route.path): route for route in api_routes(load_template())}
    documented = {
        (method.upper(), path)
        for path, item in DOC["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert documented == set(routes)
    for (method, path), route in routes.items():
        security = operation(method, path).get("security", DOC["security"])
        assert (security != []) == route.authorized, f"{method} {path}: security does not match the template"
        for code, response in operation(method, path)["responses"].items():
            assert set(resolve(response)["content"]) == {"application/json"}, f"{method} {path} {code}"
            if int(code) >= 400:  # every error is {"error", "details"}
                schema = resolve(resolve(response)["content"]["application/json"]["schema"])
                assert schema["required"] == ["error", "details"] and set(schema["properties"]) == {
                    "error",
                    "details",
                }
    stage = load_template()["Resources"]["Api"]["Properties"]["StageName"]
    assert DOC["servers"] == [{"url": f"/{stage}", "description": DOC["servers"][0]["description"]}]


def test_every_response_object_schema_is_closed() -> None:
    """additionalProperties: false on every object with properties, so a new field cannot slip by."""

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, f"{where} is open"
                assert set(node.get("required", [])) <= set(node["properties"]), where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(DOC["components"]["schemas"], "#/components/schemas")
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            for code, response in op["responses"].items():
                walk(response, f"{method.upper()} {path} {code}")


def test_the_documented_fields_are_the_handlers_public_fields() -> None:
    schemas = DOC["components"]["schemas"]
    assert set(schemas["Video"]["properties"]) == set(videos.PUBLIC_FIELDS) | set(videos.DERIVED_FIELDS)
    assert schemas["Video"]["properties"]["error_code"]["enum"] == list(videos.ERROR_CODES)
    assert schemas["TranscriptUpload"]["properties"]["format"]["enum"] == list(transcript_upload.FORMATS)
    inline_or_url = {"content", "html", "content_url", "content_url_expires_in"}
    assert set(schemas["Note"]["properties"]) == set(notes.PUBLIC_FIELDS) | inline_or_url
    assert schemas["VideoStatus"]["enum"] == list(videos.STATUSES)
    assert schemas["PackageName"]["enum"] == list(payments.PACKAGES)


def test_post_videos(api: Any, tables_down: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    route = ("POST", "/videos")
    assert api(submit, *route, body={"url": URL})[0] == 201
    assert api(submit, *route, body={"url": "https://example.com/x"})[0] == 400
    assert api(submit, *route, body="{not json")[0] == 400
    assert api(submit, *route, body={})[0] == 400
    assert api(submit, *route, user=None)[0] == 401
    assert api(submit, *route, body={"url": URL})[0] == 201
    assert api(submit, *route, body={"url": URL})[0] == 201
    status, body = api(submit, *route, body={"url": URL})
    assert status == 402 and body["details"] == {"required": 1, "available": 0}
    # MAX_OPEN_VIDEOS videos already queued: 429
    monkeypatch.setenv("MAX_OPEN_VIDEOS", "1")
    config.reset()
    assert api(submit, *route, user="user-4", body={"url": URL})[0] == 201
    assert api(submit, *route, user="user-4", body={"url": URL})[0] == 429
    # the queue is down: 503 and the credit comes back
    monkeypatch.setenv("VIDEO_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/missing")
    config.reset()
    assert api(submit, *route, user="user-2", body={"url": URL})[0] == 503
    tables_down()
    assert api(submit, *route, user="user-3", body={"url": URL})[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)


def completed_and_failed_videos(
    api: Any, use_cli: Callable[..., None], sqs_event: Callable, context: Any
) -> dict:
    """Three videos of user-1: one queued, one completed (with its note), one failed (refunded)."""
    ids = {}
    for name, scenario in (("completed", "success"), ("failed", "permanent"), ("queued", None)):
        status, body = api(submit, "POST", "/videos", body={"url": URL})
        assert status == 201
        ids[name] = body["video_id"]
        if scenario:
            use_cli(scenario)
            message = {"video_id": body["video_id"], "youtube_video_id": body["youtube_video_id"]}
            message |= {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "user_id": "user-1"}
            assert process_video(sqs_event(message), context) == {"batchItemFailures": []}
    return ids


def test_get_video(
    api: Any, use_cli: Callable, sqs_event: Callable, context: Any, tables_down: Callable
) -> None:
    route = ("GET", "/videos/{video_id}")
    ids = completed_and_failed_videos(api, use_cli, sqs_event, context)
    seen = {}
    for name, video_id in ids.items():
        status, body = api(get_video, *route, path_params={"video_id": video_id})
        assert status == 200 and body["status"] == name
        seen[name] = body
    assert {"title", "note_id", "completed_at"} <= set(seen["completed"]) and "error" in seen["failed"]
    assert api(get_video, *route, path_params={"video_id": ids["queued"]}, user="user-2")[0] == 404
    assert api(get_video, *route, path_params={"video_id": "../credits"})[0] == 404
    assert api(get_video, *route, path_params={"video_id": ids["queued"]}, user=None)[0] == 401
    tables_down()
    assert api(get_video, *route, path_params={"video_id": ids["queued"]})[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)


def test_list_videos(
    api: Any, use_cli: Callable, sqs_event: Callable, context: Any, tables_down: Callable
) -> None:
    route = ("GET", "/videos")
    completed_and_failed_videos(api, use_cli, sqs_event, context)
    status, page = api(list_videos, *route, query={"limit": "2"})
    assert status == 200 and page["count"] == 2 and page["last_key"]
    status, rest = api(list_videos, *route, query={"limit": "2", "last_key": page["last_key"]})
    assert status == 200 and rest["count"] == 1 and "last_key" not in rest
    assert api(list_videos, *route, query={"status": "completed"})[1]["count"] == 1
    assert api(list_videos, *route, user="user-2")[1] == {"videos": [], "count": 0}
    for query in ({"limit": "0"}, {"status": "done"}, {"last_key": "garbage"}):
        assert api(list_videos, *route, query=query)[0] == 400
    assert api(list_videos, *route, user="user-2", query={"last_key": page["last_key"]})[0] == 400
    assert api(list_videos, *route, user=None)[0] == 401
    tables_down()
    assert api(list_videos, *route)[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)


def test_post_videos_with_a_transcript(api: Any, tables_down: Callable[[], None]) -> None:
    route = ("POST", "/videos")
    vtt = {"format": "vtt", "content": "WEBVTT\n\n00:00.000 --> 00:02.000\nHello there.\n"}
    assert api(submit, *route, body={"url": URL, "transcript": vtt})[0] == 201
    too_big = {"format": "txt", "content": "é" * (transcript_upload.MAX_BYTES // 2 + 1)}
    for bad in ({**vtt, "format": "pdf"}, {**vtt, "content": 7}, too_big, "WEBVTT", {**vtt, "x": 1}):
        status, body = api(submit, *route, body={"url": URL, "transcript": bad})
        assert status == 400 and "transcript" in body["details"], body
    tables_down()  # the upload works, the spend does not: 503
    assert api(submit, *route, user="user-3", body={"url": URL, "transcript": vtt})[0] == 503


def test_delete_video(
    api: Any, use_cli: Callable, sqs_event: Callable, context: Any, tables_down: Callable
) -> None:
    route = ("DELETE", "/videos/{video_id}")
    ids = completed_and_failed_videos(api, use_cli, sqs_event, context)
    status, body = api(get_video, *route, path_params={"video_id": ids["completed"]})
    assert (status, body) == (200, {"video_id": ids["completed"], "deleted": True})
    assert api(get_video, *route, path_params={"video_id": ids["completed"]})[0] == 404
    status, body = api(get_video, *route, path_params={"video_id": ids["queued"]})
    assert status == 409 and body["details"] == {"status": "queued"}
    assert api(get_video, *route, path_params={"video_id": ids["failed"]}, user="user-2")[0] == 404
    assert api(get_video, *route, path_params={"video_id": "../credits"})[0] == 404
    assert api(get_video, *route, path_params={"video_id": ids["failed"]}, user=None)[0] == 401
    tables_down()
    assert api(get_video, *route, path_params={"video_id": ids["failed"]})[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)


def test_retry_video(
    api: Any,
    use_cli: Callable,
    sqs_event: Callable,
    context: Any,
    tables_down: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    route = ("POST", "/videos/{video_id}/retry")
    ids = completed_and_failed_videos(api, use_cli, sqs_event, context)  # 1 credit left (the refund)
    failed = {"video_id": ids["failed"]}
    status, body = api(submit, *route, path_params=failed)
    assert status == 200 and body["status"] == "queued" and body["video_id"] == ids["failed"]
    status, body = api(submit, *route, path_params=failed)
    assert status == 409 and body["details"] == {"status": "queued"}
    assert api(submit, *route, path_params={"video_id": ids["completed"]})[0] == 409
    # the retried attempt fails again (refunded: 1 credit), a new video spends it: no credit to retry with
    message = {key: str(value) for key, value in videos.get_owned("user-1", ids["failed"]).items()}
    use_cli("permanent")
    assert process_video(sqs_event(message), context) == {"batchItemFailures": []}
    monkeypatch.setenv("MAX_OPEN_VIDEOS", "1")  # the queued video is open: no room for the retry
    config.reset()
    assert api(submit, *route, path_params=failed)[0] == 429
    monkeypatch.delenv("MAX_OPEN_VIDEOS")
    config.reset()
    assert api(submit, "POST", "/videos", body={"url": URL})[0] == 201
    status, body = api(submit, *route, path_params=failed)
    assert status == 402 and body["details"] == {"required": 1, "available": 0}
    assert api(submit, *route, path_params=failed, user="user-2")[0] == 404
    assert api(submit, *route, path_params=failed, user=None)[0] == 401
    tables_down()
    assert api(submit, *route, path_params=failed)[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)


def test_get_note(
    api: Any, use_cli: Callable, sqs_event: Callable, context: Any, tables_down: Callable
) -> None:
    route = ("GET", "/notes/{note_id}")
    ids = completed_and_failed_videos(api, use_cli, sqs_event, context)
    note_id = api(get_video, "GET", "/videos/{video_id}", path_params={"video_id": ids["completed"]})[1][
        "note_id"
    ]
    params = {"note_id": note_id}
    status, with_content = api(get_note, *route, path_params=params, query={"include_content": "true"})
    assert status == 200 and with_content["content"].startswith("# ")
    assert with_content["content_length"] == len(with_content["content"])
    status, meta = api(get_note, *route, path_params=params)
    assert status == 200 and "content" not in meta and {"input_tokens", "output_tokens"} <= set(meta)
    assert api(get_note, *route, path_params=params, query={"include_content": "perhaps"})[0] == 400
    status, html = api(get_note, *route, path_params=params, query={"format": "html"})
    assert status == 200 and html["html"].startswith("<h1") and "content" not in html
    assert api(get_note, *route, path_params=params, query={"format": "pdf"})[0] == 400
    assert api(get_note, *route, path_params=params, user="user-2")[0] == 404
    assert api(get_note, *route, path_params=params, user=None)[0] == 401
    tables_down()
    assert api(get_note, *route, path_params=params)[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)


def test_purchase_credits(api: Any, localstripe_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    route = ("POST", "/credits/purchase")

    def stripe_at(base: str) -> None:
        monkeypatch.setenv("STRIPE_API_BASE", base)
        config.reset()
        payments._stripe_client.cache_clear()

    stripe_at(localstripe_url)
    try:
        for package, (credits, cents) in SPEC_PACKAGES.items():
            status, body = api(credits_api, *route, body={"package": package})
            assert status == 200 and body["package"] == package
            assert (body["credits"], body["amount"]) == (credits, cents)
        for bad in ({"package": "mega"}, {}, "[]"):
            assert api(credits_api, *route, body=bad)[0] == 400
        assert api(credits_api, *route, user=None, body={"package": "basic"})[0] == 401
        for _ in range(2):  # MAX_PAYMENT_INTENTS_PER_HOUR (5) in this hour, then 429
            assert api(credits_api, *route, body={"package": "basic"})[0] == 200
        assert api(credits_api, *route, body={"package": "basic"})[0] == 429
        stripe_at("http://127.0.0.1:9")
        assert api(credits_api, *route, user="user-2", body={"package": "basic"})[0] == 503
    finally:
        payments._stripe_client.cache_clear()
    api.recorder.assert_all_documented_statuses_seen(*route)


def test_get_credits(api: Any, tables_down: Callable[[], None], ticking_ledger_clock: None) -> None:
    route = ("GET", "/credits")
    ledger.ensure_user("user-1", "user-1@example.com")
    assert api(submit, "POST", "/videos", body={"url": URL})[0] == 201
    ledger.add_credits("user-1", 10, "pi_test_openapi", "purchase", "Purchased basic")
    status, body = api(credits_api, *route)
    assert status == 200 and body["credits"] == 12
    newest_first = [("purchase", 10), ("spend", -1), ("grant", 3)]
    assert [(entry["type"], entry["amount"]) for entry in body["transactions"]] == newest_first
    assert api(credits_api, *route, user=None)[0] == 401
    tables_down()
    assert api(credits_api, *route)[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)


def test_stripe_webhook(api: Any, sign: Callable[..., str], tables_down: Callable[[], None]) -> None:
    route = ("POST", "/webhooks/stripe")
    intent = {
        "id": "pi_test_webhook",
        "object": "payment_intent",
        "amount": 999,
        "amount_received": 999,
        "currency": "usd",
        "metadata": {"user_id": "user-1", "package": "basic", "credits": "10"},
    }
    succeeded = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": intent}})
    ignored = json.dumps({"id": "evt_2", "type": "customer.created", "data": {"object": {}}})

    def deliver(payload: str, signature: str | None) -> tuple[int, Any]:
        headers = {"Stripe-Signature": signature} if signature is not None else {}
        return api(webhook, *route, user=None, body=payload, headers=headers)

    assert deliver(succeeded, sign(succeeded)) == (200, {"received": True, "credited": True})
    assert deliver(succeeded, sign(succeeded)) == (200, {"received": True, "credited": False})
    assert deliver(ignored, sign(ignored)) == (200, {"received": True})
    assert deliver(succeeded, None)[0] == 400
    assert deliver(succeeded, "t=1,v1=00")[0] == 400
    tables_down()
    other = succeeded.replace("pi_test_webhook", "pi_test_webhook_2")
    assert deliver(other, sign(other))[0] == 503
    api.recorder.assert_all_documented_statuses_seen(*route)
