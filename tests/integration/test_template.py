"""template.yaml against cfn-lint, docs/design.md, the handlers, and the code itself (no drift).

The autouse fixtures of this folder's conftest run each test inside moto's ``mock_aws`` with the
default ``ytsb-*`` tables already there, so the drift test builds its own resources from the
template under another ``Prefix`` and checks that the code writes to those.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from shared import config

from ytsb_local.aws import create_buckets, create_queues, create_tables, create_user_pools
from ytsb_local.stack import function_environment
from ytsb_local.template import (
    TEMPLATE_PATH,
    Resolver,
    api_routes,
    function_property,
    load_template,
    queue_consumer,
    resources_of_type,
)

REGION = "us-east-1"
DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"
EXPECTED_ROUTES = {
    ("POST", "/videos"), ("GET", "/videos"), ("GET", "/videos/{video_id}"), ("GET", "/notes/{note_id}"),
    ("POST", "/credits/purchase"), ("GET", "/credits"), ("POST", "/webhooks/stripe"),
    ("DELETE", "/videos/{video_id}"), ("POST", "/videos/{video_id}/retry"),
}  # fmt: skip


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _design_tables() -> dict[str, dict[str, Any]]:
    """The tables section of docs/design.md: env var -> {name, key, gsi}."""
    rows = re.findall(
        r"^\| `(\w+_TABLE)` \| `([\w-]+)` \| `(\w+)` \(S\) \| (.+) \|$", DESIGN.read_text(), re.M
    )
    tables = {}
    for env, name, key, gsis in rows:
        found = re.findall(r"`([\w-]+)`: `(\w+)` \(S\) HASH, `(\w+)` \(S\) RANGE, projection (\w+)", gsis)
        tables[env] = {"name": name, "key": key, "gsis": found}
    return tables


def _design_env_names() -> set[str]:
    section = DESIGN.read_text().split("## Environment variables", 1)[1]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))


def test_given_the_template_when_cfn_lint_runs_then_it_reports_nothing() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), str(TEMPLATE_PATH)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_given_design_md_then_each_table_has_its_name_key_and_gsi(template: dict[str, Any]) -> None:
    design = _design_tables()
    assert set(design) == {"USERS_TABLE", "VIDEOS_TABLE", "NOTES_TABLE", "CREDITS_TABLE"}
    resolver = Resolver(template, REGION)
    by_name = {
        resolver.resolve(spec["Properties"]["TableName"]): spec["Properties"]
        for spec in resources_of_type(template, "AWS::DynamoDB::Table").values()
    }
    assert set(by_name) == {t["name"] for t in design.values()}
    for table in design.values():
        props = by_name[table["name"]]
        assert props["KeySchema"] == [{"AttributeName": table["key"], "KeyType": "HASH"}]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props.get("GlobalSecondaryIndexes", []) == [{
            "IndexName": index_name, "Projection": {"ProjectionType": projection},
            "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                          {"AttributeName": range_key, "KeyType": "RANGE"}],
        } for index_name, hash_key, range_key, projection in table["gsis"]]  # fmt: skip


def test_given_default_prefix_then_table_names_equal_the_code_defaults(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the code's settings with no table variables set
    for name in ("USERS_TABLE", "VIDEOS_TABLE", "NOTES_TABLE", "CREDITS_TABLE"):
        monkeypatch.delenv(name, raising=False)
    config.reset()
    settings = config.get_settings()
    # Then the template's names (default Prefix) are the code's defaults
    resolver = Resolver(template, REGION)
    names = {logical: resolver.resolve(spec["Properties"]["TableName"])
             for logical, spec in resources_of_type(template, "AWS::DynamoDB::Table").items()}  # fmt: skip
    assert sorted(names.values()) == sorted(
        [settings.users_table, settings.videos_table, settings.notes_table, settings.credits_table]
    )


def test_given_every_function_then_its_environment_uses_only_design_names(template: dict[str, Any]) -> None:
    allowed = _design_env_names() | {"POWERTOOLS_SERVICE_NAME"}
    for name in resources_of_type(template, "AWS::Serverless::Function"):
        own = template["Resources"][name]["Properties"].get("Environment", {}).get("Variables", {})
        assert set(own) <= allowed, (name, set(own) - allowed)


def test_given_the_api_then_each_route_reaches_a_handler_with_lambda_handler(
    template: dict[str, Any],
) -> None:
    routes = api_routes(template)
    assert {(r.method, r.path) for r in routes} == EXPECTED_ROUTES
    for route in routes:
        module_name, _, attribute = route.handler.rpartition(".")
        assert attribute == "lambda_handler"
        assert callable(getattr(importlib.import_module(module_name), attribute)), route


def test_given_the_api_cors_then_it_allows_every_method_a_route_uses(template: dict[str, Any]) -> None:
    # A browser preflights DELETE (and any non-simple request): a method left out cannot be called from a page
    api = next(iter(resources_of_type(template, "AWS::Serverless::Api").values()))
    allowed = set(api["Properties"]["Cors"]["AllowMethods"].strip("'").split(","))
    assert {route.method for route in api_routes(template)} | {"OPTIONS"} <= allowed
    assert "DELETE" in allowed


def test_given_the_video_functions_then_they_have_the_s3_and_table_rights_their_routes_need(
    template: dict[str, Any],
) -> None:
    def rights(function: str) -> set[tuple[str, str]]:
        statements = template["Resources"][function]["Properties"]["Policies"][0]["Statement"]
        found = set()
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            found |= {(action, json.dumps(resource)) for action in actions for resource in resources}
        return found

    objects = json.dumps({"Fn::Sub": "${NotesBucket.Arn}/*"})
    s3 = {name: {action for action, resource in rights(name) if action.startswith("s3:")} for name in
          ("SubmitVideoFunction", "GetVideoFunction", "ProcessVideoFunction")}  # fmt: skip
    assert s3 == {
        "SubmitVideoFunction": {"s3:PutObject", "s3:DeleteObject"},  # upload; remove it again on a 402
        "GetVideoFunction": {"s3:DeleteObject"},  # delete the known keys: no ListBucket
        "ProcessVideoFunction": {"s3:PutObject", "s3:GetObject"},  # the note; the uploaded transcript
    }
    assert all(
        resource == objects for name in s3 for action, resource in rights(name) if action.startswith("s3:")
    )
    videos, notes = (
        json.dumps({"Fn::GetAtt": ["VideosTable", "Arn"]}),
        json.dumps({"Fn::GetAtt": ["NotesTable", "Arn"]}),
    )
    assert {("dynamodb:DeleteItem", videos), ("dynamodb:DeleteItem", notes)} <= rights("GetVideoFunction")
    assert ("dynamodb:GetItem", videos) in rights("SubmitVideoFunction")
    for name in ("SubmitVideoFunction", "GetVideoFunction", "ProcessVideoFunction"):
        env = template["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert env["NOTES_BUCKET"] == {"Ref": "NotesBucket"}, name


def test_given_the_api_then_only_the_stripe_webhook_skips_the_cognito_authorizer(
    template: dict[str, Any],
) -> None:
    unauthenticated = {(r.method, r.path) for r in api_routes(template) if not r.authorized}
    assert unauthenticated == {("POST", "/webhooks/stripe")}
    api = next(iter(resources_of_type(template, "AWS::Serverless::Api").values()))
    authorizers = api["Properties"]["Auth"]["Authorizers"]
    default = api["Properties"]["Auth"]["DefaultAuthorizer"]
    assert "UserPoolArn" in authorizers[default]  # a Cognito user pool authorizer


def test_given_the_queue_then_visibility_is_six_times_the_consumer_timeout_and_dlq_after_5(
    template: dict[str, Any],
) -> None:
    consumer, queue, event = queue_consumer(template)
    props = template["Resources"][queue]["Properties"]
    assert props["VisibilityTimeout"] >= 6 * int(function_property(template, consumer, "Timeout"))
    assert props["RedrivePolicy"]["maxReceiveCount"] == 5
    assert event["BatchSize"] == 1
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    env = template["Resources"][consumer]["Properties"]["Environment"]["Variables"]
    assert int(env["MAX_RECEIVE_COUNT"]) == props["RedrivePolicy"]["maxReceiveCount"]
    assert int(env["PROCESSING_TIMEOUT"]) < int(function_property(template, consumer, "Timeout"))


def test_given_the_sweep_then_it_is_scheduled_and_never_races_a_pending_redelivery(
    template: dict[str, Any],
) -> None:
    consumer, queue, _ = queue_consumer(template)
    props = template["Resources"][consumer]["Properties"]
    (schedule,) = [event for event in props["Events"].values() if event["Type"] == "Schedule"]
    assert schedule["Properties"]["Schedule"].startswith("rate(")
    env = props["Environment"]["Variables"]
    # a video released for a retry waits one visibility timeout for its own message
    assert int(env["SWEEP_AFTER"]) > template["Resources"][queue]["Properties"]["VisibilityTimeout"]
    assert int(env["MAX_SWEEPS"]) >= 1 and env["VIDEO_QUEUE_URL"] == {"Ref": queue}
    statements = props["Policies"][0]["Statement"]
    assert {"Effect": "Allow", "Action": "dynamodb:Query",
            "Resource": {"Fn::Sub": "${VideosTable.Arn}/index/status-index"}} in statements  # fmt: skip
    assert {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ChangeMessageVisibility"],
            "Resource": {"Fn::GetAtt": [queue, "Arn"]}} in statements  # fmt: skip


def test_given_function_policies_then_no_wildcard_actions_or_resources(template: dict[str, Any]) -> None:
    resolver = Resolver(template, REGION)
    for name, spec in resources_of_type(template, "AWS::Serverless::Function").items():
        text = json.dumps(spec["Properties"].get("Policies", []))
        assert '"*"' not in text and ":*" not in text, name
        for policy in spec["Properties"].get("Policies", []):
            assert isinstance(policy, dict), f"{name}: use explicit statements, not SAM policy templates"
        assert resolver.resolve(function_property(template, name, "Runtime")) == "python3.13"
        assert function_property(template, name, "Architectures") == ["arm64"]


def test_given_resources_built_from_the_template_when_the_code_runs_then_it_uses_them(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every resource created from the template's own properties, under another prefix
    resolver = Resolver(template, REGION, {"Prefix": "drift"})
    create_tables(boto3.client("dynamodb", region_name=REGION), resolver)
    create_queues(boto3.client("sqs", region_name=REGION), resolver)
    create_buckets(boto3.client("s3", region_name=REGION), resolver)
    create_user_pools(boto3.client("cognito-idp", region_name=REGION), resolver)
    env = function_environment(resolver)
    for name in (
        "USERS_TABLE",
        "VIDEOS_TABLE",
        "NOTES_TABLE",
        "CREDITS_TABLE",
        "VIDEO_QUEUE_URL",
        "NOTES_BUCKET",
    ):
        monkeypatch.setenv(name, env[name])
    config.reset()
    from shared import ledger, videos

    # When a user is first seen, submits a video and lists videos and ledger entries (both GSIs)
    free_tier = config.get_settings().free_tier_credits
    assert ledger.get_user_credits("drift-user", "drift@example.com") == free_tier
    submitted = videos.submit("drift-user", "https://youtu.be/Xq3b7LmR9tA")
    listed = videos.list_for_user("drift-user", 1, None, None)
    entries = ledger.recent_transactions("drift-user")

    # Then they went to the template's tables and queue
    assert [v["video_id"] for v in listed["videos"]] == [submitted["video_id"]]
    assert {e["type"] for e in entries} == {"grant", "spend"}
    ddb = boto3.client("dynamodb", region_name=REGION)
    assert ddb.get_item(TableName="drift-users", Key={"user_id": {"S": "drift-user"}}).get("Item")
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=env["VIDEO_QUEUE_URL"]).get("Messages", [])
    assert [json.loads(m["Body"])["video_id"] for m in messages] == [submitted["video_id"]]
    attributes = sqs.get_queue_attributes(QueueUrl=env["VIDEO_QUEUE_URL"], AttributeNames=["All"])[
        "Attributes"
    ]
    dlq_arn = resolver.attrs[("VideoDeadLetterQueue", "Arn")]
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}
    s3 = boto3.client("s3", region_name=REGION)
    assert s3.get_public_access_block(Bucket=env["NOTES_BUCKET"])["PublicAccessBlockConfiguration"][
        "BlockPublicAcls"
    ]
    assert s3.get_bucket_lifecycle_configuration(Bucket=env["NOTES_BUCKET"])["Rules"]
    app_client = boto3.client("cognito-idp", region_name=REGION).describe_user_pool_client(
        UserPoolId=resolver.refs["UserPool"], ClientId=resolver.refs["UserPoolClient"]
    )["UserPoolClient"]
    assert "ClientSecret" not in app_client
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(app_client["ExplicitAuthFlows"])
    assert os.environ["VIDEOS_TABLE"] == "drift-videos"


def _watched(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(metric name, resource watched) -> the alarm's properties, for every alarm in the template."""
    watched = {}
    for spec in resources_of_type(template, "AWS::CloudWatch::Alarm").values():
        props = spec["Properties"]
        metrics = [q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q] or [
            props
        ]
        for metric in metrics:
            for dimension in metric["Dimensions"]:
                value = dimension["Value"]
                target = value.get("Ref") or value.get("Fn::GetAtt", [None])[0]
                watched[(metric["MetricName"], target)] = props
    return watched


def test_given_the_alarms_then_every_promise_of_the_monitoring_section_is_watched(
    template: dict[str, Any],
) -> None:
    watched = _watched(template)
    for function in resources_of_type(template, "AWS::Serverless::Function"):
        assert ("Errors", function) in watched and ("Throttles", function) in watched, function
    for table in resources_of_type(template, "AWS::DynamoDB::Table"):
        assert ("ReadThrottleEvents", table) in watched and ("WriteThrottleEvents", table) in watched, table
    consumer, queue, _ = queue_consumer(template)
    assert watched[("ApproximateNumberOfMessagesVisible", queue)]["Threshold"] == 0
    dlq = template["Resources"][queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert watched[("ApproximateNumberOfMessagesVisible", dlq)]["Threshold"] == 0
    timeout_ms = int(function_property(template, consumer, "Timeout")) * 1000
    assert 0.5 * timeout_ms <= watched[("Duration", consumer)]["Threshold"] < timeout_ms
    for props in watched.values():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
