"""The pipeline: one request for a short video, parts + one merge for a long one, the events."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.fakes.anthropic_server import FakeAnthropicServer
from yt_study_buddy import pipeline
from yt_study_buddy.errors import ProviderError, TranscriptError
from yt_study_buddy.models import Transcript
from yt_study_buddy.note import front_matter
from yt_study_buddy.progress import ExitCode, ProgressEvent, Step
from yt_study_buddy.providers import Completion, Provider, ProviderOptions, create_provider
from yt_study_buddy.text import estimate_tokens, normalise, render

PROMPT_OVERHEAD_TOKENS = 600  # system prompt and instructions around the transcript


def run(transcript: Transcript, provider: Provider, base_dir: Path, **kwargs: object) -> tuple:
    events: list[ProgressEvent] = []
    outcome = pipeline.run(
        transcript.video_id, provider, lambda _id: transcript, base_dir, events.append, **kwargs
    )
    return outcome, events


def test_given_a_short_video_when_run_with_claude_then_one_request_carries_notes_and_assessment(
    claude_env: FakeAnthropicServer, lecture: Transcript, tmp_path: Path
) -> None:
    outcome, events = run(lecture, create_provider("claude"), tmp_path)

    (request,) = claude_env.requests
    transcript_text = render(normalise(lecture.segments))
    assert request.prompt.count(transcript_text) == 1
    assert "## Assessment" in request.prompt
    assert [e.step for e in events] == [
        Step.STARTING,
        Step.FETCHING_TRANSCRIPT,
        Step.GENERATING_NOTES,
        Step.GENERATING_ASSESSMENT,
        Step.WRITING_FILES,
        Step.COMPLETED,
    ]
    assert [e.progress for e in events] == sorted(e.progress for e in events)
    completed = events[-1].extra
    assert (
        completed["input_tokens"] == request.input_tokens
        and completed["output_tokens"] == request.output_tokens
    )
    assert outcome.exit_code is ExitCode.OK and outcome.usage.calls == 1
    fields = front_matter(outcome.path)
    assert fields["input_tokens"] == str(request.input_tokens) and fields["provider"] == '"claude"'
    assert "[0:00](https://youtu.be/dQw4w9WgXcQ?t=0)" in outcome.path.read_text()


def test_given_a_three_hour_video_when_generated_then_parts_plus_one_merge_and_the_transcript_is_sent_once(
    claude_env: FakeAnthropicServer, long_lecture: Transcript
) -> None:
    events: list[ProgressEvent] = []
    transcript_tokens = estimate_tokens(render(normalise(long_lecture.segments)))

    note = pipeline.generate(
        long_lecture, create_provider("claude"), budget_tokens=10_000, max_workers=3, emit=events.append
    )

    kinds = [r.kind for r in claude_env.requests]
    parts = [r for r in claude_env.requests if r.kind == "part"]
    (merge,) = [r for r in claude_env.requests if r.kind == "merge"]
    # at least ceil(tokens / budget) parts; more only where a part ends at a chapter start
    assert -(-transcript_tokens // 10_000) <= len(parts) <= len(long_lecture.metadata.chapters)
    assert kinds[-1] == "merge"
    assert all(r.input_tokens <= 10_000 + PROMPT_OVERHEAD_TOKENS for r in parts)
    sent = sum(r.input_tokens for r in parts)
    assert transcript_tokens <= sent <= transcript_tokens + len(parts) * PROMPT_OVERHEAD_TOKENS
    assert long_lecture.segments[100].text not in merge.prompt and merge.prompt.count("<part number=") == len(
        parts
    )
    assert "## Assessment" in merge.prompt and all("## Assessment" not in r.prompt for r in parts)
    assert note.usage.calls == len(parts) + 1
    assert note.usage.input_tokens == sent + merge.input_tokens
    progress = [e.progress for e in events if e.step is Step.GENERATING_NOTES]
    assert len(progress) == len(parts) + 1 and progress == sorted(progress) and progress[0] < progress[-1]
    assert events[-1].step is Step.GENERATING_ASSESSMENT


class _BarrierProvider(Provider):
    """Proves parallelism: the first two calls must be in flight together to pass the barrier."""

    name = "barrier"
    Options = ProviderOptions

    def __init__(self, workers: int) -> None:
        super().__init__(ProviderOptions(model="stub"))
        self.barrier = threading.Barrier(workers, timeout=10)
        self.active = self.peak = self.calls = 0
        self.lock = threading.Lock()

    def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        with self.lock:
            self.active += 1
            self.calls += 1
            first_two = self.calls <= 2
            self.peak = max(self.peak, self.active)
        if first_two:
            self.barrier.wait()
        with self.lock:
            self.active -= 1
        return Completion("# Part\n## Core Concepts\n- **X**: y", 10, 5)


def test_given_many_parts_then_they_run_in_parallel_but_never_more_than_max_workers(
    long_lecture: Transcript,
) -> None:
    provider = _BarrierProvider(workers=2)

    pipeline.generate(long_lecture, provider, budget_tokens=5_000, max_workers=2)

    assert provider.peak == 2


def test_given_the_provider_overloaded_when_run_then_a_retryable_error_event_and_no_file(
    claude_env: FakeAnthropicServer, lecture: Transcript, tmp_path: Path
) -> None:
    claude_env.fail(529, times=5)

    outcome, events = run(lecture, create_provider("claude", max_retries=1), tmp_path)

    last = events[-1]
    assert last.step is Step.ERROR and last.retryable is True
    assert last.extra["failed_step"] == "generating_notes" and last.extra["error"] == outcome.error
    assert outcome.exit_code is ExitCode.TRANSIENT and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("retryable", "code"), [(False, ExitCode.PERMANENT), (True, ExitCode.TRANSIENT)])
def test_given_no_transcript_when_run_then_the_error_names_the_fetch_step(
    tmp_path: Path, retryable: bool, code: ExitCode
) -> None:
    def fetch(video_id: str) -> Transcript:
        raise TranscriptError("This video has no captions.", retryable=retryable)

    events: list[ProgressEvent] = []
    outcome = pipeline.run("dQw4w9WgXcQ", create_provider("offline"), fetch, tmp_path, events.append)

    assert outcome.exit_code is code
    assert events[-1].extra == {
        "error": "This video has no captions.",
        "failed_step": "fetching_transcript",
        "retryable": retryable,
    }


def test_given_the_offline_provider_when_run_then_a_note_without_tokens_is_written(
    lecture: Transcript, tmp_path: Path
) -> None:
    outcome, events = run(lecture, create_provider("offline"), tmp_path, assessment=False)

    assert outcome.exit_code is ExitCode.OK and outcome.path is not None
    assert events[-1].extra["output_path"] == str(outcome.path) and events[-1].extra["input_tokens"] == 0
    assert Step.GENERATING_ASSESSMENT not in [e.step for e in events]
    assert "Generated offline" in outcome.path.read_text()


def test_given_a_provider_error_the_exit_code_follows_retryable() -> None:
    assert pipeline.exit_code_for(ProviderError("x", retryable=True)) is ExitCode.TRANSIENT
    assert pipeline.exit_code_for(ProviderError("x", retryable=False)) is ExitCode.PERMANENT
