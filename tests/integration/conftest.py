"""Handlers against moto (in-process), a loopback JWKS server, and real event shapes."""

from __future__ import annotations

import base64
import itertools
import json
import os
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws
from shared import config

from tests.integration.faults import Faults
from ytsb_local.aws import create_tables
from ytsb_local.invariants import Tables, ledger_problems
from ytsb_local.moto_lock import serialize_dynamodb_requests
from ytsb_local.template import Resolver, load_template

REGION = "us-east-1"
POOL_ID = "us-east-1_TestPool"
CLIENT_ID = "test-app-client"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
WEBHOOK_SECRET = "whsec_test_secret"
FAKE_CLI = Path(__file__).resolve().parents[1] / "fixtures" / "fake_cli.py"
# The specification's credit packages (shared/spec/lambda-functions.md): name -> (credits, price in cents).
SPEC_PACKAGES = {"basic": (10, 999), "standard": (25, 1999), "premium": (50, 2999)}
TABLES = {
    "USERS_TABLE": "ytsb-users",
    "VIDEOS_TABLE": "ytsb-videos",
    "NOTES_TABLE": "ytsb-notes",
    "CREDITS_TABLE": "ytsb-credits",
}


@dataclass
class LambdaContext:
    function_name: str = "ytsb-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:ytsb-test"
    aws_request_id: str = "req-1"


@dataclass
class Jwks:
    url: str
    key: rsa.RSAPrivateKey
    kid: str
    hits: list[str]


@pytest.fixture(scope="session")
def jwks() -> Iterator[Jwks]:
    """A JWKS document served on loopback, as Cognito serves /.well-known/jwks.json."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = "test-kid-1"
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    document = json.dumps({"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}).encode()
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Jwks(f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", key, kid, hits)
    server.shutdown()


@pytest.fixture
def make_token(jwks: Jwks) -> Callable[..., str]:
    """Mint a Cognito-shaped id token (override any claim, the header, or the signing key)."""

    def mint(
        sub: str = "user-1",
        *,
        key: Any = None,
        headers: dict | None = None,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "sub": sub,
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "token_use": "id",
            "iat": now,
            "exp": now + 600,
            "email": f"{sub}@example.com",
            "email_verified": True,  # Cognito's, after a sign-up confirmed with the e-mailed code
            **claims,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(
            payload, key or jwks.key, algorithm=algorithm, headers={"kid": jwks.kid, **(headers or {})}
        )

    return mint


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, jwks: Jwks) -> Iterator[None]:
    """Every setting the functions read, pointing at moto and the loopback JWKS."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "STRIPE_API_BASE", "ANTHROPIC_API_KEY", "CLAUDE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    values = {
        **TABLES,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "NOTES_BUCKET": "ytsb-notes-test",
        "COGNITO_REGION": REGION,
        "COGNITO_USER_POOL_ID": POOL_ID,
        "COGNITO_APP_CLIENT_ID": CLIENT_ID,
        "COGNITO_JWKS_URL": jwks.url,
        "FREE_TIER_CREDITS": "3",
        "STRIPE_SECRET_KEY": "sk_test_12345",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PROCESSING_TIMEOUT": "20",
        "MAX_RECEIVE_COUNT": "3",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "CLI_COMMAND": f"{sys.executable} {FAKE_CLI} --scenario success",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    config.reset()
    yield
    config.reset()


@pytest.fixture(autouse=True)
def aws(settings_env: None) -> Iterator[dict[str, str]]:
    """moto with the four tables of template.yaml, the bucket and the queue."""
    serialize_dynamodb_requests()
    with mock_aws():
        # The tables exactly as template.yaml declares them (default Prefix: the ytsb-* names).
        create_tables(boto3.client("dynamodb", region_name=REGION), Resolver(load_template(), REGION))
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=os.environ["NOTES_BUCKET"])
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="ytsb-video-queue")["QueueUrl"]
        os.environ["VIDEO_QUEUE_URL"] = queue_url
        config.reset()
        yield {"queue_url": queue_url}
        os.environ.pop("VIDEO_QUEUE_URL", None)


@pytest.fixture(autouse=True)
def ledger_invariant(aws: dict[str, str]) -> Iterator[None]:
    """After every test: the books balance (ytsb_local.invariants: balances, spends, refunds)."""
    yield
    tables = Tables(
        users=TABLES["USERS_TABLE"],
        videos=TABLES["VIDEOS_TABLE"],
        notes=TABLES["NOTES_TABLE"],
        credits=TABLES["CREDITS_TABLE"],
    )
    assert ledger_problems(boto3.resource("dynamodb", region_name=REGION), tables) == []


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext(aws_request_id=str(uuid.uuid4()))


