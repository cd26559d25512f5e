"""The prompts: one request for notes and assessment together, or parts and one merge.

The transcript lines carry ``[m:ss]`` markers (text.render); the model is asked to keep them
on key points, and note.link_timestamps turns them into links to the moment in the video.
"""

from __future__ import annotations

from collections.abc import Sequence

from yt_study_buddy.text import Part, format_timestamp

SYSTEM = (
    "You are an expert tutor. You turn lecture and video transcripts into study notes that help a "
    "student understand and remember the material. Be accurate to the transcript, concise, and concrete. "
    "Write GitHub-flavoured markdown only, with no preamble and no closing remarks."
)

NOTE_SECTIONS = """\
Use exactly these sections, in this order:
# <a clear, specific title for the notes>
## Summary
(3-5 sentences)
## Core Concepts
- **<Concept>**: <explanation in 1-3 sentences>
## Key Points
- [m:ss] <point>   (start each with the timestamp marker of the transcript line it comes from)
## Examples
## Definitions
- **<Term>**: <definition>
## Connections
(how the concepts relate to each other and to other fields)
## Questions for Further Study"""

ASSESSMENT_SECTIONS = """\
## Assessment
### Gap Analysis
### Application
### One-Up Challenge
### Synthesis
Under each of the four, write 2 numbered questions, each followed by an indented line
"   - **Model answer:** <a complete answer>". Gap analysis probes likely misunderstandings,
application uses the ideas in a new situation, the one-up challenge goes one step beyond the
video, synthesis connects several concepts."""


def _subject(subject: str | None) -> str:
    return f"The subject is {subject}; use its vocabulary.\n" if subject else ""


def single(title: str | None, transcript_text: str, *, assessment: bool, subject: str | None) -> str:
    """Notes (and assessment) for a whole transcript in one request: the transcript is sent once."""
    known = f"The video is titled: {title}\n" if title else ""
    sections = NOTE_SECTIONS + ("\n" + ASSESSMENT_SECTIONS if assessment else "")
    return (
        f"{known}{_subject(subject)}Write study notes for the video transcript below.\n\n{sections}\n\n"
        f"<transcript>\n{transcript_text}\n</transcript>"
    )


def part(title: str | None, piece: Part, count: int, *, subject: str | None) -> str:
    """Notes for one part of a long transcript; no assessment (the merge writes it)."""
    span = f"{format_timestamp(piece.start)} to {format_timestamp(piece.end)}"
    chapter = f" (chapter: {piece.title})" if piece.title else ""
    known = f"The video is titled: {title}\n" if title else ""
    return (
        f"{known}{_subject(subject)}"
        f"This is part {piece.index + 1} of {count} of a long video, {span}{chapter}. "
        "Write study notes for this part only; they will be merged with the other parts' notes.\n\n"
        f"{NOTE_SECTIONS}\n\n<transcript>\n{piece.text}\n</transcript>"
    )


def merge(title: str | None, part_notes: Sequence[str], *, assessment: bool, subject: str | None) -> str:
    """One coherent note from the parts' notes: the transcript is not sent again."""
    known = f"The video is titled: {title}\n" if title else ""
    sections = NOTE_SECTIONS + ("\n" + ASSESSMENT_SECTIONS if assessment else "")
    joined = "\n\n".join(
        f'<part number="{i}">\n{text.strip()}\n</part>' for i, text in enumerate(part_notes, 1)
    )
    return (
        f"{known}{_subject(subject)}Below are study notes written for consecutive parts of one long video. "
        "Merge them into ONE coherent set of notes for the whole video: remove repetition, keep the "
        "[m:ss] timestamp markers on key points, and order the material as the video does.\n\n"
        f"{sections}\n\n{joined}"
    )
