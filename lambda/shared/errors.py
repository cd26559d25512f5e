"""Domain exceptions and the ONE map from an exception to an HTTP status and a safe body."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error whose ``message`` and ``details`` are safe to show to the caller."""

    status_code = 500

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401


class InsufficientCredits(AppError):
    status_code = 402

    def __init__(self, required: int, available: int) -> None:
        super().__init__("Insufficient credits", {"required": required, "available": available})


class NotFound(AppError):
    status_code = 404


class MethodNotAllowed(AppError):
    status_code = 405


class Conflict(AppError):
    """The resource is in a state that does not allow this (e.g. deleting a video still processing)."""

    status_code = 409


class TooManyRequests(AppError):
    """A per-user limit: 429, and ``Retry-After`` (seconds) both as a header and in ``details``."""

    status_code = 429

    def __init__(self, message: str, retry_after: int, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, {**(details or {}), "retry_after": retry_after})
        self.retry_after = retry_after


class DependencyUnavailable(AppError):
    status_code = 503

    def __init__(self, message: str = "A service we depend on is unavailable; please retry later") -> None:
        super().__init__(message)


class RetryLater(Exception):
    """process_video: leave the SQS message for a later attempt (a batch item failure)."""


def http_error(exc: BaseException) -> tuple[int, str, dict[str, Any]]:
    """(status, message, details) for any exception; never internal exception text."""
    if isinstance(exc, AppError):
        return exc.status_code, exc.message, exc.details
    from botocore.exceptions import BotoCoreError, ClientError  # already loaded with boto3

    if isinstance(exc, BotoCoreError | ClientError):
        return DependencyUnavailable.status_code, DependencyUnavailable().message, {}
    return 500, "Internal server error", {}
