"""AWS calls per API operation: the real handlers, in-process, against moto (``mock_aws``).

Every resource is created from template.yaml (ytsb_local.aws) and every handler gets the
environment the local stack gives it, with two changes that make it closer to AWS: the Stripe
webhook secret is a Secrets Manager reference (as in the template), and ID tokens come from
moto's Cognito (sign-up + USER_PASSWORD_AUTH) with its public JWKS served on loopback, so the
handlers verify real Cognito-shaped tokens and fetch the JWKS over HTTP.

Events are API Gateway REST proxy events built by the local stack's gateway emulator
(``ytsb_local.gateway.ApiGateway.event``), without authorizer claims, so each handler verifies the
token itself; SQS events are what the local poller builds from a real ReceiveMessage.

Calls are counted with a botocore ``before-call.*.*`` hook registered on every boto3 session
(the default one, and those Powertools creates for Secrets Manager). The first call of each
operation runs in a "cold container" (nothing cached); the table shows the warm calls (the
median of ``BENCH_REPEAT`` more, 5 by default) and what the cold call made in addition.

Run from the repository root: ``.venv/bin/python bench/aws_calls.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda"), str(ROOT)]  # the Lambda code root (CodeUri: lambda/), ytsb_local

import boto3  # noqa: E402
import jwt  # noqa: E402
import moto  # noqa: E402
from moto import mock_aws  # noqa: E402

from yt_study_buddy.samples import DEMO_VIDEO_IDS  # noqa: E402
from ytsb_local.gateway import ApiGateway, LambdaContext, load_handler  # noqa: E402
from ytsb_local.poller import sqs_event  # noqa: E402
from ytsb_local.stack import local_environment  # noqa: E402
from ytsb_local.template import (  # noqa: E402
    Resolver,
    Route,
    api_routes,
    load_template,
    queue_consumer,
)

REGION = "us-east-1"
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PASSWORD = "Corr3ct-horse-battery"
WEBHOOK_SECRET = "whsec_bench_secret"
WEBHOOK_SECRET_ID = "ytsb/stripe/webhook-secret"


# ------------------------------------------------------------------ counting


class CallCounter:
    """``before-call`` on every boto3 session: counts ``service.Operation`` while ``active``."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.active = False
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        if self.active:
            with self._lock:
                self.counts[f"{model.service_model.endpoint_prefix}.{model.name}"] += 1

    def install(self) -> None:
        """Every session, including ones created later (Powertools makes its own for Secrets Manager)."""
        original = boto3.session.Session.__init__
        counter = self

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            self.events.register("before-call.*.*", counter)

        boto3.session.Session.__init__ = init  # type: ignore[method-assign]
        boto3.DEFAULT_SESSION = None  # recreated through the patched __init__ on first use

    @contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        result: Counter[str] = Counter()
        self.counts.clear()
        self.active = True
        try:
            yield result
        finally:
            self.active = False
            result.update(self.counts)


class JwksServer:
    """Cognito's /.well-known/jwks.json for moto's pools (moto signs every pool's tokens with one key)."""

    def __init__(self) -> None:
        resource = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-public.json.gz"
        document = gzip.decompress(resource.read_bytes())
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._http.server_port}/.well-known/jwks.json"

    def stop(self) -> None:
        self._http.shutdown()


# ------------------------------------------------------------------ the service, as the template says


def create_resources() -> Resolver:
    """Tables, queues, bucket, user pool from template.yaml, and the webhook secret."""
    from ytsb_local.aws import create_buckets, create_queues, create_tables, create_user_pools

    resolver = Resolver(load_template(), REGION)
    create_tables(boto3.client("dynamodb", region_name=REGION), resolver)
    create_queues(boto3.client("sqs", region_name=REGION), resolver)
    create_buckets(boto3.client("s3", region_name=REGION), resolver)
    create_user_pools(boto3.client("cognito-idp", region_name=REGION), resolver)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secrets.create_secret(Name=WEBHOOK_SECRET_ID, SecretString=WEBHOOK_SECRET)
    return resolver


