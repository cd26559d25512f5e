"""``youtube-study-buddy``: YouTube links in, one markdown study note per video out.

Two output formats: ``human`` (a rich progress bar on stderr, a summary on stdout) and
``json-progress`` (exactly one protocol event per line on stdout, nothing else; see
docs/progress-protocol.md). Heavy modules (the SDKs, the transcript sources) are imported
only once a video is processed, so ``--help`` and usage errors are instant.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from yt_study_buddy import progress
from yt_study_buddy.progress import ExitCode, Step
from yt_study_buddy.reporters import HumanReporter, JsonReporter, Reporter
from yt_study_buddy.urls import InvalidYouTubeURL, extract_video_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from yt_study_buddy.models import Transcript

app = typer.Typer(add_completion=False, no_args_is_help=False, pretty_exceptions_enable=False)
log = logging.getLogger("yt_study_buddy")


class OutputFormat(StrEnum):
    HUMAN = "human"
    JSON_PROGRESS = "json-progress"


class ProviderName(StrEnum):
    CLAUDE = "claude"
    BEDROCK = "bedrock"
    OPENAI = "openai"
    OFFLINE = "offline"


def read_url_file(path: Path) -> list[str]:
    """One URL per line; blank lines and ``#`` comments (whole-line or trailing) are skipped."""
    urls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split(" #", 1)[0].strip()
        if text and not text.startswith("#"):
            urls.append(text)
    return urls


@app.command(help="Turn YouTube videos into markdown study notes with assessment questions.")
def generate(
    urls: Annotated[list[str] | None, typer.Argument(help="YouTube URLs or 11-character video IDs.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", exists=True, dir_okay=False, help="A file of URLs, one per line."),
    ] = None,
    base_dir: Annotated[Path, typer.Option(help="Where the notes are written.")] = Path("notes"),
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.HUMAN,
    provider: Annotated[
        ProviderName | None,
        typer.Option(help="LLM provider (default: $YTSB_PROVIDER, else claude with a key, else offline)."),
    ] = None,
    model: Annotated[
        str | None, typer.Option(envvar="YTSB_MODEL", help="Model name for the provider.")
    ] = None,
    language: Annotated[str, typer.Option(help="Preferred transcript languages, e.g. en,de.")] = "en",
    transcript: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Use this transcript file instead of fetching."),
    ] = None,
    no_assessment: Annotated[
        bool, typer.Option("--no-assessment", help="Skip the assessment section.")
    ] = False,
    subject: Annotated[str | None, typer.Option(help="The subject, to steer vocabulary.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Base URL of the provider's API (openai, claude).")
    ] = None,
    chunk_tokens: Annotated[int, typer.Option(min=1000, help="Transcript tokens per request.")] = 20_000,
    parallel: Annotated[int, typer.Option(min=1, max=16, help="Parts generated at once.")] = 4,
    cards: Annotated[
        bool, typer.Option("--cards", help="Also write flashcards beside each note (Anki TSV).")
    ] = False,
) -> None:
    _configure_logging()
    try:
        targets = list(urls or []) + (read_url_file(file) if file else [])
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter("cannot read it as a UTF-8 text file of URLs", param_hint="--file") from exc
    if not targets:
        raise typer.BadParameter("give at least one URL, or --file", param_hint="URLS")
    if transcript is not None and len(targets) != 1:
        raise typer.BadParameter("--transcript needs exactly one URL", param_hint="--transcript")
    options: dict[str, str | None] = {"base_url": base_url} if base_url else {}
    request = _Request(
        provider.value if provider else None,
        options,
        model,
        languages_of(language),
        transcript,
        base_dir,
        cards,
        {
            "assessment": not no_assessment,
            "subject": subject,
            "budget_tokens": chunk_tokens,
            "max_workers": parallel,
        },
    )
    stream = sys.stdout
    if output_format is OutputFormat.JSON_PROGRESS:
        sys.stdout = sys.stderr  # whatever a library prints must not corrupt the protocol stream
    reporter = JsonReporter(stream) if output_format is OutputFormat.JSON_PROGRESS else HumanReporter(stream)
    try:
        worst = _run_all(targets, request, reporter)
    finally:
        sys.stdout = stream
    reporter.close()
    raise typer.Exit(int(worst))


def languages_of(text: str) -> tuple[str, ...]:
    """``"en, de"`` -> ``("en", "de")``; English when empty."""
    return tuple(code.strip() for code in text.split(",") if code.strip()) or ("en",)


@dataclass(frozen=True)
class _Request:
    """What the options ask for, once parsed."""

    provider: str | None
    options: dict[str, str | None]
    model: str | None
    languages: tuple[str, ...]
    transcript: Path | None
    base_dir: Path
    cards: bool
    settings: dict[str, Any]  # pipeline.run's keyword arguments


def _run_all(targets: list[str], request: _Request, reporter: Reporter) -> ExitCode:
    """Every target in turn, whatever happens to the others; the worst exit code."""
    from yt_study_buddy import pipeline, providers
    from yt_study_buddy.errors import StudyBuddyError

    name = request.provider or providers.default_provider_name()
    options = dict(request.options)
    if name != "offline":  # YTSB_MODEL names an LLM; the offline generator has one model
        options["model"] = request.model
    try:
        engine = providers.create_provider(name, **options)
    except StudyBuddyError as exc:
        for target in targets:
            reporter.begin(target)
            reporter.emit(
                progress.error(message=exc.message, failed_step=Step.STARTING, retryable=exc.retryable)
            )
            reporter.finish(target, pipeline.exit_code_for(exc), exc.message)
        return pipeline.exit_code_for(exc)
    fetch = _fetcher(request.languages, request.transcript)
    worst = ExitCode.OK
    for target in targets:
        reporter.begin(target)
        try:
            video_id = extract_video_id(target)
        except InvalidYouTubeURL as exc:
            message = f"Not a YouTube video URL ({target}): {exc}"
            reporter.emit(progress.error(message=message, failed_step=Step.STARTING, retryable=False))
            reporter.finish(target, ExitCode.USAGE, message)
            worst = max(worst, ExitCode.USAGE)
            continue
        outcome = pipeline.run(video_id, engine, fetch, request.base_dir, reporter.emit, **request.settings)
        if request.cards and outcome.path is not None:
            _write_cards(outcome.path)
        reporter.finish(target, outcome.exit_code, outcome.error, outcome)
        worst = max(worst, outcome.exit_code)
    return worst


def _write_cards(note_path: Path) -> None:
    """The flashcards beside the note; a failure to write them is logged, the note stands."""
    from yt_study_buddy.cards import write_cards

    try:
        write_cards(note_path)
    except (OSError, UnicodeError):
        log.warning("Could not write the flashcards beside %s", note_path, exc_info=True)


def _fetcher(languages: tuple[str, ...], transcript_file: Path | None) -> Callable[[str], Transcript]:
    """get_transcript with the CLI's settings: local files first, then YouTube through the proxy."""

    def fetch(video_id: str) -> Transcript:
        from yt_study_buddy.transcripts import get_transcript

        # YTSB_TRANSCRIPTS_DIR and the proxy variables are read there, when fetching.
        return get_transcript(video_id, languages=languages, transcript_file=transcript_file)

    return fetch


def _configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    """The console script ``youtube-study-buddy``."""
    app()
