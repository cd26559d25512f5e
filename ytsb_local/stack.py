"""The whole local stack from template.yaml: moto, localstripe, the API Gateway emulator (and the web
page on its port), the SQS poller, the schedules."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yt_study_buddy.samples import samples_dir
from ytsb_local.template import (
    Resolver,
    api_cors_headers,
    api_routes,
    function_property,
    load_template,
    queue_consumer,
    resources_of_type,
    schedules,
)

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_DIR = ROOT / "lambda"
# Variables a developer may set in the shell to override the template's local value.
USER_OVERRIDABLE = (
    "LOG_LEVEL",
    "FREE_TIER_CREDITS",
    "PROCESSING_TIMEOUT",
    "MAX_RECEIVE_COUNT",
    "SWEEP_AFTER",
    "MAX_SWEEPS",
    "CLI_COMMAND",
    "YTSB_TRANSCRIPTS_DIR",
    "YTSB_PROVIDER",
    "YTSB_MODEL",
)


@dataclass(frozen=True)
class Options:
    """Ports (0 = any free port), region, where local.json goes, local retry delay and schedule."""

    api_port: int
    aws_port: int
    stripe_port: int
    region: str
    state_dir: Path
    retry_delay: int
    schedule_seconds: float | None  # None: each schedule's own rate from the template

    @classmethod
    def from_env(cls) -> Options:
        env = os.environ.get
        return cls(
            api_port=int(env("YTSB_PORT", "8787")),
            aws_port=int(env("YTSB_AWS_PORT", "8788")),
            stripe_port=int(env("YTSB_STRIPE_PORT", "8789")),
            region=env("YTSB_REGION", "us-east-1"),
            state_dir=Path(env("YTSB_STATE_DIR", str(ROOT / ".ytsb"))),
            retry_delay=int(env("YTSB_RETRY_DELAY", "5")),
            schedule_seconds=float(env("YTSB_SCHEDULE_SECONDS", "0")) or None,
        )


def function_environment(resolver: Resolver) -> dict[str, str]:
    """The union of every function's environment (Globals included), as the template resolves it."""
    merged: dict[str, str] = {}
    for name in resources_of_type(resolver.template, "AWS::Serverless::Function"):
        glob = (
            resolver.template.get("Globals", {})
            .get("Function", {})
            .get("Environment", {})
            .get("Variables", {})
        )
        own = resolver.template["Resources"][name]["Properties"].get("Environment", {}).get("Variables", {})
        merged.update({k: str(v) for k, v in resolver.resolve({**glob, **own}).items()})
    return merged


def local_environment(
    resolver: Resolver, aws_url: str, stripe_url: str, user_env: dict[str, str]
) -> dict[str, str]:
    """What the handlers see locally: the template's values, then the local endpoints and secrets."""
    from ytsb_local.stripe import DEV_API_KEY, DEV_WEBHOOK_SECRET

    env = function_environment(resolver)
    pool = resolver.refs["UserPool"]
    region = resolver.refs["AWS::Region"]
    env.update(
        AWS_ENDPOINT_URL=aws_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto accepts any credentials
        AWS_SESSION_TOKEN="testing",  # noqa: S106
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
        COGNITO_JWKS_URL=f"{aws_url}/{pool}/.well-known/jwks.json",
        STRIPE_SECRET_KEY=DEV_API_KEY,
        STRIPE_WEBHOOK_SECRET=DEV_WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_url,
        CLI_COMMAND=str(Path(sys.executable).parent / "youtube-study-buddy"),
        YTSB_TRANSCRIPTS_DIR=str(samples_dir()),
        NO_PROXY=",".join(filter(None, ["127.0.0.1,localhost", user_env.get("NO_PROXY", "")])),
    )
    env["no_proxy"] = env["NO_PROXY"]  # loopback never goes through a proxy
    key = user_env.get("ANTHROPIC_API_KEY") or user_env.get("CLAUDE_API_KEY")
    if key:
        env["ANTHROPIC_API_KEY"] = key
    else:
        env.pop("ANTHROPIC_API_KEY", None)
        env["YTSB_PROVIDER"] = "offline"
    env.update({k: user_env[k] for k in USER_OVERRIDABLE if user_env.get(k)})
    return env


