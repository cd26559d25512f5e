"""The note as HTML for the page's innerHTML: hostile notes come out inert, real notes keep their shape.

Every output is parsed (html.parser) and checked against an allow-list written out here, not
imported from the module, so widening the module's list makes these tests fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from shared.note_html import render, strip_front_matter

ALLOWED: dict[str, set[str]] = {
    **{tag: set() for tag in ("p", "br", "hr", "blockquote", "pre", "code", "strong", "em", "s", "summary")},
    **{tag: set() for tag in ("ul", "li", "table", "thead", "tbody", "tr", "th", "td")},
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "ol": {"start"},
    "a": {"href", "title", "rel"},
    "details": {"class"},
}
VOID = {"br", "hr"}
TIMESTAMP_LINK = re.compile(r"\]\((https://youtu\.be/[\w-]{11}\?t=\d+)\)")
ANSWER_LINE = re.compile(
    r"^\s*(?:[-*]|\d+\.)\s+\*\*(?:Model answer|Answer):\*\*", re.IGNORECASE | re.MULTILINE
)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> list[Element]:
        found = [self]
        for child in self.children:
            if isinstance(child, Element):
                found += child.iter()
        return found

    def find_all(self, tag: str) -> list[Element]:
        return [e for e in self.iter() if e.tag == tag]


class _TreeBuilder(HTMLParser):
    """A small DOM; character references stay raw in ``raw_text`` so unescaped ``<`` is visible."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.raw_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        assert len(element.attrs) == len(attrs), f"repeated attribute on <{tag}>"
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.raw_text.append(data)
        self.stack[-1].children.append(data)

    def handle_entityref(self, name: str) -> None:
        self.stack[-1].children.append(
            {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "#39": "'"}.get(name, "?")
        )

    def handle_charref(self, name: str) -> None:
        self.stack[-1].children.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"comment in the output: {data!r}")

    def unknown_decl(self, data: str) -> None:
        raise AssertionError(f"declaration in the output: {data!r}")

    def handle_pi(self, data: str) -> None:
        raise AssertionError(f"processing instruction in the output: {data!r}")


