"""Claude through the ``anthropic`` SDK, directly or on Amazon Bedrock (one code path).

The SDK does the retrying: ``max_retries`` attempts with exponential backoff on 408/409/429,
5xx and 529 overloaded, honouring ``retry-after``. What is left after that is mapped to
ProviderError: retryable for rate limits, server errors and the network, permanent for a bad
request, a bad key or a missing model.
"""

from __future__ import annotations

import logging
import os

import anthropic

from yt_study_buddy.errors import ConfigurationError, ProviderError
from yt_study_buddy.providers import anthropic_api_key
from yt_study_buddy.providers.base import Completion, Provider, ProviderOptions

log = logging.getLogger(__name__)

DEFAULT_MODEL = "claude-sonnet-5"
DEFAULT_BEDROCK_MODEL = "anthropic.claude-sonnet-4-6"  # check the IDs enabled in your account
_PERMANENT_HINTS = {
    400: "The request was rejected by {name}",
    401: "The {name} API key is invalid",
    403: "The {name} API key is not allowed to use this model",
    404: "The model was not found at {name}; check --model",
}


class _AnthropicSdkOptions(ProviderOptions):
    """What both clients of the anthropic SDK take."""

    # None: the SDK's default (ANTHROPIC_BASE_URL or api.anthropic.com; Bedrock's regional endpoint).
    base_url: str | None = None
    max_retries: int = 4
    timeout: float = 600.0


class ClaudeOptions(_AnthropicSdkOptions):
    model: str = DEFAULT_MODEL
    api_key: str | None = None


class BedrockOptions(_AnthropicSdkOptions):
    model: str = DEFAULT_BEDROCK_MODEL
    region: str | None = None


class ClaudeProvider(Provider):
    name = "claude"
    Options = ClaudeOptions

    def __init__(self, options: ProviderOptions) -> None:
        super().__init__(options)
        self._client = self._make_client()

    def _make_client(self) -> anthropic.Anthropic:
        options = self.options
        assert isinstance(options, ClaudeOptions)
        key = options.api_key or anthropic_api_key()
        if not key:
            raise ConfigurationError(
                "No Claude API key: set ANTHROPIC_API_KEY (or CLAUDE_API_KEY), or use --provider offline."
            )
        return anthropic.Anthropic(
            api_key=key, base_url=options.base_url, max_retries=options.max_retries, timeout=options.timeout
        )

    def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        try:
            message = self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=system,
                messages=[{"role": "user", "content": prompt}],
            )
        except anthropic.APIStatusError as exc:
            raise _status_error(self.name, exc) from exc
        except anthropic.APIConnectionError as exc:  # includes timeouts
            raise ProviderError(f"Could not reach {self.name}: {exc.message}", retryable=True) from exc
        if message.stop_reason == "max_tokens":
            log.warning("The %s answer was cut at max_tokens=%d", self.name, max_tokens)
        text = "".join(block.text for block in message.content if block.type == "text")
        return Completion(text, message.usage.input_tokens, message.usage.output_tokens)


class BedrockProvider(ClaudeProvider):
    """Claude on Amazon Bedrock, for deployments that keep data inside AWS (AWS credentials)."""

    name = "bedrock"
    Options = BedrockOptions

    def _make_client(self) -> anthropic.Anthropic:  # type: ignore[override]
        options = self.options
        assert isinstance(options, BedrockOptions)
        region = options.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return anthropic.AnthropicBedrock(  # type: ignore[return-value]
            aws_region=region,
            base_url=options.base_url,
            max_retries=options.max_retries,
            timeout=options.timeout,
        )


def _status_error(name: str, exc: anthropic.APIStatusError) -> ProviderError:
    status = exc.status_code
    if status in _PERMANENT_HINTS:
        return ProviderError(f"{_PERMANENT_HINTS[status].format(name=name)} ({status}).", retryable=False)
    if status == 529:
        return ProviderError(f"{name} is overloaded right now; try again later.", retryable=True)
    if status == 429:
        return ProviderError(f"{name} rate limit reached; try again later.", retryable=True)
    if status >= 500 or status in (408, 409):
        return ProviderError(f"{name} had a temporary error ({status}); try again later.", retryable=True)
    return ProviderError(f"{name} refused the request ({status}).", retryable=False)
