"""A broken engine is loud, and what an operator watches is measured (Powertools Metrics, EMF).

The function's stdout is its CloudWatch log: EMF metric lines (read here with ``capsys``) and JSON
log lines (read with ``caplog``).
"""

from __future__ import annotations

import json
import types
from typing import Any

import pytest
from process_video.handler import lambda_handler as process
from shared import config, ledger, metrics
from shared.cli_runner import redact

KEY = "sk-ant-api03-THISISTHEKEYVALUE"


def lines(out: str) -> list[dict[str, Any]]:
    found = []
    for line in out.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def emitted(out: str) -> dict[str, list[dict[str, Any]]]:
    """metric name -> its EMF records (value and dimensions)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for record in lines(out):
        for spec in record.get("_aws", {}).get("CloudWatchMetrics", []):
            assert spec["Namespace"] == "ytsb-test"
            for metric in spec["Metrics"]:
                found.setdefault(metric["Name"], []).append(record)
    return found


@pytest.fixture(autouse=True)
def namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "ytsb-test")


def test_given_an_engine_that_dies_at_import_then_its_stderr_is_logged_redacted_and_counted(
    message, sqs_event, context, use_cli, monkeypatch, capsys, caplog
):
    # Given a CLI that dies before its first event, printing a traceback that contains secrets
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    config.reset()
    use_cli("broken_import")
    # When a video is processed
    assert process(sqs_event(message, receive_count=3), context) == {"batchItemFailures": []}
    out = capsys.readouterr().out
    # Then the log says the engine did not start, with the tail of its stderr but no secret in it
    (logged,) = [r for r in caplog.records if r.getMessage() == "the notes engine did not start"]
    assert logged.levelname == "ERROR" and logged.exit_code == 1  # type: ignore[attr-defined]
    tail = logged.stderr_tail  # type: ignore[attr-defined]
    assert "ModuleNotFoundError: No module named 'anthropic'" in tail and "[redacted]" in tail
    for text in (out, caplog.text, tail):
        assert KEY not in text and "s3cret" not in text
    # And it is counted (the alarm's metric), and the video failed at "engine_start" with a refund
    assert len(emitted(out)[metrics.ENGINE_START_FAILURES]) == 1
    (failed,) = emitted(out)[metrics.VIDEOS_FAILED]
    assert failed["failed_step"] == "engine_start"
    assert len(emitted(out)[metrics.CREDITS_REFUNDED]) == 1
    assert ledger.get_user_credits("user-1") == 3


def test_given_a_cli_that_cannot_be_started_then_it_is_counted(
    message, sqs_event, context, monkeypatch, capsys
):
    # Given a CLI_COMMAND that does not exist (a layer not attached)
    monkeypatch.setenv("CLI_COMMAND", "/opt/bin/no-such-cli")
    config.reset()
    # When a video is processed
    process(sqs_event(message, receive_count=3), context)
    # Then the failure to start is counted
    assert len(emitted(capsys.readouterr().out)[metrics.ENGINE_START_FAILURES]) == 1


@pytest.mark.parametrize(("scenario", "counted"), [("killed_at_start", True), ("silent_exit", False)])
def test_given_an_engine_that_prints_nothing_then_it_did_not_start_unless_it_exited_0(
    message, sqs_event, context, use_cli, capsys, scenario, counted
):
    # Mutants: `result.exit_code != 0` made `> 0` (a CLI killed at import, exit -9, not counted) or
    # `!= -1` (a CLI that exits 0 without a word counted as not starting)
    use_cli(scenario)
    process(sqs_event(message, receive_count=3), context)
    assert (metrics.ENGINE_START_FAILURES in emitted(capsys.readouterr().out)) is counted


@pytest.mark.parametrize("scenario", ["permanent", "garbage", "success"])
def test_given_an_engine_that_started_then_no_start_failure_is_counted(
    message, sqs_event, context, use_cli, capsys, scenario
):
    use_cli(scenario)
    process(sqs_event(message, receive_count=3), context)
    out = capsys.readouterr().out
    assert metrics.ENGINE_START_FAILURES not in emitted(out)
    assert "the notes engine did not start" not in out


def test_given_a_completed_video_then_completion_seconds_and_tokens_are_measured(
    message, sqs_event, context, use_cli, capsys
):
    use_cli("success")
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    found = emitted(capsys.readouterr().out)
    assert len(found[metrics.VIDEOS_COMPLETED]) == 1
    (seconds,) = found[metrics.PROCESSING_SECONDS]
    assert 0 < seconds[metrics.PROCESSING_SECONDS][0] < 20
    assert seconds["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] == "Seconds"
    assert found[metrics.LLM_INPUT_TOKENS][0][metrics.LLM_INPUT_TOKENS] == [100]
    assert metrics.LLM_OUTPUT_TOKENS in found and metrics.VIDEOS_FAILED not in found


def test_given_a_video_that_took_a_known_time_then_its_seconds_are_recorded_to_the_millisecond(
    message, sqs_event, context, use_cli, capsys, monkeypatch
):
    # Given a worker on a machine booted 100 s before the claim (Lambda's clock starts with its
    # micro-VM), done 151.2346 s later (mutants: `round(seconds, 3)` made `round(seconds, 2)`, and
    # `monotonic() - started` made `%`: the same while a run is shorter than the uptime)
    from shared import processing

    readings = iter([100.0, 251.2346])
    monkeypatch.setattr(processing, "time", types.SimpleNamespace(monotonic=lambda: next(readings)))
    use_cli("success")
    assert process(sqs_event(message), context) == {"batchItemFailures": []}
    (seconds,) = emitted(capsys.readouterr().out)[metrics.PROCESSING_SECONDS]
    assert seconds[metrics.PROCESSING_SECONDS] == [pytest.approx(151.235, abs=1e-9)]


@pytest.mark.parametrize(
    ("scenario", "step"), [("permanent", "fetching_transcript"), ("hang", "timeout"), ("blocked", None)]
)
def test_given_a_failed_video_then_it_is_counted_by_the_step_that_failed(
    message, sqs_event, context, use_cli, capsys, scenario, step
):
    use_cli(scenario, timeout=2)
    process(sqs_event(message, receive_count=3), context)
    found = emitted(capsys.readouterr().out)
    (failed,) = found[metrics.VIDEOS_FAILED]
    if step:
        assert failed["failed_step"] == step
    assert (metrics.TRANSCRIPTS_REFUSED in found) == (scenario == "blocked")


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("key=abcd1234 ok", ["abcd1234"], "key=[redacted] ok"),
        ("sk-ant-api03-xyz and sk_live_abc123 and whsec_q9", [], "[redacted] and [redacted] and [redacted]"),
        ("via https://bob:hunter2@p.webshare.io:80/", [], "via https://[redacted]@p.webshare.io:80/"),
        ("nothing secret here", ["", "ab"], "nothing secret here"),
    ],
)
def test_given_text_with_secrets_then_redact_leaves_none(text, secrets, expected):
    assert redact(text, secrets) == expected


# --- YouTube through a proxy --------------------------------------------------------------------


def test_given_proxy_settings_as_secret_references_then_the_cli_gets_the_values(monkeypatch):
    # Given the template's proxy settings: Secrets Manager references
    import boto3
    from shared.processing import _cli_env

    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="ytsb/proxy", SecretString="http://u:p@proxy.example:8080")
    secrets.create_secret(Name="ytsb/webshare-user", SecretString="ws-user")
    secrets.create_secret(Name="ytsb/webshare-password", SecretString="ws-password")
    monkeypatch.setenv("YTSB_PROXY_URL", "secretsmanager:ytsb/proxy")
    monkeypatch.setenv("YTSB_WEBSHARE_USERNAME", "secretsmanager:ytsb/webshare-user")
    monkeypatch.setenv("YTSB_WEBSHARE_PASSWORD", "secretsmanager:ytsb/webshare-password")
    config.reset()
    # When the CLI's environment is built
    env = _cli_env()
    # Then the CLI gets the values, not the references
    assert env["YTSB_PROXY_URL"] == "http://u:p@proxy.example:8080"
    assert (env["YTSB_WEBSHARE_USERNAME"], env["YTSB_WEBSHARE_PASSWORD"]) == ("ws-user", "ws-password")


def test_given_a_submit_and_a_purchase_then_submitted_spent_and_purchased_are_counted(
    api_event, invoke, sign, capsys
):
    from stripe_webhook.handler import lambda_handler as webhook
    from submit_video.handler import lambda_handler as submit

    # When a student submits a video
    status, _ = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/Xq3b7LmR9tA"}))
    assert status == 201
    # And Stripe reports a payment of the standard package
    intent = {
        "id": "pi_metrics", "object": "payment_intent", "amount": 1999, "amount_received": 1999,
        "currency": "usd", "metadata": {"user_id": "user-1", "package": "standard", "credits": "25"},
    }  # fmt: skip
    payload = json.dumps({"id": "evt_m", "type": "payment_intent.succeeded", "data": {"object": intent}})
    headers = {"Stripe-Signature": sign(payload)}
    delivery = api_event("POST", "/webhooks/stripe", user=None, body=payload, headers=headers)
    assert invoke(webhook, delivery)[0] == 200
    # Then one video submitted, one credit spent, and 25 credits purchased are on the operator's dashboard
    found = emitted(capsys.readouterr().out)
    assert [r[metrics.VIDEOS_SUBMITTED] for r in found[metrics.VIDEOS_SUBMITTED]] == [[1.0]]
    assert [r[metrics.CREDITS_SPENT] for r in found[metrics.CREDITS_SPENT]] == [[1.0]]
    assert [r[metrics.CREDITS_PURCHASED] for r in found[metrics.CREDITS_PURCHASED]] == [[25.0]]
