"""The offline generator: deterministic, extractive, honest about being offline."""

from __future__ import annotations

import re

from yt_study_buddy import offline
from yt_study_buddy.models import Transcript
from yt_study_buddy.note import concepts

CLOZE = re.compile(r"^\d+\. (?P<question>.*_____.*)\n   - \*\*Answer:\*\* (?P<answer>.+)$", re.MULTILINE)


def test_given_a_lecture_when_generated_offline_then_the_key_terms_are_core_concepts(
    lecture: Transcript,
) -> None:
    note = offline.generate(lecture, title="Photosynthesis")

    found = {c.lower() for c in concepts(note.markdown)}
    assert {"photosynthesis", "calvin cycle", "rubisco", "light reactions"} <= found
    assert note.provider == "offline" and note.usage.calls == 0
    assert "Generated offline" in note.markdown


def test_given_a_lecture_when_generated_offline_then_every_cloze_answer_occurs_in_the_transcript(
    lecture: Transcript,
) -> None:
    note = offline.generate(lecture, title="Photosynthesis")

    questions = CLOZE.findall(note.markdown)
    assert len(questions) >= 4
    transcript_text = lecture.text.lower()
    for question, answer in questions:
        assert answer.lower() in transcript_text
        assert question.replace("_____", answer).lower() in transcript_text


def test_given_a_lecture_then_definitions_key_points_and_all_sections_are_present(
    lecture: Transcript,
) -> None:
    note = offline.generate(lecture, title="Photosynthesis").markdown

    definitions = note.split("## Definitions", 1)[1].split("## ", 1)[0]
    assert "**Photosynthesis**" in definitions and "**RuBisCO**" in definitions
    assert "**Carbon fixation**" in definitions
    assert "[0:48](https://youtu.be/dQw4w9WgXcQ?t=48)" in note  # the Calvin cycle line at 48 s
    for section in ("Core Concepts", "Key Points", "Examples", "Connections", "Questions for Further Study"):
        assert f"## {section}" in note
    for part in ("Gap Analysis", "Application", "One-Up Challenge", "Synthesis"):
        assert f"### {part}" in note
    assert note.count("**Model answer:**") >= 4


def test_given_the_same_transcript_twice_then_the_same_note_and_no_assessment_when_asked(
    lecture: Transcript,
) -> None:
    first = offline.generate(lecture, title="T").markdown

    assert offline.generate(lecture, title="T").markdown == first
    assert "## Assessment" not in offline.generate(lecture, title="T", assessment=False).markdown


def test_given_a_three_hour_lecture_then_key_points_cover_it_end_to_end(long_lecture: Transcript) -> None:
    note = offline.generate(long_lecture, title="Thermo").markdown

    points = note.split("## Key Points", 1)[1].split("## ", 1)[0]
    seconds = [int(s) for s in re.findall(r"\?t=(\d+)\)", points)]
    assert len(seconds) == 15
    assert seconds == sorted(seconds) and seconds[0] < 1800 and seconds[-1] > 9000
    assert {"entropy", "enthalpy", "catalyst"} <= {c.lower() for c in concepts(note)}
