"""The ``offline`` provider: no key, no network, no model. The pipeline sees it and runs the
extractive generator (yt_study_buddy.offline) instead of prompting."""

from __future__ import annotations

from yt_study_buddy.errors import ConfigurationError
from yt_study_buddy.providers.base import Completion, Provider, ProviderOptions


class OfflineOptions(ProviderOptions):
    model: str = "extractive-v1"


class OfflineProvider(Provider):
    name = "offline"
    Options = OfflineOptions

    def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        raise ConfigurationError(
            "The offline provider does not answer prompts; it extracts from the transcript."
        )
