"""Deployment and operations, checked from template.yaml itself: alarms that reach someone, bounded
spend, a user pool that survives, retries that back off, builds that ship current code."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from ytsb_local.template import Resolver, function_property, load_template, queue_consumer, resources_of_type

REGION = "us-east-1"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return policy["Statement"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- alarms reach someone -----------------------------------------------------------------------


def test_given_the_alarm_topic_then_it_is_encrypted_with_a_key_cloudwatch_may_use(
    template: dict[str, Any],
) -> None:
    # Given the topic every alarm notifies
    resources = template["Resources"]
    (topic_id,) = resources_of_type(template, "AWS::SNS::Topic")
    for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    key_ref = resources[topic_id]["Properties"]["KmsMasterKeyId"]
    # Then it is not the AWS-managed alias/aws/sns key (CloudWatch cannot use it), but our own key
    assert isinstance(key_ref, dict), f"an AWS-managed key ({key_ref}) drops every alarm"
    key_id = key_ref.get("Ref") or key_ref["Fn::GetAtt"][0]
    key = resources[key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    # And its policy lets the CloudWatch service encrypt for the topic, for this account's alarms only
    statements = _statements(key["Properties"]["KeyPolicy"])
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    (grant,) = cloudwatch
    assert grant["Effect"] == "Allow"
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(_as_list(grant["Action"]))
    assert grant["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    # And the account keeps administering the key (a policy without it locks the key for good)
    root = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    assert any(s["Principal"] == root and s["Action"] == "kms:*" for s in statements)


def test_given_the_alarm_email_then_it_is_required_and_always_subscribed(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["AlarmEmail"]
    assert "Default" not in parameter  # sam deploy --guided asks for it; a deploy without it fails
    assert parameter["AllowedPattern"]
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    assert "Condition" not in subscription
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert subscription["Properties"]["Protocol"] == "email"


def test_given_the_queue_alarm_then_a_video_being_processed_or_waiting_to_retry_does_not_page(
    template: dict[str, Any],
) -> None:
    _, queue, _ = queue_consumer(template)
    alarms = [
        a["Properties"]
        for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Dimensions", [{}])[0].get("Value") == {"Fn::GetAtt": [queue, "QueueName"]}
    ]
    # Not the oldest message's age: that counts a message in flight (a 15-minute video) or backed off
    assert [a["MetricName"] for a in alarms] == ["ApproximateNumberOfMessagesVisible"]
    (backlog,) = alarms
    assert backlog["Statistic"] == "Minimum" and backlog["Threshold"] == 0
    assert backlog["Period"] * backlog["EvaluationPeriods"] >= 900
    assert backlog["DatapointsToAlarm"] == backlog["EvaluationPeriods"]


# --- retries back off ---------------------------------------------------------------------------


def test_given_the_consumer_then_it_may_set_its_messages_visibility_and_five_receives_are_allowed(
    template: dict[str, Any],
) -> None:
    consumer, queue, _ = queue_consumer(template)
    statements = template["Resources"][consumer]["Properties"]["Policies"][0]["Statement"]
    queue_arn = {"Fn::GetAtt": [queue, "Arn"]}
    actions = {a for s in statements if s["Resource"] == queue_arn for a in _as_list(s["Action"])}
    assert "sqs:ChangeMessageVisibility" in actions
    redrive = template["Resources"][queue]["Properties"]["RedrivePolicy"]
    env = template["Resources"][consumer]["Properties"]["Environment"]["Variables"]
    assert redrive["maxReceiveCount"] == 5 == int(env["MAX_RECEIVE_COUNT"])


# --- bounded spend ------------------------------------------------------------------------------


def test_given_a_burst_of_videos_then_process_video_runs_at_most_the_parameters_concurrency(
    template: dict[str, Any],
) -> None:
    _, _, event = queue_consumer(template)
    limit = event["ScalingConfig"]["MaximumConcurrency"]
    parameter = template["Parameters"][limit["Ref"]]
    assert parameter["Type"] == "Number" and parameter["MinValue"] == 2  # SQS's minimum
    assert 2 <= int(parameter["Default"]) <= 10
    assert int(parameter["MaxValue"]) <= 1000


# --- the user pool survives ---------------------------------------------------------------------


def test_given_the_user_pool_then_it_is_retained_and_protected(template: dict[str, Any]) -> None:
    (pool,) = resources_of_type(template, "AWS::Cognito::UserPool").values()
    assert pool["DeletionPolicy"] == "Retain" and pool["UpdateReplacePolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("", {"EmailSendingAccount": "COGNITO_DEFAULT"}),
        (
            "no-reply@example.com",
            {
                "EmailSendingAccount": "DEVELOPER",
                "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com",
                "From": "no-reply@example.com",
            },
        ),
    ],
)
def test_given_an_ses_sender_or_none_then_the_pool_sends_with_it_or_with_cognito(
    template: dict[str, Any], sender: str, expected: dict[str, str]
) -> None:
    resolver = Resolver(template, REGION, {"SesSenderEmail": sender})
    (pool,) = resources_of_type(template, "AWS::Cognito::UserPool").values()
    assert resolver.resolve(pool["Properties"]["EmailConfiguration"]) == expected


def test_given_every_function_then_its_runtime_is_the_layers_runtime(template: dict[str, Any]) -> None:
    resolver = Resolver(template, REGION)
    for layer in resources_of_type(template, "AWS::Serverless::LayerVersion").values():
        for name in resources_of_type(template, "AWS::Serverless::Function"):
            runtime = resolver.resolve(function_property(template, name, "Runtime"))
            assert runtime in layer["Properties"]["CompatibleRuntimes"], name


# --- observability ------------------------------------------------------------------------------


def _globals_env(template: dict[str, Any]) -> dict[str, Any]:
    return template["Globals"]["Function"]["Environment"]["Variables"]


def test_given_every_function_then_it_logs_to_its_own_group_with_a_retention(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    groups = set()
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        group = resources[group_id]
        assert group["Type"] == "AWS::Logs::LogGroup", name
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        groups.add(group_id)
    assert len(groups) == len(resources_of_type(template, "AWS::Serverless::Function"))
    retention = template["Parameters"]["LogRetentionDays"]
    assert retention["Default"] in retention["AllowedValues"] and retention["Default"] <= 90
    # No log group anywhere keeps its logs forever
    for group in resources_of_type(template, "AWS::Logs::LogGroup").values():
        assert "RetentionInDays" in group["Properties"]


def test_given_the_engine_start_alarm_then_it_watches_the_metric_the_code_records(
    template: dict[str, Any],
) -> None:
    from shared import metrics

    env = _globals_env(template)
    alarms = [
        a["Properties"]
        for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == metrics.ENGINE_START_FAILURES
    ]
    (alarm,) = alarms
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"] == metrics.DEFAULT_NAMESPACE
    # Powertools adds the "service" dimension (POWERTOOLS_SERVICE_NAME): the alarm names the same value
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 0
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_given_the_dashboard_then_it_shows_every_metric_the_code_records(template: dict[str, Any]) -> None:
    import json

    from shared import metrics

    resolver = Resolver(template, REGION)
    resolver.attrs.update({("VideoQueue", "QueueName"): "q", ("VideoDeadLetterQueue", "QueueName"): "dlq"})
    resolver.refs["ProcessVideoFunction"] = "fn"
    (dashboard,) = resources_of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = json.loads(resolver.resolve(dashboard["Properties"]["DashboardBody"]))
    text = json.dumps(body)
    names = [getattr(metrics, n) for n in dir(metrics) if n.isupper() and n not in ("DEFAULT_NAMESPACE",)]
    recorded = [n for n in names if n not in (metrics.COUNT, metrics.SECONDS)]
    assert len(recorded) == 11
    for name in recorded:
        assert f'"{name}"' in text or f'\\"{name}\\"' in text, name
    assert all(w["properties"]["region"] == REGION for w in body["widgets"])


# --- YouTube through a proxy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "expected_env", "secrets"),
    [
        ({}, {}, []),
        (
            {"YouTubeProxyUrl": "ytsb/proxy"},
            {"YTSB_PROXY_URL": "secretsmanager:ytsb/proxy"},
            ["ytsb/proxy"],
        ),
        (
            {"WebshareUsername": "ytsb/ws-user", "WebsharePassword": "ytsb/ws-password"},
            {
                "YTSB_WEBSHARE_USERNAME": "secretsmanager:ytsb/ws-user",
                "YTSB_WEBSHARE_PASSWORD": "secretsmanager:ytsb/ws-password",
            },
            ["ytsb/ws-user", "ytsb/ws-password"],
        ),
    ],
    ids=["no-proxy", "proxy-url", "webshare"],
)
def test_given_proxy_parameters_then_process_video_gets_references_and_may_read_only_those_secrets(
    template: dict[str, Any], parameters: dict[str, str], expected_env: dict[str, str], secrets: list[str]
) -> None:
    # Given the stack deployed with these proxy parameters
    resolver = Resolver(template, REGION, parameters)
    consumer, _, _ = queue_consumer(template)
    props = template["Resources"][consumer]["Properties"]
    # Then process_video's environment holds Secrets Manager references, never the values
    variables = props["Environment"]["Variables"]
    proxy = {k: v for k, v in variables.items() if k.startswith(("YTSB_PROXY", "YTSB_WEBSHARE"))}
    assert len(proxy) == 3
    assert resolver.resolve(proxy) == expected_env
    # And its role may read exactly those secrets (and the Anthropic key's, when given)
    conditional = [policy for policy in props["Policies"] if "Fn::If" in policy]  # the secrets' grants
    statements = [s for policy in resolver.resolve(conditional) for s in policy["Statement"]]
    readable = [
        resource
        for s in statements
        if s["Action"] == "secretsmanager:GetSecretValue"
        for resource in _as_list(s["Resource"])
    ]
    expected = [f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{name}-??????" for name in secrets]
    assert readable == expected


# --- builds ship current code, compiled for the runtime ----------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _layers(template: dict[str, Any]) -> dict[str, Path]:
    return {
        name: ROOT / layer["Properties"]["ContentUri"]
        for name, layer in resources_of_type(template, "AWS::Serverless::LayerVersion").items()
    }


def test_given_layer_makefiles_that_read_outside_their_content_uri_then_sam_build_never_caches(
    template: dict[str, Any],
) -> None:
    # Given layers whose Makefile reads the repository (src/, constraints.txt), outside their ContentUri
    outside = [
        name
        for name, path in _layers(template).items()
        if "$(PROJECT_ROOT)" in (path / "Makefile").read_text()
    ]
    assert outside, "no layer reads outside its ContentUri any more: caching could come back"
    # Then sam build does not reuse a cached build (its cache key hashes only the ContentUri)
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    build = config["default"]["build"]["parameters"]
    assert build.get("cached", False) is False
    assert build["build_in_source"] is True  # the Makefiles' PROJECT_ROOT is the repository


def test_given_the_layers_then_their_bytecode_is_compiled_by_the_runtimes_python(
    template: dict[str, Any],
) -> None:
    runtime = template["Globals"]["Function"]["Runtime"]
    version = runtime.removeprefix("python")
    for name, path in _layers(template).items():
        makefile = (path / "Makefile").read_text()
        installs = [line for line in makefile.splitlines() if "pip install" in line]
        assert installs and all("--no-compile" in line for line in installs), name  # no build-machine .pyc
        assert f"RUNTIME_PYTHON ?= {runtime}" in makefile, name
        assert f"!= ({version.replace('.', ', ')})" in makefile, name  # refuses another Python
        assert "compileall" in makefile and "--invalidation-mode unchecked-hash" in makefile, name
        recipe = makefile.split(f"build-{name}:", 1)[1]
        assert "$(COMPILE)" in recipe, name
