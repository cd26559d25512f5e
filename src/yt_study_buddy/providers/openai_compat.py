"""Any OpenAI-compatible chat completions endpoint (OpenAI, a local Ollama, vLLM, ...) via httpx.

No ``openai`` package: one POST is all this needs. Retries: a few, with backoff, on 429/5xx
and connection errors, like the Anthropic SDK does.
"""

from __future__ import annotations

import os
import time

import httpx

from yt_study_buddy.errors import ProviderError
from yt_study_buddy.providers.base import Completion, Provider, ProviderOptions

DEFAULT_BASE_URL = "http://localhost:11434/v1"  # Ollama's OpenAI-compatible API


class OpenAIOptions(ProviderOptions):
    model: str = "llama3.1"
    base_url: str | None = None  # else OPENAI_BASE_URL, else Ollama on localhost
    api_key: str | None = None  # else OPENAI_API_KEY; a local server needs none
    max_retries: int = 3
    timeout: float = 600.0
    backoff_seconds: float = 0.5


class OpenAIProvider(Provider):
    name = "openai"
    Options = OpenAIOptions

    def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        options = self.options
        assert isinstance(options, OpenAIOptions)
        base_url = (options.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        key = options.api_key or os.environ.get("OPENAI_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        body = {
            "model": options.model,
            "max_tokens": max_tokens,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        }
        for attempt in range(options.max_retries + 1):
            last_try = attempt == options.max_retries
            try:
                response = httpx.post(
                    f"{base_url}/chat/completions", json=body, headers=headers, timeout=options.timeout
                )
            except httpx.HTTPError as exc:
                if last_try:
                    raise ProviderError(
                        f"Could not reach the model server at {base_url}. Try again later.", retryable=True
                    ) from exc
            else:
                status = response.status_code
                if status < 400:
                    return _completion(response)
                retryable = status in (408, 409, 429) or status >= 500
                if last_try or not retryable:
                    raise ProviderError(
                        f"The model server at {base_url} answered {status}.", retryable=retryable
                    )
            time.sleep(options.backoff_seconds * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _completion(response: httpx.Response) -> Completion:
    try:
        data = response.json()
        text = data["choices"][0]["message"]["content"] or ""
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError("The model server sent an answer that is not a chat completion.") from exc
    usage = data.get("usage") or {}
    return Completion(text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)))
