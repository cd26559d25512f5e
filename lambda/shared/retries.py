"""process_video's retries back off: 30 s, 2 min, then 10 min, instead of the queue's 5,400 s.

A message reported in ``batchItemFailures`` stays invisible for the queue's visibility timeout, which
is sized for a function that dies mid-video (6x its timeout), not for "try again shortly". So the
function sets the message's visibility itself before reporting it; Lambda leaves it so.
"""

from __future__ import annotations

from shared.config import get_settings
from shared.dal import sqs
from shared.errors import RetryLater
from shared.log import logger

RETRY_DELAYS = (30, 120, 600)  # seconds after the 1st, 2nd, and every later failed receive
MAX_VISIBILITY = 43200  # SQS's own limit (12 h)


class LeaseHeld(RetryLater):
    """Another worker holds the video's lease: come back when it ends, not on the retry schedule
    (a duplicate message would otherwise use up its receives and land in the DLQ)."""

    def __init__(self, seconds_left: int) -> None:
        super().__init__("another worker holds a live lease")
        self.seconds_left = max(seconds_left, 0)


def retry_delay(receive_count: int, reason: BaseException | None = None) -> int:
    """Seconds before the message is visible again; the local stack caps it (RETRY_DELAY_MAX)."""
    if isinstance(reason, LeaseHeld):
        delay = reason.seconds_left + 1
    else:
        delay = RETRY_DELAYS[min(max(receive_count, 1), len(RETRY_DELAYS)) - 1]
    cap = get_settings().retry_delay_max
    return max(0, min(delay, MAX_VISIBILITY, cap if cap is not None else MAX_VISIBILITY))


def back_off(receipt_handle: str, receive_count: int, reason: BaseException | None = None) -> int:
    """Delay the message's next delivery; best effort (without it the retry still comes, only later)."""
    delay = retry_delay(receive_count, reason)
    try:
        sqs.change_visibility(get_settings().video_queue_url, receipt_handle, delay)
    except Exception as exc:  # noqa: BLE001 - e.g. the receipt expired: the visibility timeout still applies
        logger.warning("could not delay the retry", extra={"error": type(exc).__name__, "delay": delay})
    else:
        logger.info("retry scheduled", extra={"delay_seconds": delay, "attempt": receive_count})
    return delay
