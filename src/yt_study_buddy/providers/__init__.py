"""LLM providers behind one interface, and a plain registry of them.

Providers are imported only when used: ``anthropic`` alone costs a noticeable part of a
second, and the offline generator needs none of them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from yt_study_buddy.errors import ConfigurationError
from yt_study_buddy.providers.base import Completion, Provider, ProviderOptions

__all__ = [
    "PROVIDERS",
    "Completion",
    "Provider",
    "ProviderOptions",
    "create_provider",
    "default_provider_name",
]

#: name -> "module:class"; the one place a provider is registered.
PROVIDERS: dict[str, str] = {
    "claude": "yt_study_buddy.providers.claude:ClaudeProvider",
    "bedrock": "yt_study_buddy.providers.claude:BedrockProvider",
    "openai": "yt_study_buddy.providers.openai_compat:OpenAIProvider",
    "offline": "yt_study_buddy.providers.offline:OfflineProvider",
}


def anthropic_api_key() -> str | None:
    """The Claude key: ``ANTHROPIC_API_KEY``, or ``CLAUDE_API_KEY`` as the specification names it."""
    return os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("CLAUDE_API_KEY") or None


def default_provider_name() -> str:
    """``YTSB_PROVIDER``, else ``claude`` when a key is configured, else ``offline``."""
    configured = os.environ.get("YTSB_PROVIDER", "").strip().lower()
    if configured:
        return configured
    return "claude" if anthropic_api_key() else "offline"


def provider_class(name: str) -> type[Provider]:
    target = PROVIDERS.get(name)
    if target is None:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigurationError(f"Unknown provider '{name}'. Choose one of: {known}.")
    module_name, class_name = target.split(":")
    provider: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return provider


def create_provider(name: str, **options: Any) -> Provider:
    """The provider ``name`` configured with ``options`` (None values mean "use the default")."""
    return provider_class(name).from_options(**options)
