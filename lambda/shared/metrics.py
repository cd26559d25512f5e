"""What an operator watches, as CloudWatch metrics: one EMF line in the log per data point.

EMF costs no API call and no latency; CloudWatch turns the line into a metric in the namespace of
POWERTOOLS_METRICS_NAMESPACE (template.yaml Globals), with the ``service`` dimension Powertools adds.
Powertools is imported on the first data point, so a function that records none does not pay for it.
"""

from __future__ import annotations

import os

from shared.log import logger

DEFAULT_NAMESPACE = "YouTubeStudyBuddy"

# The names, once: the template's alarms and dashboard use the same strings.
VIDEOS_SUBMITTED = "VideosSubmitted"
VIDEOS_COMPLETED = "VideosCompleted"
VIDEOS_FAILED = "VideosFailed"  # dimension failed_step: the engine's step, or why it ended
PROCESSING_SECONDS = "ProcessingSeconds"
LLM_INPUT_TOKENS = "LlmInputTokens"
LLM_OUTPUT_TOKENS = "LlmOutputTokens"
CREDITS_PURCHASED = "CreditsPurchased"
CREDITS_SPENT = "CreditsSpent"
CREDITS_REFUNDED = "CreditsRefunded"
TRANSCRIPTS_REFUSED = "TranscriptsRefusedByYouTube"
ENGINE_START_FAILURES = "EngineStartFailures"

COUNT, SECONDS = "Count", "Seconds"


def record(name: str, value: float = 1, unit: str = COUNT, **dimensions: str) -> None:
    """One data point; never raises (a metric must not fail the work it measures)."""
    try:
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
        with single_metric(
            name=name,
            unit=MetricUnit(unit),
            value=value,
            namespace=namespace,
            default_dimensions=dimensions or None,
        ):
            pass
    except Exception:  # noqa: BLE001
        logger.warning("metric not recorded", extra={"metric": name})
