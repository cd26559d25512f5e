"""Fixtures of the notes engine tests: a lecture transcript, a 3-hour one, the fake Anthropic API."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.anthropic_server import FakeAnthropicServer
from yt_study_buddy.models import Chapter, Segment, Transcript, VideoMetadata

VIDEO_ID = "dQw4w9WgXcQ"
OTHER_VIDEO_ID = "9bZkp7q19f0"
REPO_ROOT = Path(__file__).resolve().parents[3]

LECTURE = """\
Today we talk about photosynthesis and how plants store energy.
Photosynthesis is a process that plants use to turn light into chemical energy.
It happens in the chloroplast. The chloroplast is an organelle found in plant cells.
Inside the chloroplast there is chlorophyll, a green pigment that absorbs light.
The light reactions take place in the thylakoid membrane.
The light reactions produce ATP and NADPH from light and water.
For example, when sunlight hits a leaf, the light reactions split water and release oxygen.
The Calvin cycle then uses ATP and NADPH to fix carbon dioxide into sugar.
Carbon fixation by the Calvin cycle takes place in the stroma of the chloroplast.
Carbon fixation refers to the conversion of carbon dioxide into organic compounds.
The enzyme that fixes carbon dioxide is called RuBisCO.
RuBisCO is the most abundant protein on Earth, because the Calvin cycle needs so much of it.
So photosynthesis connects the light reactions and the Calvin cycle through ATP and NADPH.
Oxygen is a byproduct of the light reactions, not of the Calvin cycle.
Photorespiration means that RuBisCO grabs oxygen instead of carbon dioxide, which wastes energy.
Plants such as corn use C4 photosynthesis to concentrate carbon dioxide around RuBisCO.
Cellular respiration is the reverse process that releases the energy stored in sugar.
In the next lecture we compare photosynthesis and cellular respiration in detail."""


def lecture_segments(text: str = LECTURE, spacing: float = 6.0) -> tuple[Segment, ...]:
    return tuple(Segment(i * spacing, spacing - 0.5, line) for i, line in enumerate(text.splitlines()))


@pytest.fixture
def lecture() -> Transcript:
    metadata = VideoMetadata(
        VIDEO_ID, title="Photosynthesis in 2 minutes", channel="Bio Class", duration_seconds=108
    )
    return Transcript(VIDEO_ID, lecture_segments(), language="en", source="file", metadata=metadata)


_TOPICS = ("entropy", "enthalpy", "free energy", "equilibrium", "reaction rate", "catalyst")
_TEMPLATES = (
    "Now {t} changes as the temperature rises by {n} degrees.",
    "Remember that {t} depends on the pressure of the gas.",
    "We measure {t} in the lab with a calorimeter.",
    "The textbook defines {t} with a single equation.",
    "Students often confuse {t} with heat capacity.",
    "A steam engine shows {t} at work.",
    "Plot {t} against volume and look at the slope.",
    "The second law puts a limit on {t}.",
    "Chemists tabulate {t} for thousands of compounds.",
    "Think about {t} when ice melts in your drink.",
)


def three_hour_lecture() -> Transcript:
    """A deterministic 3-hour lecture: a caption line every 4 s (about 150 words a minute, as
    people speak), six topics of 30 minutes, one chapter each."""
    segments = []
    for i in range(2700):
        line = _TEMPLATES[i % len(_TEMPLATES)].format(t=_TOPICS[i * len(_TOPICS) // 2700], n=i % 7)
        segments.append(Segment(i * 4.0, 3.8, line))
    chapters = tuple(Chapter(k * 1800.0, f"Chapter {k + 1}: {t}") for k, t in enumerate(_TOPICS))
    metadata = VideoMetadata(
        VIDEO_ID, title="Thermodynamics, full course", duration_seconds=10800, chapters=chapters
    )
    return Transcript(VIDEO_ID, tuple(segments), language="en", metadata=metadata)


@pytest.fixture
def long_lecture() -> Transcript:
    return three_hour_lecture()


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropicServer]:
    with FakeAnthropicServer() as server:
        yield server


@pytest.fixture
def claude_env(monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeAnthropicServer) -> FakeAnthropicServer:
    """A Claude key and ANTHROPIC_BASE_URL pointing the real SDK at the fake server."""
    for name in ("CLAUDE_API_KEY", "YTSB_PROVIDER", "YTSB_MODEL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    return fake_anthropic


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def cli_env(tmp_path: Path, closed_port: int) -> dict[str, str]:
    """Environment of a CLI subprocess with the internet unreachable (every proxy refuses)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_", "YTSB_", "OPENAI_"))
    }
    dead = f"http://127.0.0.1:{closed_port}"
    env.update(
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        ALL_PROXY=dead,
        http_proxy=dead,
        https_proxy=dead,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        YTSB_PROXY_URL=dead,
        YTSB_TRANSCRIPTS_DIR=str(tmp_path / "no-transcripts"),
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


@pytest.fixture
def cli_command() -> list[str]:
    return [sys.executable, "-m", "yt_study_buddy"]


@pytest.fixture
def lecture_vtt(tmp_path: Path) -> Path:
    """The lecture as a WebVTT file, for --transcript."""
    lines = ["WEBVTT", ""]
    for segment in lecture_segments():
        lines += [f"{_vtt_time(segment.start)} --> {_vtt_time(segment.end)}", segment.text, ""]
    path = tmp_path / "lecture.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _vtt_time(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"
