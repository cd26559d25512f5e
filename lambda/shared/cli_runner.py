"""Run the notes CLI as a subprocess and stream its json-progress events, with a hard timeout."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from yt_study_buddy.progress import ProgressEvent, parse_line


@dataclass
class CliResult:
    exit_code: int | None
    timed_out: bool
    events: list[ProgressEvent] = field(default_factory=list)
    stderr_tail: str = ""  # the last lines of its stderr (a traceback when it dies), unredacted

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

    Reading happens on threads so the timeout holds even when the process prints nothing. Only the
    last lines of stderr are kept (the CLI's logs may be large): enough for the traceback of a CLI
    that dies at import.
    """
    process = subprocess.Popen(
        [*shlex.split(command), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
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

    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)

    def read_stderr() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            tail.append(raw[:STDERR_LINE_CHARS].decode("utf-8", "replace").rstrip())

    readers = [
        threading.Thread(target=read, name="cli-reader", daemon=True),
        threading.Thread(target=read_stderr, name="cli-stderr", daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        result.exit_code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        result.timed_out = True
        _kill(process)
    for reader in readers:
        reader.join(timeout=10)
    result.stderr_tail = "\n".join(tail)
    return result


STDERR_TAIL_LINES = 30
STDERR_LINE_CHARS = 500
# What a key, a signing secret or a proxy's credentials look like, in case one is printed unprompted.
_SECRET_PATTERNS = (
    re.compile(r"sk-ant-[A-Za-z0-9_-]+"),
    re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]+"),
    re.compile(r"\bwhsec_[A-Za-z0-9]+"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@ in a URL
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` fit for a log: every known secret value and anything shaped like a key replaced."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