def parse_safe(html: str) -> Element:
    """Parse ``html`` and assert it is inert: allowed tags and attributes only, safe URLs and ids."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    for text in builder.raw_text:  # raw text between tags: a '<' here would be a tag to a browser
        assert "<" not in text and ">" not in text, f"unescaped markup in a text node: {text!r}"
    for element in builder.root.iter()[1:]:
        assert element.tag in ALLOWED, f"<{element.tag}> is not allowed"
        assert set(element.attrs) <= ALLOWED[element.tag], f"<{element.tag} {element.attrs}>"
        if element.tag == "a":
            assert element.attrs.get("rel") == "noopener noreferrer"
            href = element.attrs.get("href")
            if href is not None:
                assert href.startswith("#note-") or (
                    urlsplit(href).scheme in ("http", "https") and urlsplit(href).netloc
                ), f"href {href!r}"
                assert not any(ch.isspace() or ord(ch) < 32 for ch in href), f"href {href!r}"
        if "id" in element.attrs:
            assert re.fullmatch(r"note-[\w-]+", element.attrs["id"] or ""), element.attrs
        if element.tag == "details":
            assert element.attrs == {"class": "answer"}
            assert isinstance(element.children[0], Element) and element.children[0].tag == "summary"
    return builder.root


def hrefs(root: Element) -> list[str | None]:
    return [a.attrs.get("href") for a in root.find_all("a")]


HOSTILE = {
    "script": "Intro <script>alert(1)</script> end",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)><circle/></svg>",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "raw-anchor": '<a href="javascript:alert(1)">click</a>',
    "comment": "<!-- <script>alert(1)</script> --> text",
    "mutation-noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "double-encoded": "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "encoded": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "javascript-link": "[x](javascript:alert(1))",
    "javascript-upper": "[x](JAVASCRIPT:alert(1))",
    "javascript-tab": "[x](java\tscript:alert(1))",
    "javascript-tab-bracketed": "[x](<java\tscript:alert(1)>)",
    "javascript-entity": "[x](&#106;avascript:alert(1)) [y](jav&#x09;ascript:alert(1))",
    "javascript-leading-space": "[x](< javascript:alert(1)>)",
    "javascript-percent": "[x](javascript%3Aalert(1))",
    "vbscript": "[x](vbscript:msgbox(1))",
    "data-link": "[x](data:text/html,<script>alert(1)</script>)",
    "data-link-base64": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "remote-image": "![i](https://evil.example/x.png)",
    "data-image": "![i](data:image/png;base64,AAAA)",
    "image-in-link": "[![i](https://evil.example/x.png)](https://example.com/)",
    "autolink-javascript": "<javascript:alert(1)>",
    "autolink-data": "<data:text/html,alert(1)>",
    "reference-javascript": "[x][bad]\n\n[bad]: javascript:alert(1)",
    "reference-title": (
        '[x][ok]\n\n[ok]: https://example.com/ "<script>alert(1)</script>\\" onmouseover=\\"alert(1)"'
    ),
    "heading-html": (
        "# <script>alert(1)</script> <b onmouseover=alert(1)>Title</b>\n\n## <img src=x onerror=alert(1)>"
    ),
    "quote-in-url": '[x](https://example.com/a"onmouseover="alert(1))',
    "quote-in-bracketed-url": '[x](<https://example.com/a" onmouseover="alert(1)>)',
    "quote-in-title": '[x](https://example.com/ "a\\" onmouseover=\\"alert(1)")',
    "details-ontoggle": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "table-html": (
        "| <b>h</b> | <img src=x onerror=alert(1)> |\n|:--|--:|\n| <script>x</script> | [l](javascript:1) |"
    ),
    "relative-links": "[a](/etc/passwd) [b](//evil.example/) [c](note.md) [d](mailto:a@b.c) [e](ftp://x/)",
    "style-attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "assessment-hostile": (
        "## Assessment\n\n1. <script>alert(1)</script>?\n"
        "   - **Model answer:** <img src=x onerror=alert(1)> [x](javascript:alert(1))\n"
    ),
}


@pytest.mark.parametrize("markdown", HOSTILE.values(), ids=HOSTILE.keys())
def test_given_a_hostile_note_when_rendered_then_only_allowed_tags_attributes_and_urls(markdown: str) -> None:
    # Given markdown written to attack the page / When rendered / Then the parsed output is inert
    root = parse_safe(render(markdown))
    assert not root.find_all("script") and not root.find_all("img")


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("&amp;lt;img src=x onerror=alert(1)&amp;gt;", "&lt;img src=x onerror=alert(1)&gt;"),
        ("<details open ontoggle=alert(1)>", "<details open ontoggle=alert(1)>"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("<javascript:alert(1)>", "<javascript:alert(1)>"),
    ],
)
def test_given_markup_in_the_markdown_when_rendered_then_the_reader_sees_it_as_text(
    markdown: str, shown: str
) -> None:
    root = parse_safe(render(markdown))
    assert root.text().strip() == shown
    assert [e.tag for e in root.iter()[1:]] == ["p"]


def test_given_images_when_rendered_then_no_image_only_its_alt_text() -> None:
    root = parse_safe(
        render("See ![a diagram](https://evil.example/x.png) and ![](https://evil.example/y.png).")
    )
    assert root.find_all("img") == []
    assert root.text().strip() == "See a diagram and ."
    assert "evil.example" not in render("![a](https://evil.example/x.png)")


def test_given_links_when_rendered_then_http_kept_and_every_other_scheme_or_path_loses_its_href() -> None:
    markdown = (
        "[ok](https://example.com/a?b=1&c=2) [plain](http://example.com/) "
        "[rel](/etc/passwd) [proto](//evil.example/) [mail](mailto:a@b.c) [tab](<java\tscript:alert(1)>)"
    )
    assert (
        hrefs(parse_safe(render(markdown)))
        == ["https://example.com/a?b=1&c=2", "http://example.com/"] + [None] * 4
    )


def test_given_a_link_with_quotes_when_rendered_then_they_stay_inside_the_attribute() -> None:
    root = parse_safe(render('[x](<https://example.com/a" onmouseover="alert(1)>)'))
    (link,) = root.find_all("a")
    assert set(link.attrs) == {"href", "rel"}
    assert link.attrs["href"] == "https://example.com/a%22%20onmouseover=%22alert(1)"


def test_given_a_reference_link_with_a_hostile_title_when_rendered_then_the_title_is_plain_text() -> None:
    root = parse_safe(render('[x][r]\n\n[r]: https://example.com/ "<b>t</b>\\" onclick=\\"x"'))
    (link,) = root.find_all("a")
    assert link.attrs == {
        "href": "https://example.com/",
        "title": '<b>t</b>" onclick="x',
        "rel": "noopener noreferrer",
    }


def test_given_headings_when_rendered_then_prefixed_unique_ids_and_in_page_links_follow_them() -> None:
    root = parse_safe(
        render("## Core Concepts\n\n## Core Concepts\n\n# id\n\n[see](#core-concepts) [x](#note-id)")
    )
    assert [h.attrs["id"] for h in root.iter() if h.tag in ("h1", "h2")] == [
        "note-core-concepts",
        "note-core-concepts-1",
        "note-id",
    ]
    assert hrefs(root) == ["#note-core-concepts", "#note-id"]


def test_given_a_table_when_rendered_then_a_table_without_alignment_styles() -> None:
    root = parse_safe(render("| a | b |\n|:--|--:|\n| 1 | 2 |"))
    assert [c.text() for c in root.find_all("th") + root.find_all("td")] == ["a", "b", "1", "2"]


def test_given_front_matter_when_rendered_then_it_is_left_out_but_a_later_rule_is_kept() -> None:
    markdown = (
        '---\ntitle: "<script>alert(1)</script>"\nvideo_id: "x"\n---\n\n# Title\n\ntext\n\n---\n\nmore\n'
    )
    root = parse_safe(render(markdown))
    assert [e.tag for e in root.iter()[1:]] == ["h1", "p", "hr", "p"]
    assert "video_id" not in root.text()


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("---\na: 1\n---\nbody\n", "body\n"),
        ("\ufeff---\na: 1\n...\nbody\n", "body\n"),
        ("---\nnot closed\n", "---\nnot closed\n"),
        ("text\n---\n", "text\n---\n"),
    ],
)
def test_front_matter_is_only_a_closed_block_at_the_top(markdown: str, expected: str) -> None:
    assert strip_front_matter(markdown) == expected


ASSESSMENT = """\
# T

