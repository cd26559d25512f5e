"""What the local event sources (the SQS poller, the schedule) share: invoking a function like Lambda
does, from a background thread that stops cleanly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ytsb_local.gateway import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class LocalFunction:
    """A function of the template: its handler (loaded on first use, like a cold start) and its settings."""

    name: str
    handler: Callable[[], Handler]
    timeout: int = 900
    memory: int = 1024
    region: str = "us-east-1"

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.name, self.memory, self.timeout, region=self.region)
        return self.handler()(event, context)


class BackgroundLoop:
    """A daemon thread running ``run`` until ``stop``; ``run`` checks ``self.stopping``."""

    def __init__(self, thread_name: str) -> None:
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.run, name=thread_name, daemon=True)

    def run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=10)
