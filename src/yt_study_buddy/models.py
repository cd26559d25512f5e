"""Plain data shared by the transcript sources, the providers and the note writer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Segment:
    """One caption line: start and duration in seconds."""

    start: float
    duration: float
    text: str

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str
    end: float | None = None


@dataclass(frozen=True)
class VideoMetadata:
    """What yt-dlp (or a local file) tells about a video; every field may be unknown."""

    video_id: str
    title: str | None = None
    channel: str | None = None
    duration_seconds: float | None = None
    chapters: tuple[Chapter, ...] = ()


@dataclass(frozen=True)
class Transcript:
    video_id: str
    segments: tuple[Segment, ...]
    language: str | None = None
    # Where it came from: "file", "youtube-transcript-api", "yt-dlp", ...
    source: str = "unknown"
    is_generated: bool = False
    metadata: VideoMetadata | None = None

    @property
    def text(self) -> str:
        return " ".join(segment.text for segment in self.segments)

    @property
    def duration_seconds(self) -> float:
        if self.metadata and self.metadata.duration_seconds:
            return self.metadata.duration_seconds
        return max((segment.end for segment in self.segments), default=0.0)


@dataclass
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0

    def add(self, other: TokenUsage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.calls += other.calls


@dataclass
class GeneratedNote:
    """The body of a note as the pipeline produced it, before front matter and file naming."""

    title: str
    markdown: str
    provider: str
    model: str
    usage: TokenUsage = field(default_factory=TokenUsage)
