"""The one interface every LLM provider implements (after simonw/llm's ``Model.execute``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from yt_study_buddy.errors import ConfigurationError


@dataclass(frozen=True)
class Completion:
    """One model answer and what it cost, as the provider reported it."""

    text: str
    input_tokens: int
    output_tokens: int


class ProviderOptions(BaseModel):
    """Base of the per-provider options: a typo in an option name is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str


class Provider(ABC):
    """An LLM that turns a system prompt and a user prompt into text."""

    name: ClassVar[str]
    Options: ClassVar[type[ProviderOptions]]

    def __init__(self, options: ProviderOptions) -> None:
        self.options = options

    @classmethod
    def from_options(cls, **values: Any) -> Provider:
        """Validate ``values`` against the provider's options model, None meaning "default"."""
        try:
            options = cls.Options(**{key: value for key, value in values.items() if value is not None})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"Invalid options for provider '{cls.name}': {problems}") from exc
        return cls(options)

    @property
    def model(self) -> str:
        return self.options.model

    @abstractmethod
    def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        """One request. Raises errors.ProviderError, ``retryable`` set for 429/5xx/network."""
