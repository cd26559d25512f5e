"""From a video ID to a note file, reporting progress events on the way.

One request produces notes and assessment together whenever the normalised transcript fits
``budget_tokens``: the transcript is sent once. A longer one is split (text.split, on
chapters or time), the parts are summarised in parallel by a bounded thread pool, and one
merge request, which gets the parts' notes and not the transcript, writes the final note
with its assessment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from yt_study_buddy import note as note_file
from yt_study_buddy import progress, prompts, sanitize
from yt_study_buddy.errors import ConfigurationError, ProviderError, StudyBuddyError
from yt_study_buddy.models import GeneratedNote, TokenUsage, Transcript
from yt_study_buddy.progress import ExitCode, ProgressEvent, Step
from yt_study_buddy.providers import Completion, Provider
from yt_study_buddy.text import Part, normalise, render, split

log = logging.getLogger(__name__)

#: Transcript tokens per request. A whole transcript up to this size (about 80 minutes of
#: speech) goes in one request; beyond it, parts run in parallel, which keeps each answer
#: detailed and a 3-hour lecture well inside Lambda's 15 minutes.
DEFAULT_BUDGET_TOKENS = 20_000
DEFAULT_MAX_WORKERS = 4
SINGLE_MAX_TOKENS = 8_000
PART_MAX_TOKENS = 3_000
MERGE_MAX_TOKENS = 8_000

Emit = Callable[[ProgressEvent], None]
FetchTranscript = Callable[[str], Transcript]


def _event(step: Step, percent: float, message: str) -> ProgressEvent:
    return ProgressEvent(step, int(percent), message)


@dataclass
class Outcome:
    """What happened to one video; ``exit_code`` feeds the CLI's worst-of exit code."""

    video_id: str
    exit_code: ExitCode
    path: Path | None = None
    title: str | None = None
    duration_seconds: float = 0.0
    usage: TokenUsage = field(default_factory=TokenUsage)
    error: str | None = None


def title_of(transcript: Transcript) -> str | None:
    return transcript.metadata.title if transcript.metadata and transcript.metadata.title else None


def generate(
    transcript: Transcript,
    provider: Provider,
    *,
    assessment: bool = True,
    subject: str | None = None,
    budget_tokens: int = DEFAULT_BUDGET_TOKENS,
    max_workers: int = DEFAULT_MAX_WORKERS,
    emit: Emit = lambda event: None,
) -> GeneratedNote:
    """The note body for ``transcript``; emits generating_notes/generating_assessment events."""
    title = title_of(transcript)
    if provider.name == "offline":
        from yt_study_buddy import offline

        emit(_event(Step.GENERATING_NOTES, 20, "Extracting key points offline (no AI model)"))
        generated = offline.generate(
            transcript,
            title=title or f"YouTube video {transcript.video_id}",
            assessment=assessment,
            subject=subject,
        )
        if assessment:
            emit(_event(Step.GENERATING_ASSESSMENT, 75, "Recall questions built from the transcript"))
        return generated
    usage = TokenUsage()

    def call(prompt: str, max_tokens: int) -> Completion:
        completion = provider.complete(prompts.SYSTEM, prompt, max_tokens)
        usage.add(TokenUsage(completion.input_tokens, completion.output_tokens, 1))
        if not completion.text.strip():
            raise ProviderError(f"{provider.name} returned an empty answer; try again.", retryable=True)
        return completion

    blocks = normalise(transcript.segments)
    chapters = transcript.metadata.chapters if transcript.metadata else ()
    parts = split(blocks, budget_tokens, chapters)
    if len(parts) <= 1:
        what = "study notes and assessment" if assessment else "study notes"
        emit(_event(Step.GENERATING_NOTES, 20, f"Writing {what} ({provider.name}, one request)"))
        text = call(
            prompts.single(title, render(blocks), assessment=assessment, subject=subject), SINGLE_MAX_TOKENS
        ).text
        if assessment:
            emit(_event(Step.GENERATING_ASSESSMENT, 80, "Assessment written with the notes"))
    else:
        part_notes = _generate_parts(parts, title, subject, call, max_workers, emit)
        step, message = (
            (Step.GENERATING_ASSESSMENT, f"Merging {len(parts)} parts and writing the assessment")
            if assessment
            else (Step.GENERATING_NOTES, f"Merging {len(parts)} parts into one note")
        )
        emit(_event(step, 75, message))
        text = call(
            prompts.merge(title, part_notes, assessment=assessment, subject=subject), MERGE_MAX_TOKENS
        ).text
    heading, _ = note_file.split_title(text)
    # The model's heading is model output: one clean line, as a title from YouTube is.
    final_title = title or sanitize.line(heading) or f"YouTube video {transcript.video_id}"
    return GeneratedNote(final_title, text, provider.name, provider.model, usage)


