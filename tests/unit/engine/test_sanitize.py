"""The one sanitising step (yt_study_buddy.sanitize), each function against hostile input.

Markdown is judged by parsing it as the backend does (markdown-it, CommonMark), with raw HTML
allowed so that any that slipped through shows up: see ``unsafe_parts`` in conftest.py.
"""

from __future__ import annotations

import time

import pytest
import yaml

from tests.unit.engine.conftest import HOSTILE_MARKDOWN, unsafe_parts
from yt_study_buddy import note, sanitize
from yt_study_buddy.models import GeneratedNote, TokenUsage, Transcript

NASTY_CHARACTERS = "\x00\x07\x1b\x7f\x80\x85\x9b\x9f\ud800\udfff\ufeff\ufffe\uffff\U0001fffe\u2028\u2029"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # decoded once, then markup removed: the double-encoded tag stays text
        ("&amp;lt;img src=x onerror=alert(1)&amp;gt;", "&lt;img src=x onerror=alert(1)&gt;"),
        ("&lt;img src=x onerror=alert(1)&gt; gone", "gone"),
        ("<script>alert(1)</script>said", "alert(1)said"),
        ("<00:00:01.000><c> so</c><c> today</c>", "so today"),
        ("{\\an8}<i>if a < b and b > c</i>", "if a < b and b > c"),
        # a "<" that could start a tag once joined with the next caption gets a space
        ("the light <img src=x", "the light < img src=x"),
        ("x<y and 3<4", "x< y and 3<4"),
        ("<<b>img src=x onerror=alert(1)>", "< img src=x onerror=alert(1)>"),
        ("line one\nline two\r\n\tthree\u2028four\x85five", "line one line two three four five"),
        (f"a{NASTY_CHARACTERS}b", "a b"),
        ("AT&amp;T &#39;quoted&#39; &nbsp;spaced", "AT&T 'quoted' spaced"),
        (["not", "text"], ""),
    ],
)
def test_given_caption_text_when_cleaned_then_entities_decode_once_and_no_markup_is_left(
    raw: object, expected: str
) -> None:
    cleaned = sanitize.clean_text(raw)

    assert cleaned == expected
    # And cleaning is stable: whatever a second pass would do, it finds no tag to make
    assert "<img" not in sanitize.clean_text(cleaned)


def test_given_a_one_and_a_half_megabyte_word_when_cleaned_then_it_is_capped_quickly() -> None:
    started = time.perf_counter()
    cleaned = sanitize.clean_text("before " + "a" * 1_500_000 + " after")

    assert cleaned == "before " + "a" * sanitize.MAX_TOKEN_CHARS + sanitize.ELLIPSIS + " after"
    assert time.perf_counter() - started < 1.0


def test_given_cjk_text_without_spaces_when_cleaned_then_its_clauses_are_not_cut() -> None:
    sentence = "光合作用是植物利用光能把二氧化碳和水转化为有机物的过程\uff0c" * 8 + "这就是今天的内容。"

    assert sanitize.clean_text(sentence) == sentence


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Intro\n## Injected heading", "Intro ## Injected heading"),
        (2024, "2024"),
        (["a list"], None),
        ({"a": "dict"}, None),
        (True, None),
        (float("nan"), None),
        ("   ", None),
    ],
)
def test_given_a_title_when_made_a_line_then_it_is_one_line_or_none(
    raw: object, expected: str | None
) -> None:
    assert sanitize.line(raw) == expected


def test_given_a_million_character_title_when_made_a_line_then_it_is_cut_with_an_ellipsis() -> None:
    title = sanitize.line("word " * 200_000)

    assert title is not None and len(title) == sanitize.MAX_LINE_CHARS and title.endswith(sanitize.ELLIPSIS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(12, 12.0), ("7.5", 7.5), (float("nan"), None), (float("inf"), None), (-1, None)],
        *[(10**400, None), (True, None), ("soon", None), (None, None), (1e12, None)],
    ],
)
def test_given_times_from_outside_when_read_then_only_finite_plausible_seconds_pass(
    raw: object, expected: float | None
) -> None:
    assert sanitize.seconds(raw) == expected


