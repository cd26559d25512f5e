"""Run the notes CLI as a subprocess and stream its json-progress events, with a hard timeout."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from yt_study_buddy.progress import ProgressEvent, parse_line


@dataclass
class CliResult:
    exit_code: int | None
    timed_out: bool
    events: list[ProgressEvent] = field(default_factory=list)

    @property
    def terminal(self) -> ProgressEvent | None:
        """The last completed/error event, if the CLI got that far."""
        return next((event for event in reversed(self.events) if event.is_terminal), None)


def run_cli(
    command: str,
    args: list[str],
    *,
    env: dict[str, str],
    cwd: str,
    timeout: float,
    on_event: Callable[[ProgressEvent], None],
) -> CliResult:
    """Start ``command args``, call ``on_event`` per parsed line, kill the process group at ``timeout``.

    Reading happens on a thread so the timeout holds even when the process prints nothing.
    stderr goes to /dev/null: the protocol is on stdout, and the CLI's logs may be large.
    """
    process = subprocess.Popen(
        [*shlex.split(command), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        start_new_session=True,  # its own process group: a timeout kills the children too
    )
    result = CliResult(exit_code=None, timed_out=False)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            event = parse_line(line)
            if event is not None:
                result.events.append(event)
                on_event(event)

    reader = threading.Thread(target=read, name="cli-reader", daemon=True)
    reader.start()
    try:
        result.exit_code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        result.timed_out = True
        _kill(process)
    reader.join(timeout=10)
    return result


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
