"""The local stack as a child process (``python -m ytsb_local``): for the e2e tests and the benchmarks.

It runs on free ports with its own state directory and offline notes, and is stopped like Ctrl-C
(SIGTERM; its whole process group is killed if it does not stop within 20 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ytsb_local.waiting import wait_for

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90
STOP_TIMEOUT = 20


def child_env(state_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment, on free ports, state in ``state_dir``, fast local retries, no real keys."""
    env = {
        **os.environ, "YTSB_PORT": "0", "YTSB_AWS_PORT": "0", "YTSB_STRIPE_PORT": "0",
        "YTSB_STATE_DIR": str(state_dir), "YTSB_RETRY_DELAY": "1",
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", **(extra or {}),
    }  # fmt: skip
    for name in ("ANTHROPIC_API_KEY", "CLAUDE_API_KEY", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(name, None)  # offline notes, and the stack's own endpoints
    return env


class ChildStack:
    """One ``python -m ytsb_local`` child; ``info`` is its local.json once ``start`` returns."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.state_dir = Path(env["YTSB_STATE_DIR"])
        self.info: dict[str, Any] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self) -> dict[str, Any]:
        self._log = (self.state_dir / "stack.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "ytsb_local"], cwd=ROOT, env=self.env, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        state_file = self.state_dir / "local.json"
        try:
            wait_for(
                lambda: state_file.exists() or self.exit_code is not None, START_TIMEOUT, what="local.json"
            )
            if self.exit_code is not None:
                raise RuntimeError(f"the stack exited:\n{self.log_tail()}")
            self.info = json.loads(state_file.read_text())
        except BaseException:
            self.stop()
            raise
        return self.info

    @property
    def exit_code(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def log_tail(self, chars: int = 3000) -> str:
        path = self.state_dir / "stack.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> float:
        """Stops the child (if running) and returns the seconds it took."""
        began = time.perf_counter()
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"the stack did not stop within {STOP_TIMEOUT} s; killing it", file=sys.stderr)
                os.killpg(self._process.pid, signal.SIGKILL)  # the group start_new_session created
                self._process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        return time.perf_counter() - began


@contextmanager
def child_stack(env: dict[str, str]) -> Iterator[ChildStack]:
    """A started ``ChildStack`` for the duration of the block."""
    stack = ChildStack(env)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
