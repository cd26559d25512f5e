"""The note file: front matter, links, file names that never clobber another video's note."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from yt_study_buddy import note
from yt_study_buddy.models import Chapter, GeneratedNote, TokenUsage, Transcript

BODY = """# A title the model chose
## Core Concepts
- **Entropy**: disorder.
- **Heat engine**: turns heat into work.
## Key Points
- [1:02:03] A point an hour in.
- [0:05](https://youtu.be/dQw4w9WgXcQ?t=5) Already a link.
"""


def generated(title: str = "Thermodynamics: Part 1/2") -> GeneratedNote:
    return GeneratedNote(title, BODY, "claude", "claude-test", TokenUsage(1200, 340, 1))


def test_given_a_note_when_rendered_then_front_matter_has_every_field_and_links_work(
    lecture: Transcript,
) -> None:
    transcript = dataclasses.replace(
        lecture, metadata=dataclasses.replace(lecture.metadata, chapters=(Chapter(65, "Light reactions"),))
    )

    text = note.render(generated(), transcript)

    head, body = text.split("\n---\n", 1)
    for field in (
        "title",
        "video_id",
        "url",
        "channel",
        "duration",
        "language",
        "generated_at",
        "provider",
        "model",
    ):
        assert f"\n{field}: " in head
    assert "\ninput_tokens: 1200\noutput_tokens: 340\n" in head + "\n"
    assert 'concepts: ["Entropy", "Heat engine"]' in head
    assert body.lstrip().startswith("# Thermodynamics: Part 1/2\n")
    assert "A title the model chose" not in body
    assert "[1:02:03](https://youtu.be/dQw4w9WgXcQ?t=3723) A point an hour in." in body
    assert "- [0:05](https://youtu.be/dQw4w9WgXcQ?t=5) Already a link." in body
    assert "- [1:05](https://youtu.be/dQw4w9WgXcQ?t=65) Light reactions" in body


def test_titles_become_safe_file_names() -> None:
    assert note.slugify("Thermodynamics: Part 1/2") == "thermodynamics-part-1-2"
    assert note.slugify("Ünïcödé & ../../etc/passwd") == "unicode-etc-passwd"
    assert note.slugify("???") == "note"


def test_given_the_same_video_twice_then_its_note_is_overwritten(lecture: Transcript, tmp_path: Path) -> None:
    first = note.write(generated(), lecture, tmp_path)
    second = note.write(generated(), lecture, tmp_path)

    assert first == second and [p.name for p in tmp_path.iterdir()] == ["thermodynamics-part-1-2.md"]


def test_given_the_same_video_under_a_new_title_then_its_existing_note_is_refreshed(
    lecture: Transcript, tmp_path: Path
) -> None:
    first = note.write(generated("Old title"), lecture, tmp_path)

    second = note.write(generated("New title"), lecture, tmp_path)

    assert second == first and "# New title" in second.read_text()
    assert len(list(tmp_path.iterdir())) == 1


def test_given_another_video_with_the_same_title_then_both_notes_are_kept(
    lecture: Transcript, tmp_path: Path
) -> None:
    other = dataclasses.replace(lecture, video_id="9bZkp7q19f0")

    first = note.write(generated(), lecture, tmp_path)
    second = note.write(generated(), other, tmp_path)

    assert first != second and second.name == "thermodynamics-part-1-2-9bZkp7q19f0.md"
    assert note.front_matter(first)["video_id"] == '"dQw4w9WgXcQ"'
    assert note.front_matter(second)["video_id"] == '"9bZkp7q19f0"'


def test_given_a_note_sharing_concepts_then_it_gets_a_wiki_link(lecture: Transcript, tmp_path: Path) -> None:
    other = dataclasses.replace(lecture, video_id="9bZkp7q19f0")
    note.write(generated("Statistical mechanics"), other, tmp_path)
    unrelated = GeneratedNote("Cooking", "## Core Concepts\n- **Pasta**: food.\n", "offline", "x")
    note.write(unrelated, dataclasses.replace(lecture, video_id="aaaaaaaaaaa"), tmp_path)

    text = note.write(generated(), lecture, tmp_path).read_text()

    assert "## Related Notes\n\n- [[statistical-mechanics]] (shared: Entropy, Heat engine)" in text
    assert "[[cooking]]" not in text