class LocalStack:
    """Starts and stops every part; ``info`` is what local.json holds."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.template = load_template()
        self.resolver = Resolver(self.template, options.region)
        self.info: dict[str, Any] = {}
        self._parts: list[Any] = []

    def start(self) -> dict[str, Any]:
        import boto3

        from ytsb_local.aws import MotoServer, create_all
        from ytsb_local.gateway import ApiGateway, GatewayServer, load_handler
        from ytsb_local.invoke import LocalFunction
        from ytsb_local.poller import SqsPoller
        from ytsb_local.scheduler import Scheduler
        from ytsb_local.stripe import DEV_API_KEY, DEV_WEBHOOK_SECRET, LocalStripe, StripeApi
        from ytsb_local.web import WebFront, page_config

        started = time.monotonic()
        opts, resolver = self.options, self.resolver
        for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
            os.environ[k] = v  # dummy credentials for our own boto3 clients, before any is made
        moto = MotoServer(opts.aws_port)
        moto.start()
        self._parts.append(moto)
        create_all(moto.url, resolver)
        idp = boto3.client("cognito-idp", endpoint_url=moto.url, region_name=opts.region)
        pool_id, client_id = resolver.refs["UserPool"], resolver.refs["UserPoolClient"]
        moto.app.cognito.bind(idp, pool_id, client_id)

        stripe = LocalStripe(opts.stripe_port)
        stripe.start()
        self._parts.append(stripe)

        environment = local_environment(resolver, moto.url, stripe.url, dict(os.environ))
        # process_video backs its retries off itself (shared/retries.py); locally by seconds, not minutes.
        environment["RETRY_DELAY_MAX"] = str(opts.retry_delay)
        os.environ.update(environment)
        if str(LAMBDA_DIR) not in sys.path:
            sys.path.insert(0, str(LAMBDA_DIR))  # the Lambda code root, as CodeUri: lambda/ makes it

        functions = {
            name: {
                "memory": int(function_property(self.template, name, "MemorySize")),
                "timeout": int(function_property(self.template, name, "Timeout")),
            }
            for name in resources_of_type(self.template, "AWS::Serverless::Function")
        }
        stage = self.template["Resources"]["Api"]["Properties"]["StageName"]
        api = ApiGateway(
            api_routes(self.template), stage, opts.region, functions, api_cors_headers(self.template)
        )
        free_credits = int(environment.get("FREE_TIER_CREDITS", "3"))
        config = page_config(stage, opts.region, moto.url, pool_id, client_id, free_credits)
        gateway = GatewayServer(WebFront(api, config, StripeApi(stripe.url)), opts.api_port)
        gateway.start()
        self._parts.append(gateway)
        web_url = f"http://127.0.0.1:{gateway.port}/"
        api_url = f"{web_url}{stage}"
        stripe.register_webhook(f"{api_url}/webhooks/stripe")

        def local_function(name: str) -> LocalFunction:
            handler = self.template["Resources"][name]["Properties"]["Handler"]
            return LocalFunction(
                name, lambda: load_handler(handler), functions[name]["timeout"], functions[name]["memory"],
                opts.region,
            )  # fmt: skip

        consumer, queue, event = queue_consumer(self.template)
        queue_props = resolver.resolve(self.template["Resources"][queue]["Properties"])
        poller = SqsPoller(
            boto3.client("sqs", endpoint_url=moto.url, region_name=opts.region),
            resolver.refs[queue],
            resolver.attrs[(queue, "Arn")],
            local_function(consumer),
            batch_size=int(event.get("BatchSize", 10)),
            visibility_timeout=int(queue_props.get("VisibilityTimeout", 30)),
            retry_delay=opts.retry_delay,
        )
        poller.start()
        self._parts.append(poller)

        for schedule in schedules(self.template):
            seconds = opts.schedule_seconds or schedule.seconds
            scheduler = Scheduler(local_function(schedule.function), rule=schedule.name, seconds=seconds)
            scheduler.start()
            self._parts.append(scheduler)

        self.info = {
            "web_url": web_url,
            "api_url": api_url,
            "aws_endpoint_url": moto.url,
            "region": opts.region,
            "user_pool_id": pool_id,
            "user_pool_client_id": client_id,
            "stripe_api_base": stripe.url,
            "stripe_api_key": DEV_API_KEY,
            "stripe_webhook_secret": DEV_WEBHOOK_SECRET,
            "video_queue_url": resolver.refs[queue],
            "dead_letter_queue_url": resolver.refs.get("VideoDeadLetterQueue"),
            "notes_bucket": resolver.refs.get("NotesBucket"),
            "started_in_seconds": round(time.monotonic() - started, 2),
        }
        opts.state_dir.mkdir(parents=True, exist_ok=True)
        state_file = opts.state_dir / "local.json"
        tmp = state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.info, indent=2) + "\n", encoding="utf-8")
        tmp.replace(state_file)  # readers never see half a file
        return self.info

    def stop(self) -> None:
        """Stops every part in reverse order; local.json goes, since its endpoints are gone."""
        for part in reversed(self._parts):
            try:
                part.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                print(f"stopping {type(part).__name__}: {exc}", file=sys.stderr)
        self._parts.clear()
        (self.options.state_dir / "local.json").unlink(missing_ok=True)
