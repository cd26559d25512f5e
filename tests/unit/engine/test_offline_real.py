"""The offline generator on real captions and in other languages (issue 11): concepts a teacher
expects, key points that are whole sentences, questions that blank a term, and a clear refusal
for a language it cannot read. The full measurement is bench/notes_quality.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.engine.conftest import THAI_LINES, run_cli, transcript_of
from yt_study_buddy import extractive, offline
from yt_study_buddy.cards import HEADER, cards
from yt_study_buddy.errors import ProviderError
from yt_study_buddy.models import Transcript
from yt_study_buddy.stopwords import DANGLING_END

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def section(markdown: str, title: str) -> list[str]:
    body = markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line.startswith("- ")]


def concepts(markdown: str) -> list[str]:
    return [re.match(r"- \*\*(.+?)\*\*", line)[1].lower() for line in section(markdown, "Core Concepts")]  # type: ignore[index]


def key_points(markdown: str) -> list[str]:
    return [re.sub(r"^- \[[0-9:]+\]\([^)]*\) ", "", line) for line in section(markdown, "Key Points")]


def test_given_a_real_lecture_when_generated_offline_then_its_terms_are_the_concepts(
    gradient_descent: Transcript,
) -> None:
    # When the notes of 3Blue1Brown's lecture on gradient descent are made offline
    markdown = offline.generate(gradient_descent, title="Gradient descent").markdown
    found = concepts(markdown)
    assert "With a Claude key" in markdown  # the note says what a key would add
    # Then the terms a teacher expects are there, multi-word ones included, and no everyday word
    assert {"gradient descent", "cost function", "local minimum", "neural network", "hidden layers"} <= set(
        found
    )
    assert {"number", "thing", "way", "lot", "video"}.isdisjoint(found)
    # and a 20-minute lecture gets more concepts than the 10 of a short one
    assert len(found) == 13


def test_given_punctuated_captions_then_every_key_point_is_a_whole_sentence(
    gradient_descent: Transcript,
) -> None:
    points = key_points(offline.generate(gradient_descent, title="Gradient descent").markdown)
    assert len(points) >= 6
    for point in points:
        assert point[0].isupper() and point.endswith((".", "?", "!")), point
        assert 6 <= len(point.split()) <= 40, point


def test_given_unpunctuated_auto_captions_then_key_points_are_cut_at_pauses_not_mid_phrase(
    auto_captions: Transcript,
) -> None:
    # Given real auto-captions without punctuation, whose caption lines end mid-phrase
    points = key_points(offline.generate(auto_captions, title="Building Bodhisattvas").markdown)
    # Then no key point starts or ends inside a phrase ("... the uh paper that I'll read here today is")
    assert len(points) >= 4
    for point in points:
        assert point.split()[-1].lower() not in DANGLING_END, point
        assert 6 <= len(point.split()) <= 40, point


def test_given_a_real_lecture_then_every_cloze_blanks_a_listed_concept_in_a_whole_sentence(
    gradient_descent: Transcript,
) -> None:
    markdown = offline.generate(gradient_descent, title="Gradient descent").markdown
    listed = set(concepts(markdown))
    answers = re.findall(r"- \*\*Answer:\*\* (.+)", markdown)
    assert len(answers) >= 5
    for answer in answers:
        assert any(extractive.mentions(answer.lower(), term) for term in listed), answer


def test_given_a_word_common_in_english_then_it_is_not_a_concept_alone_but_can_be_in_a_phrase() -> None:
    # Given general-English frequencies (wordfreq's English list, shipped as data/en_zipf.txt.gz)
    assert extractive.zipf("the") > 7 and extractive.zipf("number") >= extractive.COMMON_SINGLE_ZIPF
    assert extractive.zipf("backpropagation") < 3
    # When a lecture says "number" and "cost function" equally often
    lines = [
        "The cost function measures the error.",
        "Pick any number you like.",
        "We minimise the cost function step by step.",
        "That number is printed on the screen.",
        "A smooth cost function helps a lot.",
        "Write the number down.",
    ]
    found = extractive.concepts(extractive.sentences(transcript_blocks(lines)), 10)
    keys = [p.key for p in found]
    # Then the phrase is a concept and the everyday word is not
    assert "cost function" in keys and "number" not in keys


def transcript_blocks(lines: list[str]) -> list[extractive.Block]:
    return [extractive.Block(i * 5.0, line) for i, line in enumerate(lines)]


def test_given_a_chinese_lecture_then_concepts_and_questions_are_words_of_the_text(
    chinese_lecture: Transcript,
) -> None:
    markdown = offline.generate(chinese_lecture, title="光合作用").markdown
    found = concepts(markdown)
    assert {"光合作用", "卡尔文循环", "叶绿体"} <= set(found)
    assert len(key_points(markdown)) >= 4
    answers = re.findall(r"- \*\*Answer:\*\* (.+)", markdown)
    assert answers and all(answer in chinese_lecture.text for answer in answers)


def test_given_an_arabic_lecture_then_its_multi_word_terms_are_concepts(arabic_lecture: Transcript) -> None:
    markdown = offline.generate(arabic_lecture, title="التمثيل الضوئي").markdown
    assert {"التمثيل الضوئي", "دورة كالفن", "ثاني أكسيد الكربون"} <= set(concepts(markdown))
    assert "(none found)" not in markdown


def test_given_a_language_written_without_spaces_it_cannot_split_then_a_permanent_error_not_a_note() -> None:
    with pytest.raises(ProviderError) as raised:
        offline.generate(transcript_of(THAI_LINES, "th"), title="Thai")
    assert raised.value.retryable is False and "is refunded" in raised.value.message


def test_given_such_a_transcript_on_the_cli_then_exit_3_with_the_message_and_no_note(
    cli_command: list[str], cli_env: dict[str, str], thai_vtt: Path, tmp_path: Path
) -> None:
    result = run_cli(
        cli_command, cli_env, VIDEO, "--transcript", str(thai_vtt), "--provider", "offline",
        "--format", "json-progress", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "cannot be made for this video's language" in result.stdout.splitlines()[-1]
    assert not list((tmp_path / "notes").glob("*.md"))


def test_given_cards_then_an_anki_tsv_of_definitions_and_questions_is_written_beside_the_note(
    cli_command: list[str], cli_env: dict[str, str], lecture_vtt: Path, tmp_path: Path
) -> None:
    result = run_cli(
        cli_command, cli_env, VIDEO, "--transcript", str(lecture_vtt), "--provider", "offline", "--cards",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (note,) = (tmp_path / "notes").glob("*.md")
    tsv = note.with_suffix(".cards.tsv").read_text(encoding="utf-8")
    assert tsv.startswith(HEADER)
    rows = [line.split("\t") for line in tsv.splitlines()[3:]]
    assert all(len(row) == 2 and row[0] and row[1] for row in rows)
    assert [
        "Photosynthesis",
        "Photosynthesis is a process that plants use to turn light into chemical energy. (0:06)",
    ] in rows
    clozes = [(front, back) for front, back in rows if "_____" in front]
    assert clozes and all(back.lower() in lecture_vtt.read_text().lower() for _, back in clozes)


def test_given_a_note_then_cards_keep_only_complete_pairs_as_plain_text() -> None:
    note = (
        '## Definitions\n\n- **Term**: [1:25](https://youtu.be/x?t=85) "A\tdefinition."\n\n'
        "## Assessment\n\n### Recall\n\n1. A _____ question\n   - **Answer:** word\n"
        "2. A question without answer\n\n### Gap Analysis\n\n- Explain **Term**.\n"
        '  - **Model answer:** [1:25](https://youtu.be/x?t=85) "quote"\n'
    )
    assert cards(note) == [
        ("Term", "A definition. (1:25)"),
        ("A _____ question", "word"),
        ("Explain Term.", '1:25 "quote"'),
    ]