def configure_functions(resolver: Resolver, jwks_url: str) -> None:
    """The local stack's function environment, minus its endpoints (moto is in-process here)."""
    env = local_environment(resolver, "http://moto.invalid", "http://stripe.invalid", dict(os.environ))
    env.pop("AWS_ENDPOINT_URL")
    env.update(
        COGNITO_JWKS_URL=jwks_url,
        STRIPE_WEBHOOK_SECRET=f"secretsmanager:{WEBHOOK_SECRET_ID}",  # as template.yaml passes it
        LOG_LEVEL="WARNING",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    from shared import config

    config.reset()


class Api:
    """Real proxy events (the gateway emulator's builder) straight into the real handlers."""

    def __init__(self, resolver: Resolver) -> None:
        template = load_template()
        self.routes = {(r.method, r.path): r for r in api_routes(template)}
        self.gateway = ApiGateway(list(self.routes.values()), "v1", REGION, {})
        self.idp = boto3.client("cognito-idp", region_name=REGION)
        self.pool, self.client_id = resolver.refs["UserPool"], resolver.refs["UserPoolClient"]
        consumer, queue, _ = queue_consumer(template)
        self.consumer = template["Resources"][consumer]["Properties"]["Handler"]
        self.queue_url, self.queue_arn = resolver.refs[queue], resolver.attrs[(queue, "Arn")]
        self._users = 0

    def new_token(self) -> str:
        """Sign up in moto's pool, confirm, sign in: a Cognito id token."""
        self._users += 1
        email = f"bench-{self._users}@example.com"
        self.idp.sign_up(ClientId=self.client_id, Username=email, Password=PASSWORD)
        self.idp.admin_confirm_sign_up(UserPoolId=self.pool, Username=email)
        auth = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return str(auth["AuthenticationResult"]["IdToken"])

    def call(
        self,
        method: str,
        resource: str,
        token: str | None = None,
        path_params: dict[str, str] | None = None,
        query: str = "",
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        route: Route = self.routes[(method, resource)]
        path = resource
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", value)
        all_headers = {"Content-Type": "application/json", "User-Agent": "bench", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, str) else b"" if body is None else json.dumps(body)
        data = raw.encode() if isinstance(raw, str) else raw
        event = self.gateway.event(
            route, method, path, path_params or {}, query, list(all_headers.items()), data, "127.0.0.1"
        )
        response = load_handler(route.handler)(event, LambdaContext(route.function))
        return response["statusCode"], json.loads(response["body"])

    def take_message(self) -> dict[str, Any]:
        sqs = boto3.client("sqs", region_name=REGION)
        messages = sqs.receive_message(QueueUrl=self.queue_url, AttributeNames=["All"], WaitTimeSeconds=1)
        return sqs_event(messages["Messages"][:1], self.queue_arn, REGION)

    def process(self, event: dict[str, Any]) -> dict[str, Any]:
        return load_handler(self.consumer)(event, LambdaContext("ProcessVideoFunction", 1024, 900))


def stripe_signed(payload: str) -> str:
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def succeeded_event(intent_id: str, user_id: str) -> str:
    """payment_intent.succeeded for the basic package, as Stripe sends it."""
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": 999,
        "amount_received": 999,
        "currency": "usd",
        "status": "succeeded",
        "metadata": {"user_id": user_id, "package": "basic", "credits": "10"},
    }
    event = {"id": f"evt_{intent_id}", "object": "event", "type": "payment_intent.succeeded"}
    return json.dumps({**event, "data": {"object": intent}})


# ------------------------------------------------------------------ the operations


class Row:
    def __init__(self, name: str, target: dict[str, int], note: str = "") -> None:
        self.name, self.target, self.note = name, target, note
        self.cold: Counter[str] = Counter()
        self.warm: list[Counter[str]] = []

    @property
    def typical(self) -> Counter[str]:
        """The median warm run by total (runs differ only if something is non-deterministic)."""
        ordered = sorted(self.warm, key=lambda c: sum(c.values()))
        return ordered[len(ordered) // 2]


def run(counter: CallCounter, row: Row, operation: Callable[[], Any], warm: bool = True) -> None:
    """Once cold (first call of this operation in this process), then REPEAT warm runs."""
    with counter.measure() as cold:
        operation()
    row.cold = cold
    for _ in range(REPEAT if warm else 0):
        with counter.measure() as calls:
            operation()
        row.warm.append(calls)


def measure_all(api: Api, counter: CallCounter, jwks: JwksServer) -> tuple[list[Row], dict[str, int]]:
    rows: list[Row] = []
    token = api.new_token()
    user_id = str(jwt.decode(token, options={"verify_signature": False})["sub"])
    status, body = api.call("GET", "/credits", token)  # the user record + free tier, JWKS fetched once
    assert status == 200, body
    jwks_after_first = jwks.hits
    videos: list[str] = []

    def submit() -> None:
        url = f"https://youtu.be/{DEMO_VIDEO_IDS[len(videos) % len(DEMO_VIDEO_IDS)]}"
        status, body = api.call("POST", "/videos", token, body={"url": url})
        assert status == 201, body
        videos.append(body["video_id"])

    def credit(amount: int = 50) -> None:  # enough credits for every submit below, outside the counts
        from shared import ledger

        ledger.add_credits(user_id, amount, f"pi_bench_topup_{time.monotonic_ns()}", "purchase", "bench")

    credit()
    row = Row("submit (warm user)", {"dynamodb.TransactWriteItems": 1, "sqs.SendMessage": 1})
    run(counter, row, submit)
    rows.append(row)

    def submit_new_user() -> None:
        new = api.new_token()
        with counter.measure() as calls:
            status, body = api.call("POST", "/videos", new, body={"url": "https://youtu.be/Xq3b7LmR9tA"})
        assert status == 201, body
        row.warm.append(calls)

    row = Row(
        "submit (new user)",
        {"dynamodb.TransactWriteItems": 3, "sqs.SendMessage": 1},
        "spend cancelled (no user), free tier, spend again",
    )
    row.cold = Counter()
    for _ in range(REPEAT):
        submit_new_user()
    rows.append(row)

    # process one of our videos (the real CLI, offline notes, a bundled transcript) before reading it
    while True:  # drop the new users' messages; keep one of ours
        event = api.take_message()
        if json.loads(event["Records"][0]["body"])["video_id"] in videos:
            break
        api.process(event)  # the new users' videos: processed, not counted
    first_video = json.loads(event["Records"][0]["body"])["video_id"]
    row = Row(
        "process_video success",
        {"dynamodb.UpdateItem": 6, "s3.PutObject": 1, "dynamodb.PutItem": 1},
        "claim, 4 step changes of the real CLI (not 'starting': the claim said it), completion",
    )
    with counter.measure() as cold:
        result = api.process(event)
    assert result == {"batchItemFailures": []}, result
    row.cold = cold
    for _ in range(REPEAT):
        event = api.take_message()
        with counter.measure() as calls:
            result = api.process(event)
        assert result == {"batchItemFailures": []}, result
        row.warm.append(calls)
    rows.append(row)

    def get_video() -> None:
        status, body = api.call("GET", "/videos/{video_id}", token, {"video_id": first_video})
        assert status == 200 and body["status"] == "completed", body

    row = Row("GET /videos/{id}", {"dynamodb.GetItem": 1})
    run(counter, row, get_video)
    rows.append(row)

    _, video = api.call("GET", "/videos/{video_id}", token, {"video_id": first_video})
    note_id = video["note_id"]

    def get_note() -> None:
        params = {"note_id": note_id}
        status, body = api.call("GET", "/notes/{note_id}", token, params, "include_content=true")
        assert status == 200 and body["content"], body

    row = Row("GET /notes/{id}?include_content", {"dynamodb.GetItem": 1, "s3.GetObject": 1})
    run(counter, row, get_note)
    rows.append(row)

    def list_page() -> None:
        status, body = api.call("GET", "/videos", token, query="limit=3")
        assert status == 200 and body["count"] == 3 and body.get("last_key"), body

    row = Row("GET /videos?limit=3 (one page)", {"dynamodb.Query": 1})
    run(counter, row, list_page)
    rows.append(row)

    def credits() -> None:
        status, body = api.call("GET", "/credits", token)
        assert status == 200 and body["credits"] > 0, body

    row = Row("GET /credits", {"dynamodb.GetItem": 1, "dynamodb.Query": 1}, "balance + 20 newest entries")
    run(counter, row, credits)
    rows.append(row)

    intents = iter(range(1_000))

    def webhook() -> None:
        payload = succeeded_event(f"pi_bench_{next(intents)}", user_id)
        headers = {"Stripe-Signature": stripe_signed(payload)}
        status, body = api.call("POST", "/webhooks/stripe", body=payload, headers=headers)
        assert status == 200 and body == {"received": True, "credited": True}, body

    row = Row("webhook payment_intent.succeeded", {"dynamodb.TransactWriteItems": 1})
    run(counter, row, webhook)
    rows.append(row)

    authenticated = sum(1 + len(r.warm) for r in rows if not r.name.startswith(("webhook", "process")))
    jwks_stats = {
        "first request": jwks_after_first,
        "later requests": jwks.hits - jwks_after_first,
        "authenticated requests": authenticated,
    }
    return rows, jwks_stats


def fmt(calls: Counter[str]) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(calls.items())) or "none"


def main() -> None:
    counter = CallCounter()
    counter.install()
    started = time.perf_counter()
    jwks = JwksServer()
    with mock_aws():
        resolver = create_resources()
        configure_functions(resolver, jwks.url)
        api = Api(resolver)
        rows, jwks_stats = measure_all(api, counter, jwks)
    jwks.stop()

    print(f"moto {moto.__version__}, real handlers in-process, {REPEAT} warm runs per operation")
    name_w, calls_w = max(len(r.name) for r in rows), max(len(fmt(r.typical)) for r in rows)
    print(f"{'operation':<{name_w}}  {'warm calls by API':<{calls_w}}  {'total':>5}  {'target':>6}  result")
    over = 0
    for row in rows:
        calls = row.typical
        total, target = sum(calls.values()), sum(row.target.values())
        same = all(c == calls for c in row.warm)
        verdict = "OK" if calls == row.target else "over" if total > target else "differs"
        over += verdict != "OK"
        flags = "" if same else "  (warm runs differ: " + "; ".join(sorted({fmt(c) for c in row.warm})) + ")"
        print(f"{row.name:<{name_w}}  {fmt(calls):<{calls_w}}  {total:>5}  {target:>6}  {verdict}{flags}")
    print()
    print("first (cold container) call of each operation, in addition to the warm calls:")
    for row in rows:
        extra = row.cold - row.typical
        print(f"  {row.name:<{name_w}}  {fmt(extra) if row.cold else 'n/a (each run is a new user)'}")
    for row in rows:
        if row.note:
            print(f"  note: {row.name}: {row.note}")
    print()
    warm_fetches = jwks_stats["later requests"]
    verdict = "OK" if warm_fetches == 0 else "over"
    print(
        f"JWKS fetches: {jwks_stats['first request']} on the first authenticated request, "
        f"{warm_fetches} over the next {jwks_stats['authenticated requests'] - 1} "
        f"(target 0 once warm): {verdict}"
    )
    summary = "all at target" if not over else f"{over} not at target"
    print(f"operations: {summary}; took {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
