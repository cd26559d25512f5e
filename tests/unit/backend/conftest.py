"""Pure-logic tests of lambda/shared: no AWS, settings reset around each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shared import config


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    config.reset()
    yield
    config.reset()


@pytest.fixture(scope="session")
def engine_notes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Real notes from the engine for every bundled sample: offline, and Claude's format (fake API).

    Keyed ``"<video_id>-<provider>"``; made once per session through the pipeline the CLI runs.
    """
    from tests.fakes.anthropic_server import FakeAnthropicServer
    from yt_study_buddy import pipeline
    from yt_study_buddy.providers import create_provider
    from yt_study_buddy.samples import DEMO_VIDEO_IDS, samples_dir
    from yt_study_buddy.transcripts.local import find_in_directory, parse_transcript_file

    notes: dict[str, str] = {}
    with FakeAnthropicServer() as claude_api:
        providers = {
            "offline": create_provider("offline"),
            "claude": create_provider("claude", api_key="sk-ant-test", base_url=claude_api.url),
        }
        for video_id in DEMO_VIDEO_IDS:
            path = find_in_directory(samples_dir(), video_id)
            assert path is not None, f"sample {video_id} is missing"
            transcript = parse_transcript_file(path)
            for name, provider in providers.items():
                base_dir = tmp_path_factory.mktemp(f"{video_id}-{name}")
                outcome = pipeline.run(
                    video_id, provider, lambda _id, t=transcript: t, base_dir, lambda _e: None
                )
                assert outcome.path is not None, f"the engine wrote no note for {video_id} ({name})"
                notes[f"{video_id}-{name}"] = outcome.path.read_text(encoding="utf-8")
    return notes
