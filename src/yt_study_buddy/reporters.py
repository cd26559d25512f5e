"""How the CLI shows progress: protocol lines on stdout, or a rich progress bar for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from yt_study_buddy import progress
from yt_study_buddy.progress import ExitCode, ProgressEvent

if TYPE_CHECKING:
    from yt_study_buddy.pipeline import Outcome


class Reporter(Protocol):
    def begin(self, target: str) -> None: ...
    def emit(self, event: ProgressEvent) -> None: ...
    def finish(
        self, target: str, code: ExitCode, error: str | None, outcome: Outcome | None = None
    ) -> None: ...
    def close(self) -> None: ...


class JsonReporter:
    """``--format json-progress``: every event, one JSON object per line, flushed at once."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def begin(self, target: str) -> None:
        pass

    def emit(self, event: ProgressEvent) -> None:
        progress.write_event(event, self.stream)

    def finish(self, target: str, code: ExitCode, error: str | None, outcome: Outcome | None = None) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class _Result:
    target: str
    code: ExitCode
    error: str | None
    outcome: Outcome | None


class HumanReporter:
    """A progress bar per video on stderr; a summary of every video on ``stream`` at the end."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream, soft_wrap=True)
        self.progress = Progress(
            TextColumn("[bold]{task.fields[target]}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=False,
        )
        self.results: list[_Result] = []
        self.task: int | None = None
        self.progress.start()

    def begin(self, target: str) -> None:
        self.task = self.progress.add_task("Starting", total=100, target=target[:40])

    def emit(self, event: ProgressEvent) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=event.progress, description=event.message)

    def finish(self, target: str, code: ExitCode, error: str | None, outcome: Outcome | None = None) -> None:
        self.results.append(_Result(target, code, error, outcome))

    def close(self) -> None:
        self.progress.stop()
        done = sum(1 for r in self.results if r.code is ExitCode.OK)
        self.console.print(f"\n[bold]{done} of {len(self.results)} notes written[/bold]")
        for result in self.results:
            outcome = result.outcome
            if result.code is ExitCode.OK and outcome is not None:
                usage = outcome.usage
                tokens = (
                    f", {usage.input_tokens} in / {usage.output_tokens} out tokens" if usage.calls else ""
                )
                self.console.print(
                    f"[green]ok[/green]   {outcome.title} -> {outcome.path}{tokens}", highlight=False
                )
            else:
                kind = {ExitCode.TRANSIENT: "retry later", ExitCode.USAGE: "invalid"}.get(
                    result.code, "failed"
                )
                self.console.print(f"[red]{kind}[/red] {result.target}: {result.error}", highlight=False)