def _generate_parts(
    parts: list[Part],
    title: str | None,
    subject: str | None,
    call: Callable[[str, int], Completion],
    max_workers: int,
    emit: Emit,
) -> list[str]:
    """The parts' notes in order; the first failure cancels the parts not yet started."""
    count = len(parts)
    emit(_event(Step.GENERATING_NOTES, 20, f"Long video: writing notes for {count} parts in parallel"))
    results: list[str] = [""] * count
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, count))) as pool:
        futures = {
            pool.submit(
                call, prompts.part(title, piece, count, subject=subject), PART_MAX_TOKENS
            ): piece.index
            for piece in parts
        }
        try:
            for done, future in enumerate(as_completed(futures), 1):
                results[futures[future]] = future.result().text
                emit(
                    _event(
                        Step.GENERATING_NOTES,
                        20 + 50 * done / count,
                        f"Notes for part {done} of {count} ready",
                    )
                )
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return results


_DOING = {
    Step.STARTING: "starting",
    Step.FETCHING_TRANSCRIPT: "getting the transcript",
    Step.GENERATING_NOTES: "writing the notes",
    Step.GENERATING_ASSESSMENT: "writing the assessment",
    Step.WRITING_FILES: "saving the note",
}


def failure_message(exc: Exception, step: Step) -> str:
    """What a user reads about a failure nobody foresaw: no exception names, no internals."""
    if isinstance(exc, OSError) and exc.strerror and step is Step.WRITING_FILES:
        return f"The note could not be saved: {exc.strerror}."
    doing = _DOING.get(step, "making the notes")
    return f"Something went wrong while {doing}. The details are in the log; please report it if it recurs."


def exit_code_for(error: StudyBuddyError) -> ExitCode:
    if isinstance(error, ConfigurationError):
        return ExitCode.USAGE
    return ExitCode.TRANSIENT if error.retryable else ExitCode.PERMANENT


def run(
    video_id: str,
    provider: Provider,
    fetch: FetchTranscript,
    base_dir: Path,
    emit: Emit,
    *,
    assessment: bool = True,
    subject: str | None = None,
    budget_tokens: int = DEFAULT_BUDGET_TOKENS,
    max_workers: int = DEFAULT_MAX_WORKERS,
) -> Outcome:
    """One video end to end. Never raises: failures become an ``error`` event and an Outcome."""
    step = Step.STARTING
    last = 0

    def report(event: ProgressEvent) -> None:
        nonlocal step, last
        step, last = event.step, max(last, event.progress)
        emit(ProgressEvent(event.step, last, event.message, event.extra))

    try:
        report(_event(Step.STARTING, 0, f"Starting {video_id}"))
        report(_event(Step.FETCHING_TRANSCRIPT, 5, "Fetching the transcript"))
        transcript = fetch(video_id)
        generated = generate(
            transcript,
            provider,
            assessment=assessment,
            subject=subject,
            budget_tokens=budget_tokens,
            max_workers=max_workers,
            emit=report,
        )
        report(_event(Step.WRITING_FILES, 90, "Writing the note"))
        path = note_file.write(generated, transcript, base_dir)
    except StudyBuddyError as exc:
        emit(
            progress.error(
                message=exc.message,
                failed_step=step,
                retryable=exc.retryable,
                progress=last,
                reason=exc.reason,
            )
        )
        return Outcome(video_id, exit_code_for(exc), error=exc.message)
    except Exception as exc:  # a bug or an OS error: the details to the log, plain words to the user
        log.exception("Unexpected failure for %s", video_id)
        message = failure_message(exc, step)
        emit(progress.error(message=message, failed_step=step, retryable=False, progress=last))
        return Outcome(video_id, ExitCode.PERMANENT, error=message)
    duration = transcript.duration_seconds
    emit(
        progress.completed(
            output_path=str(path),
            video_id=video_id,
            video_title=generated.title,
            duration_seconds=duration,
            input_tokens=generated.usage.input_tokens,
            output_tokens=generated.usage.output_tokens,
        )
    )
    return Outcome(video_id, ExitCode.OK, path, generated.title, duration, generated.usage)