## Key Points

- **Answer:** outside the assessment stays a list item

## Assessment

### Gap Analysis

1. What is a gradient?
   - **Model answer:** A vector of [partial derivatives](https://youtu.be/Xq3b7LmR9tA?t=196).
2. Second?
   - **Model Answer**: colon outside the bold
3. Mixed?
   - a hint
   - **Answer:** the mixed one

## After

- **Answer:** not an assessment any more
"""


def test_given_an_assessment_when_rendered_then_each_answer_is_a_closed_details_after_its_question() -> None:
    root = parse_safe(render(ASSESSMENT))
    details = root.find_all("details")
    assert [d.text() for d in details] == [
        "Show answerA vector of partial derivatives.",
        "Show answercolon outside the bold",
        "Show answerthe mixed one",
    ]
    assert all("open" not in d.attrs for d in details)
    (ol,) = root.find_all("ol")
    questions = [child for child in ol.children if isinstance(child, Element)]
    # Then a list made only of answers is replaced by the details; a mixed list keeps its items
    assert [[c.tag for c in q.children if isinstance(c, Element)] for q in questions] == [
        ["details"],
        ["details"],
        ["ul"],
    ]
    assert hrefs(details[0]) == ["https://youtu.be/Xq3b7LmR9tA?t=196"]
    outside = [li.text() for li in root.find_all("li") if li.text().startswith("Answer:")]
    assert outside == [
        "Answer: outside the assessment stays a list item",
        "Answer: not an assessment any more",
    ]


NOTE_KEYS = [
    f"{video_id}-{provider}"
    for video_id in ("Xq3b7LmR9tA", "pV2nW8cKd4E", "hT6sJ1yFz0Q")
    for provider in ("offline", "claude")
]


@pytest.mark.parametrize("key", NOTE_KEYS)
def test_given_a_real_engine_note_when_rendered_then_sections_answers_and_timestamps_survive(
    engine_notes: dict[str, str], key: str
) -> None:
    markdown = engine_notes[key]
    root = parse_safe(render(markdown))
    # Then every "## " section is an h2, in order, and the front matter is gone
    sections = re.findall(r"^## (.+)$", strip_front_matter(markdown), re.MULTILINE)
    assert "Assessment" in sections
    assert [h.text() for h in root.find_all("h2")] == sections
    assert "generated_at" not in root.text()
    # And every model answer is a details of its own, none before the assessment
    details = root.find_all("details")
    assert len(details) == len(ANSWER_LINE.findall(markdown)) > 0
    assert all(d.children[0].text() == "Show answer" and d.text() != "Show answer" for d in details)  # type: ignore[union-attr]
    assert "Answer:" not in " ".join(d.text() for d in details)
    # And the timestamp links are still links to the same moments
    assert set(TIMESTAMP_LINK.findall(markdown)) == {
        h for h in hrefs(root) if h and h.startswith("https://youtu.be/")
    }
    assert TIMESTAMP_LINK.findall(markdown)


def test_given_an_obsidian_callout_when_rendered_then_a_quote_without_its_marker() -> None:
    html = render("> [!note] Generated offline\n> No API key was used.\n\nA [!note] in a sentence stays.")
    assert (
        "<blockquote>\n<p><strong>Generated offline</strong><br>\nNo API key was used.</p>\n</blockquote>"
        in html
    )
    assert "<p>A [!note] in a sentence stays.</p>" in html