def test_given_hostile_markdown_when_sanitised_then_no_html_image_or_foreign_link_is_left() -> None:
    # Given a model answer (or captions) full of HTML, images and links to elsewhere
    assert unsafe_parts(HOSTILE_MARKDOWN)  # the fixture itself is hostile

    safe = sanitize.markdown(HOSTILE_MARKDOWN)

    # Then the parser the backend renders with finds none of them
    assert unsafe_parts(safe) == []
    # And the words are still there, as text
    for words in ("click", "raw HTML", "alert(document.cookie)", "pixel", "reference", "indented code"):
        assert words in safe
    assert "![[" not in safe  # nor an Obsidian embed


def test_given_youtube_and_in_note_links_when_sanitised_then_they_stay_links() -> None:
    body = (
        "- [0:05](https://youtu.be/dQw4w9WgXcQ?t=5) a moment\n"
        "- [video](https://www.youtube.com/watch?v=dQw4w9WgXcQ) and [m](https://m.youtube.com/watch?v=x)\n"
        "- [below](#key-points)\n"
    )

    assert sanitize.markdown(body) == body


def test_given_code_blocks_when_sanitised_then_their_text_is_kept_as_written() -> None:
    body = 'Use a div:\n\n```html\n<div class="box">[x](y)</div>\n```\n\n    <b>indented</b>\n\nAfter <b>.\n'

    safe = sanitize.markdown(body)

    assert '```html\n<div class="box">[x](y)</div>\n```' in safe
    assert "    <b>indented</b>" in safe
    assert "After &lt;b>." in safe and unsafe_parts(safe) == []


def test_given_a_code_block_that_neutralising_turns_into_text_when_sanitised_then_it_is_neutralised_too() -> (
    None
):
    # Given indented code after a link reference definition: once the definition is undone, the
    # code line continues a paragraph, so skipping it as code would leave a live link
    body = "[a]: https://youtu.be/x\n    [x](javascript:alert(1))\n"

    safe = sanitize.markdown(body)

    assert unsafe_parts(safe) == [] and "[x]\\(javascript:alert(1))" in safe


def test_given_sanitised_markdown_when_sanitised_again_then_nothing_changes() -> None:
    once = sanitize.markdown(HOSTILE_MARKDOWN)

    assert sanitize.markdown(once) == once


def test_given_a_huge_body_when_sanitised_then_it_is_cut_at_a_line_with_a_marker() -> None:
    body = "\n".join(f"- point {i} " + "word " * 30 for i in range(5_000))  # ~800,000 characters

    safe = sanitize.markdown(body)

    assert len(safe) <= sanitize.MAX_NOTE_CHARS
    assert safe.endswith(sanitize.CUT_MARKER.format(limit=sanitize.MAX_NOTE_CHARS))
    assert safe.split("\n\n> [!warning]")[0].split("\n")[-1].startswith("- point ")  # whole lines kept


def test_given_plain_text_in_a_heading_when_escaped_then_it_renders_as_that_text() -> None:
    from markdown_it import MarkdownIt

    title = "C# & Q&amp;A: *not* [a](javascript:x) <img src=x> `code` Learn C #"

    rendered = MarkdownIt("commonmark").render(f"# {sanitize.escape_inline(title)}")

    assert rendered == (
        "<h1>C# &amp; Q&amp;amp;A: *not* [a](javascript:x) &lt;img src=x&gt; `code` Learn C #</h1>\n"
    )


@pytest.mark.parametrize("character", [*NASTY_CHARACTERS, '"', "\\", ": ", " #", "\n---\n", "'"])
def test_given_any_character_in_a_title_when_the_front_matter_is_written_then_yaml_reads_the_title_back(
    character: str, lecture: Transcript
) -> None:
    title = f"- Lecture {character} one"
    generated = GeneratedNote(title, "## Summary\nText.\n", "offline", "x", TokenUsage())

    text = note.render(generated, lecture)

    front = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
    assert front["title"] == title
    assert front["video_id"] == lecture.video_id
    text.encode("utf-8")  # and the file can be written
