"""EventBridge schedules, emulated: invoke a function with a "Scheduled Event" every N seconds.

The template's ``rate(...)`` sets N; ``YTSB_SCHEDULE_SECONDS`` overrides it locally (to watch the
sweep work without waiting ten minutes). Like EventBridge, a failed invocation does not stop the
schedule: the next tick comes anyway.
"""

from __future__ import annotations

import sys
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

from ytsb_local.invoke import BackgroundLoop, LocalFunction

ACCOUNT = "123456789012"


def scheduled_event(rule: str, region: str) -> dict[str, Any]:
    """The event EventBridge sends for a scheduled rule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


class Scheduler(BackgroundLoop):
    """One thread invoking one function on one schedule (the first tick after one interval)."""

    def __init__(self, function: LocalFunction, *, rule: str, seconds: float) -> None:
        super().__init__(f"schedule-{rule}")
        self.function = function
        self.rule = rule
        self.seconds = seconds

    def run(self) -> None:
        while not self.stopping.wait(self.seconds):
            self.tick()

    def tick(self) -> Any:
        """One invocation; what it returned, or None if it raised."""
        try:
            return self.function.invoke(scheduled_event(self.rule, self.function.region))
        except Exception:  # noqa: BLE001 - the schedule survives a failed invocation, like EventBridge
            traceback.print_exc(file=sys.stderr)
            return None
