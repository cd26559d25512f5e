"""Tokens sent per video against transcript tokens, LLM calls, and the offline generator's speed.

Run from the repository root: ``.venv/bin/python bench/engine_tokens.py``. The claude provider
talks through the real anthropic SDK to the fake Messages API on loopback
(tests/fakes/anthropic_server.py), which counts the input tokens of what it receives at ~4
characters per token (yt_study_buddy.text.estimate_tokens), the same measure as the transcript.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests.fakes` from a checkout

from tests.fakes.anthropic_server import FakeAnthropicServer
from yt_study_buddy import offline, pipeline
from yt_study_buddy.models import Transcript
from yt_study_buddy.providers import create_provider
from yt_study_buddy.samples import long_lecture, samples_dir
from yt_study_buddy.text import estimate_tokens, normalise, render
from yt_study_buddy.transcripts import get_transcript

SHORT_SAMPLE = "Xq3b7LmR9tA"


def measure(label: str, transcript: Transcript, server: FakeAnthropicServer) -> None:
    raw = estimate_tokens(transcript.text)
    normalised = estimate_tokens(render(normalise(transcript.segments)))
    server.requests.clear()
    provider = create_provider("claude", api_key="sk-bench", base_url=server.url)
    started = time.perf_counter()
    note = pipeline.generate(transcript, provider)
    elapsed = time.perf_counter() - started
    sent = sum(r.input_tokens for r in server.requests)
    parts = sum(1 for r in server.requests if r.kind == "part")
    merges = sum(1 for r in server.requests if r.kind == "merge")
    assert sent == note.usage.input_tokens, "the SDK's reported usage must match what the server counted"
    print(f"{label}: {transcript.duration_seconds / 60:.0f} min, {len(transcript.segments)} caption lines")
    print(f"  transcript tokens (raw captions)     {raw:>8}")
    print(f"  transcript tokens (normalised)       {normalised:>8}")
    print(f"  tokens sent (input, all calls)       {sent:>8}")
    print(f"  ratio sent / raw transcript          {sent / raw:>8.2f}")
    print(f"  LLM calls                            {note.usage.calls:>8}  ({parts} parts + {merges} merge)")
    print(f"  output tokens                        {note.usage.output_tokens:>8}")
    print(f"  pipeline time against the fake API   {elapsed:>8.2f} s")


def offline_time(transcript: Transcript, runs: int = 5) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        offline.generate(transcript, title="bench")
        times.append(time.perf_counter() - started)
    print(
        f"offline generator, 3-hour transcript: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s over {runs} runs"
    )


def main() -> None:
    short = get_transcript(SHORT_SAMPLE, transcripts_dir=samples_dir(), fetch_metadata=False)
    long = long_lecture(hours=3.0)
    # Answers padded to 1,500 tokens, a typical length of a model's notes for one part, so that
    # the merge request (which carries the parts' notes) is as large as with a real model.
    with FakeAnthropicServer(answer_tokens=1_500) as server:
        measure(f"short sample {SHORT_SAMPLE}", short, server)
        measure("3-hour long_lecture()", long, server)
    offline_time(long)


if __name__ == "__main__":
    main()