@pytest.fixture
def api_event(make_token: Callable[..., str]) -> Callable[..., dict[str, Any]]:
    """An API Gateway REST proxy event, signed in as ``user`` unless ``token``/``claims`` say otherwise."""

    def build(
        method: str,
        resource: str,
        *,
        user: str | None = "user-1",
        token: str | None = None,
        body: Any = None,
        path_params: dict | None = None,
        query: dict | None = None,
        headers: dict | None = None,
        claims: dict | None = None,
        base64_body: bool = False,
    ) -> dict[str, Any]:
        path = resource
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", value)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token is None and user is not None and claims is None:
            token = make_token(user)
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, str) or body is None else json.dumps(body)
        if raw is not None and base64_body:
            raw = base64.b64encode(raw.encode()).decode()
        return {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": all_headers,
            "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": None
            if query is None
            else {name: [value] for name, value in query.items()},
            "pathParameters": path_params,
            "stageVariables": None,
            "body": raw,
            "isBase64Encoded": base64_body,
            "requestContext": {
                "resourcePath": resource,
                "httpMethod": method,
                "path": f"/prod{path}",
                "stage": "prod",
                "requestId": str(uuid.uuid4()),
                "identity": {"sourceIp": "127.0.0.1"},
                **({"authorizer": {"claims": claims}} if claims else {}),
            },
        }

    return build


@pytest.fixture
def aws_calls() -> Counter[str]:
    """Count AWS API calls made through the functions' cached clients (botocore 'before-call')."""
    from shared import aws

    counts: Counter[str] = Counter()
    for service in ("dynamodb", "s3", "sqs"):
        client = aws.client(service)

        def count(model: Any, service: str = service, **_: Any) -> None:
            counts[f"{service}.{model.name}"] += 1

        client.meta.events.register("before-call.*.*", count)
    return counts


@pytest.fixture
def ticking_ledger_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ledger entries written one second apart, so "newest first" has one right answer."""
    from shared import ledger

    ticks = itertools.count()

    def now_iso() -> str:
        second = next(ticks)
        return f"2024-10-29T12:{second // 60:02d}:{second % 60:02d}.000Z"

    monkeypatch.setattr(ledger, "now_iso", now_iso)


@pytest.fixture
def aws_requests() -> list[tuple[str, dict[str, Any]]]:
    """What the functions asked AWS, in order: ("dynamodb.Query", its API parameters), ..."""
    from shared import aws

    asked: list[tuple[str, dict[str, Any]]] = []
    for service in ("dynamodb", "s3", "sqs"):

        def record(model: Any, params: dict[str, Any], service: str = service, **_: Any) -> None:
            asked.append((f"{service}.{model.name}", dict(params)))

        aws.client(service).meta.events.register("before-parameter-build.*.*", record)
    return asked


@pytest.fixture
def invoke(context: LambdaContext) -> Callable[..., tuple[int, Any]]:
    """Call a handler like Lambda does and return (status, decoded JSON body)."""

    def call(handler: Callable[[dict, Any], dict], event: dict[str, Any]) -> tuple[int, Any]:
        response = handler(event, context)
        assert response["headers"]["Content-Type"] == "application/json"
        return response["statusCode"], json.loads(response["body"])

    return call


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """The real localstripe app on loopback, served from a thread as the local stack serves it."""
    from ytsb_local.stripe import LocalStripe

    stripe = LocalStripe(0)
    stripe.start()
    yield stripe.url
    stripe.stop()


@pytest.fixture
def stripe_local(monkeypatch: pytest.MonkeyPatch, localstripe_url: str) -> Iterator[str]:
    """The functions' Stripe client pointed at localstripe (STRIPE_API_BASE), a fresh one per test."""
    from shared import payments

    monkeypatch.setenv("STRIPE_API_BASE", localstripe_url)
    config.reset()
    payments._stripe_client.cache_clear()
    yield localstripe_url
    payments._stripe_client.cache_clear()


def stripe_signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme: t=<unix>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    import hashlib
    import hmac

    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture
def sign() -> Callable[..., str]:
    return stripe_signature


