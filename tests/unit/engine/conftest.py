"""Fixtures of the notes engine tests: a lecture transcript, a 3-hour one, the fake Anthropic API."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
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


def run_cli(
    command: list[str], env: dict[str, str], *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The CLI as a subprocess (``command`` from the cli_command fixture), its output captured."""
    return subprocess.run(
        [*command, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


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


_SAFE_TARGET = re.compile(
    r"^(?:https?://(?:(?:www|m)\.)?(?:youtube\.com|youtu\.be)(?:[/?#]|$)|#)", re.IGNORECASE
)


def unsafe_parts(markdown: str) -> list[str]:
    """What a renderer could turn into live HTML in ``markdown``: raw HTML, images, and links to
    anywhere but YouTube or the note itself. Parsed as the backend parses notes (CommonMark with
    tables), but stricter: raw HTML is parsed as such and every link target counts, even those
    markdown-it would refuse to link (another renderer, such as Obsidian's, may not)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    found = []
    stack = parser.parse(markdown)
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        if token.type in ("html_block", "html_inline", "image"):
            found.append(f"{token.type}: {token.content}")
        elif token.type == "link_open" and not _SAFE_TARGET.match(str(token.attrs.get("href", ""))):
            found.append(f"link to {token.attrs.get('href')}")
    return found


# Captions and metadata as someone hostile could upload them: payloads inside sentences about the
# lecture's topic, so that the offline generator picks them as key points and definitions.
HOSTILE_LINES = (
    "Photosynthesis is a process that plants use to make sugar &amp;lt;img src=x onerror=alert(1)&amp;gt; "
    "from light.",
    "The chloroplast is an organelle where photosynthesis happens <script>alert(1)</script> in plant cells.",
    "Photosynthesis needs the chloroplast, so read [the chloroplast notes](javascript:alert(1)) twice.",
    "The light reactions of photosynthesis ![pixel](https://evil.example/p.png) run in the chloroplast.",
    "Chlorophyll in the chloroplast absorbs light for photosynthesis <https://evil.example/x> all day.",
    "[ref]: javascript:alert(1)",
    "The Calvin cycle of photosynthesis runs in the stroma of the chloroplast <img src=x",
    "onerror=alert(2)> and the Calvin cycle fixes carbon dioxide into sugar for the plant.",
    "Photosynthesis\x7f and the chloroplast\x85 make sugar\ufffe from light and water.",
    "The longest word in photosynthesis is " + "x" * 1_500_000 + " and the chloroplast holds it.",
)
HOSTILE_INFO = {
    "title": "Photosynthesis\n## Injected heading <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    "\x85\ud800\ufffe\x7f end",
    "channel": "<b>Evil</b> channel\nsecond line",
    "duration": 120,
    "chapters": [
        {"start_time": 0, "title": "Intro\n## Injected chapter heading"},
        {"start_time": 30, "title": "[click](javascript:alert(1)) ![p](https://evil.example/p.png)"},
        {"start_time": float("nan"), "title": "never shown"},
        {"start_time": 60, "end_time": float("inf"), "title": "<script>alert(1)</script>Calvin cycle"},
    ],
}


@pytest.fixture
def hostile_captions(tmp_path: Path) -> Path:
    """A WebVTT file (hostile captions, then the lecture) with a hostile ``.info.json`` sidecar."""
    lines = ["WEBVTT", ""]
    for i, text in enumerate((*HOSTILE_LINES, *LECTURE.splitlines())):
        lines += [f"{_vtt_time(i * 6.0)} --> {_vtt_time(i * 6.0 + 5.5)}", text, ""]
    path = tmp_path / "hostile.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "hostile.info.json").write_text(json.dumps(HOSTILE_INFO), encoding="utf-8")
    return path


# A model answer (or text) full of HTML, images and links to elsewhere, in every CommonMark form.
HOSTILE_MARKDOWN = """\
## Core Concepts
- **<img src=x onerror=alert(1)>**: raw HTML
- <script>alert(document.cookie)</script> and <details open ontoggle=alert(1)>
- [click](javascript:alert(1)) [caps](JAVASCRIPT:alert(1)) [tab](java\tscript:alert(1))
- [data](data:text/html,<script>alert(1)</script>) [rel](../../etc/passwd) [bare]()
- [angle](<javascript:alert(1)>) [spaced]( javascript:alert(1) "title")
- [userinfo](https://youtube.com@evil.example/) [suffix](https://youtube.com.evil.example/x)
- [entity](&#106;avascript:alert(1)) [slashes](https:/\\/evil.example)
- ![pixel](https://evil.example/pixel.png) ![yt](https://youtu.be/abc.png) ![[embedded note]]
- <javascript:alert(1)> <https://evil.example> <a@evil.example>
- <!-- a comment --> <?php echo 1; ?> <![CDATA[x]]>
- [reference][evil] and [evil]

[evil]: javascript:alert(1)
 [evil2]:
   https://evil.example "defined over two lines"

> [quoted](javascript:alert(1))
> [q2]: https://evil.example

1. ```
   [fenced in a list](javascript:alert(1))
   ```
[after the list fence](javascript:alert(1))

    [indented code](javascript:alert(1))
"""


REAL_CAPTIONS = REPO_ROOT / "tests" / "fixtures" / "real"


def real_transcript(name: str) -> Transcript:
    """One of the real caption files of the evaluation set (tests/fixtures/real/SOURCES.md)."""
    from yt_study_buddy.transcripts.parsers import parse_srt, parse_vtt

    text = (REAL_CAPTIONS / name).read_text(encoding="utf-8")
    segments = parse_vtt(text) if name.endswith(".vtt") else parse_srt(text)
    return Transcript(VIDEO_ID, tuple(segments), language="en", source="file")


@pytest.fixture
def gradient_descent() -> Transcript:
    """3Blue1Brown's 20-minute lecture, manual punctuated captions."""
    return real_transcript("gradient-descent.en.srt")


@pytest.fixture
def auto_captions() -> Transcript:
    """A talk's real YouTube auto-captions: no punctuation, per-word timing."""
    return real_transcript("building-bodhisattvas.en.vtt")


def transcript_of(lines: list[str], language: str) -> Transcript:
    return Transcript(
        VIDEO_ID, tuple(Segment(i * 5.0, 4.5, t) for i, t in enumerate(lines)), language=language
    )


@pytest.fixture
def chinese_lecture() -> Transcript:
    return transcript_of(
        [
            "今天我们讲光合作用。",
            "光合作用是植物把光能变成化学能的过程。",
            "叶绿体是进行光合作用的地方。",
            "叶绿体里面有叶绿素。",
            "叶绿素吸收光能。",
            "卡尔文循环在叶绿体基质中进行。",
            "卡尔文循环把二氧化碳变成糖。",
            "光合作用释放氧气。",
            "二氧化碳从气孔进入叶片。",
            "所以光合作用和卡尔文循环很重要。",
        ],
        "zh",
    )


@pytest.fixture
def arabic_lecture() -> Transcript:
    return transcript_of(
        [
            "اليوم نتحدث عن التمثيل الضوئي في النبات.",
            "التمثيل الضوئي عملية تحول الضوء إلى طاقة كيميائية.",
            "البلاستيدات الخضراء تحتوي على الكلوروفيل.",
            "الكلوروفيل يمتص الضوء في التمثيل الضوئي.",
            "دورة كالفن تستخدم ثاني أكسيد الكربون.",
            "دورة كالفن تنتج السكر من ثاني أكسيد الكربون.",
        ],
        "ar",
    )


THAI_LINES = ["วันนี้เราจะพูดถึงการสังเคราะห์ด้วยแสง", "การสังเคราะห์ด้วยแสงเป็นกระบวนการที่พืชใช้แสง"] * 5


@pytest.fixture
def thai_vtt(tmp_path: Path) -> Path:
    """A Thai transcript: a script written without spaces that the offline generator cannot split."""
    lines = ["WEBVTT", ""]
    for i, text in enumerate(THAI_LINES):
        lines += [f"{_vtt_time(i * 5.0)} --> {_vtt_time(i * 5.0 + 4.5)}", text, ""]
    path = tmp_path / "thai.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
