"""The providers against fake HTTP APIs on loopback: the real SDK, real retries, real error mapping."""

from __future__ import annotations

import pytest

from tests.fakes.anthropic_server import FakeAnthropicServer
from yt_study_buddy.errors import ConfigurationError, ProviderError
from yt_study_buddy.providers import create_provider, default_provider_name


def test_given_a_key_when_claude_completes_then_text_and_usage_come_from_the_api(
    claude_env: FakeAnthropicServer,
) -> None:
    provider = create_provider("claude", model="claude-test-model")

    completion = provider.complete("be brief", "notes for [0:00] hello", 500)

    (request,) = claude_env.requests
    assert request.path == "/v1/messages"
    assert request.api_key == "sk-ant-test"
    assert request.body["model"] == "claude-test-model"
    assert request.body["max_tokens"] == 500
    assert request.body["system"] == "be brief"
    assert completion.text.startswith("# Fake notes")
    assert (completion.input_tokens, completion.output_tokens) == (
        request.input_tokens,
        request.output_tokens,
    )
    assert completion.input_tokens > 0


def test_given_only_claude_api_key_when_creating_claude_then_that_key_is_sent(
    claude_env: FakeAnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("CLAUDE_API_KEY", "sk-claude-alt")

    create_provider("claude").complete("s", "p", 10)

    assert claude_env.requests[0].api_key == "sk-claude-alt"
    assert default_provider_name() == "claude"


def test_given_a_429_then_success_when_completing_then_the_sdk_retries_and_succeeds(
    claude_env: FakeAnthropicServer,
) -> None:
    claude_env.fail(429)

    completion = create_provider("claude", max_retries=2).complete("s", "p", 10)

    assert [r.status for r in claude_env.requests] == [429, 200]
    assert completion.text


def test_given_529_overloaded_on_every_try_when_completing_then_a_retryable_error_after_all_retries(
    claude_env: FakeAnthropicServer,
) -> None:
    claude_env.fail(529, times=10)

    with pytest.raises(ProviderError) as caught:
        create_provider("claude", max_retries=2).complete("s", "p", 10)

    assert caught.value.retryable is True
    assert "overloaded" in caught.value.message
    assert [r.status for r in claude_env.requests] == [529, 529, 529]


@pytest.mark.parametrize("status", [400, 401, 404])
def test_given_a_client_error_when_completing_then_a_permanent_error_without_retry(
    claude_env: FakeAnthropicServer, status: int
) -> None:
    claude_env.fail(status)

    with pytest.raises(ProviderError) as caught:
        create_provider("claude", max_retries=3).complete("s", "p", 10)

    assert caught.value.retryable is False
    assert len(claude_env.requests) == 1


def test_given_nothing_listening_when_completing_then_a_retryable_connection_error(
    claude_env: FakeAnthropicServer, closed_port: int
) -> None:
    provider = create_provider("claude", base_url=f"http://127.0.0.1:{closed_port}", max_retries=0)

    with pytest.raises(ProviderError) as caught:
        provider.complete("s", "p", 10)

    assert caught.value.retryable is True


def test_given_no_key_when_creating_claude_then_a_configuration_error_and_offline_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("ANTHROPIC_API_KEY", "CLAUDE_API_KEY", "YTSB_PROVIDER"):
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ConfigurationError):
        create_provider("claude")
    assert default_provider_name() == "offline"


def test_given_an_unknown_option_or_provider_when_creating_then_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="temperatur"):
        create_provider("offline", temperatur=0.2)
    with pytest.raises(ConfigurationError, match="Unknown provider"):
        create_provider("gpt-17")


def test_given_an_openai_compatible_server_when_completing_then_chat_completions_is_used(
    fake_anthropic: FakeAnthropicServer,
) -> None:
    fake_anthropic.fail(500)
    provider = create_provider(
        "openai", base_url=f"{fake_anthropic.url}/v1", model="llama3", backoff_seconds=0
    )

    completion = provider.complete("system text", "user text", 50)

    assert [r.status for r in fake_anthropic.requests] == [500, 200]
    body = fake_anthropic.requests[-1].body
    assert fake_anthropic.requests[-1].path == "/v1/chat/completions"
    assert body["messages"][0] == {"role": "system", "content": "system text"}
    assert completion.input_tokens > 0 and completion.text.startswith("# Fake notes")


def test_given_an_openai_server_that_rejects_when_completing_then_a_permanent_error(
    fake_anthropic: FakeAnthropicServer,
) -> None:
    fake_anthropic.fail(400)
    provider = create_provider("openai", base_url=f"{fake_anthropic.url}/v1", backoff_seconds=0)

    with pytest.raises(ProviderError) as caught:
        provider.complete("s", "p", 10)

    assert caught.value.retryable is False and len(fake_anthropic.requests) == 1


def test_given_aws_credentials_when_bedrock_completes_then_invoke_model_is_signed_and_answered(
    fake_anthropic: FakeAnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    provider = create_provider(
        "bedrock", region="eu-west-1", base_url=fake_anthropic.url, model="anthropic.test"
    )

    completion = provider.complete("system text", "user text", 20)

    (request,) = fake_anthropic.requests
    assert request.path == "/model/anthropic.test/invoke"
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/bedrock/" in request.headers["authorization"]
    assert request.body["system"] == "system text" and completion.input_tokens == request.input_tokens