@pytest.fixture
def sqs_event() -> Callable[..., dict[str, Any]]:
    """An SQS event as Lambda's event source mapping delivers it."""

    def build(*bodies: dict[str, Any], receive_count: int = 1) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "messageId": str(uuid.uuid4()),
                    "receiptHandle": "handle",
                    "body": json.dumps(body),
                    "attributes": {
                        "ApproximateReceiveCount": str(receive_count),
                        "SentTimestamp": "1700000000000",
                        "SenderId": "AIDATEST",
                        "ApproximateFirstReceiveTimestamp": "1700000000000",
                    },
                    "messageAttributes": {},
                    "md5OfBody": "0",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:ytsb-video-queue",
                    "awsRegion": REGION,
                }
                for body in bodies
            ]
        }

    return build


@pytest.fixture
def message(
    api_event: Callable[..., dict[str, Any]], invoke: Callable[..., tuple[int, Any]]
) -> dict[str, str]:
    """user-1 submitted a video (one credit spent): the SQS message process_video will get."""
    from submit_video.handler import lambda_handler as submit

    status, body = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}))
    assert status == 201
    return {
        "video_id": body["video_id"],
        "youtube_video_id": "dQw4w9WgXcQ",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "user_id": "user-1",
    }


@pytest.fixture
def stored_video() -> Callable[[str], dict[str, Any] | None]:
    """The video's row as it is now (strongly consistent), or None once it is deleted."""
    from shared.config import get_settings
    from shared.dal import dynamo

    def read(video_id: str) -> dict[str, Any] | None:
        return dynamo.get_item(get_settings().videos_table, {"video_id": video_id}, consistent=True)

    return read


@pytest.fixture
def faults() -> Faults:
    """Make AWS calls of the functions fail on demand (tests/integration/faults.py)."""
    from shared import aws

    injector = Faults()
    for service in ("dynamodb", "s3", "sqs"):
        events = aws.client(service).meta.events
        events.register("before-parameter-build", injector.before)
        events.register("after-call", injector.after_call)
    return injector


@pytest.fixture
def use_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point CLI_COMMAND at the fake CLI with a scenario (and optionally record its argv/env)."""

    def configure(scenario: str, record: Path | None = None, timeout: int | None = None) -> None:
        command = f"{sys.executable} {FAKE_CLI} --scenario {scenario}"
        if record:
            command += f" --record {record}"
        monkeypatch.setenv("CLI_COMMAND", command)
        if timeout:
            monkeypatch.setenv("PROCESSING_TIMEOUT", str(timeout))
        config.get_settings.cache_clear()

    return configure


@dataclass
class WebStack:
    """A deployed stack as scripts/publish_web.py sees it: outputs, the page's bucket, a distribution."""

    name: str
    region: str
    bucket: str
    distribution_id: str


@pytest.fixture
def web_stack(aws: dict[str, str]) -> WebStack:
    """In moto: a CloudFront distribution and a stack whose outputs are template.yaml's web outputs."""
    region = "eu-west-1"  # not the tests' default, so a region mix-up shows
    distribution = boto3.client("cloudfront", region_name=region).create_distribution(
        DistributionConfig={
            "CallerReference": "web-stack",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "web",
                        "DomainName": "ytsb-web.s3.eu-west-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "web",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )["Distribution"]
    stack_template = {
        "Parameters": {"DistributionId": {"Type": "String"}},
        "Resources": {
            "WebBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "ytsb-web-test"}}
        },
        "Outputs": {
            "WebBucketName": {"Value": {"Ref": "WebBucket"}},
            "WebDistributionId": {"Value": {"Ref": "DistributionId"}},
            "WebUrl": {"Value": f"https://{distribution['DomainName']}/"},
            "UserPoolId": {"Value": "eu-west-1_Pool1"},
            "UserPoolClientId": {"Value": "client1"},
            "StripePublishableKey": {"Value": "pk_test_51Publishable"},
        },
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName="ytsb-web",
        TemplateBody=json.dumps(stack_template),
        Parameters=[{"ParameterKey": "DistributionId", "ParameterValue": distribution["Id"]}],
    )
    return WebStack("ytsb-web", region, "ytsb-web-test", distribution["Id"])


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    """A throwaway web/ (never the real one): a page, a module, a stylesheet, an icon, a hidden file."""
    site = tmp_path / "web"
    (site / "js").mkdir(parents=True)
    (site / "index.html").write_text('<!doctype html><script type="module" src="js/app.js"></script>')
    (site / "js" / "app.js").write_text("import './api.js';\n")
    (site / "js" / "api.js").write_text("export const api = 1;\n")
    (site / "styles.css").write_text(":root { color-scheme: light dark; }\n")
    (site / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (site / ".DS_Store").write_bytes(b"\0")
    (site / "config.json").write_text('{"apiBase": "http://127.0.0.1:8787/v1"}')  # a local one: not published
    return site
