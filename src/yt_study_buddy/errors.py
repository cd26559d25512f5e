"""Engine failures, each classified so the CLI can pick its exit code and process_video can
decide between an SQS retry and a refund."""

from __future__ import annotations

#: Machine-readable reasons (the ``reason`` of the progress protocol's ``error`` event), for a reader
#: that offers a way out: a page can offer to upload the video's captions for either.
YOUTUBE_BLOCKED = "youtube_blocked"  # YouTube refused this machine (IP block, bot check, rate limit)
NO_TRANSCRIPT = "no_transcript"  # the video has no captions, or they are turned off or empty


class StudyBuddyError(Exception):
    """Base class. ``message`` is shown to users: plain words, no internals."""

    retryable: bool = False
    reason: str | None = None

    def __init__(self, message: str, *, retryable: bool | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable
        if reason is not None:
            self.reason = reason


class TranscriptError(StudyBuddyError):
    """No transcript could be had: private, removed, age-restricted, no captions (permanent);
    network, blocked by YouTube, rate limited (transient)."""


class ProviderError(StudyBuddyError):
    """The LLM provider failed: bad request or auth (permanent); 429, 5xx, overloaded (transient)."""


class ConfigurationError(StudyBuddyError):
    """A missing key or an unknown provider/model option: the user must change something."""
