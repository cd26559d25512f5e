"""A note's markdown as HTML the web page may insert as is: rendered, then cleaned to an allow-list.

The page inserts this HTML and nothing else with ``innerHTML``, so this module is its security
boundary. Two layers, each enough on its own for the common attacks: markdown-it renders with raw
HTML disabled (``<script>`` in a caption stays text) and refuses ``javascript:``-like links; nh3
(ammonia) then keeps only the tags, attributes and URLs listed here, whatever the renderer produced.
Imported only by ``GET /notes/{id}?format=html``, so other cold starts do not pay for it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

ID_PREFIX = "note-"  # heading ids and in-page links live apart from the page's own ids and hash routes
ALLOWED_TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "strong", "em", "s"}
    | {"ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "details", "summary"}
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "ol": frozenset({"start"}),
    **{f"h{level}": frozenset({"id"}) for level in range(1, 7)},
}
ANSWER_CLASS = "answer"  # the only attribute value of <details>, fixed below
LINK_REL = "noopener noreferrer"
ANSWER_SECTION = "assessment"
_ANSWER_LABEL = re.compile(r"(model\s+)?answer\s*:?", re.IGNORECASE)
_NOT_SLUG = re.compile(r"[^\w\- ]+")
_CALLOUT_MARKER = re.compile(r"\A\[![a-z]+\][+-]?\s*", re.IGNORECASE)  # Obsidian's "> [!note] Title"


def render(markdown: str) -> str:
    """The note (front matter left out) as sanitised HTML; model answers become closed <details>."""
    md = _markdown()
    env: dict[str, Any] = {}
    tokens = md.parse(strip_front_matter(markdown), env)
    _add_heading_ids(tokens)
    _mark_answers(tokens)
    _drop_callout_markers(tokens)
    return _cleaner().clean(md.renderer.render(tokens, md.options, env))


def strip_front_matter(markdown: str) -> str:
    """Drop a YAML block that opens the note (``---`` ... ``---`` or ``...``); metadata, not content."""
    lines = markdown.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return markdown
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "".join(lines[index + 1 :])
    return markdown  # never closed: not front matter, render it all


@functools.cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])
    md.add_render_rule("image", _render_image)
    for name in ("bullet_list_open", "bullet_list_close", "ordered_list_open", "ordered_list_close"):
        md.add_render_rule(name, _render_list)
    md.add_render_rule("list_item_open", _render_item_open)
    md.add_render_rule("list_item_close", _render_item_close)
    return md


@functools.cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values={"details": {"class": {ANSWER_CLASS}}},
        link_rel=LINK_REL,
        url_schemes={"http", "https"},
        url_relative=_in_page_only,
        id_prefix=ID_PREFIX,
    )


def _in_page_only(url: str) -> str | None:
    """Relative URLs: an in-page ``#fragment`` (pointed at our prefixed ids) stays; paths go."""
    if not url.startswith("#"):
        return None
    fragment = url[1:]
    return url if fragment.startswith(ID_PREFIX) else f"#{ID_PREFIX}{fragment}"


def _add_heading_ids(tokens: list[Token]) -> None:
    """GitHub-style slugs (``## Core Concepts`` -> ``note-core-concepts``), numbered when repeated."""
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        slug = (
            _NOT_SLUG.sub("", _plain_text(tokens[index + 1]).lower()).strip().replace(" ", "-") or "section"
        )
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        token.attrSet("id", f"{ID_PREFIX}{slug}" if count == 0 else f"{ID_PREFIX}{slug}-{count}")


def _drop_callout_markers(tokens: list[Token]) -> None:
    """``> [!note] Generated offline`` reads as a plain quote: the marker is Obsidian's syntax, not text."""
    for index, token in enumerate(tokens[:-2]):
        if token.type == "blockquote_open" and tokens[index + 1].type == "paragraph_open":
            inline = tokens[index + 2]
            children = inline.children or []
            if not (children and children[0].type == "text" and _CALLOUT_MARKER.match(children[0].content)):
                continue
            children[0].content = _CALLOUT_MARKER.sub("", children[0].content, count=1)
            if len(children) > 1 and children[1].type == "softbreak" and children[0].content:
                # The callout's title line reads as its title: bold, on a line of its own.
                children[1] = Token("hardbreak", "br", 0)
                title = [Token("strong_open", "strong", 1), children[0], Token("strong_close", "strong", -1)]
                inline.children = title + children[1:]


def _mark_answers(tokens: list[Token]) -> None:
    """Under ``## Assessment``, flag each list item that starts with a bold ``Answer:``/``Model answer:``.

    The label is removed (the <summary> says it); a list made only of answers loses its <ul>, so the
    question is followed directly by its <details>.
    """
    in_section = False
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and int(token.tag[1]) <= 2:
            in_section = _plain_text(tokens[index + 1]).strip().lower() == ANSWER_SECTION
        elif in_section and token.type == "list_item_open" and _take_answer_label(tokens, index):
            token.meta["answer"] = tokens[_closing(tokens, index)].meta["answer"] = True
    for index, token in enumerate(tokens):
        if token.type not in ("bullet_list_open", "ordered_list_open"):
            continue
        end = _closing(tokens, index)
        items = [
            i
            for i in range(index + 1, end)
            if tokens[i].type == "list_item_open" and tokens[i].level == token.level + 1
        ]
        if items and all(tokens[i].meta.get("answer") for i in items):
            token.meta["answers_only"] = tokens[end].meta["answers_only"] = True
            for i in items:
                tokens[i].meta["bare"] = tokens[_closing(tokens, i)].meta["bare"] = True


def _take_answer_label(tokens: list[Token], item_index: int) -> bool:
    """If the item's first paragraph opens with the bold label, drop the label and say so."""
    if item_index + 2 >= len(tokens) or tokens[item_index + 1].type != "paragraph_open":
        return False
    inline = tokens[item_index + 2]
    children = [child for child in inline.children or [] if not (child.type == "text" and not child.content)]
    if (
        len(children) < 3
        or [child.type for child in children[:3]] != ["strong_open", "text", "strong_close"]
        or not _ANSWER_LABEL.fullmatch(children[1].content.strip())
    ):
        return False
    rest = children[3:]
    if rest and rest[0].type == "text":
        rest[0].content = rest[0].content.lstrip(": \t")
    inline.children = rest
    return True


def _closing(tokens: list[Token], open_index: int) -> int:
    """Index of the token that closes ``tokens[open_index]`` (same type family, same nesting level)."""
    opening = tokens[open_index]
    closing_type = opening.type.replace("_open", "_close")
    for index in range(open_index + 1, len(tokens)):
        if tokens[index].type == closing_type and tokens[index].level == opening.level:
            return index
    raise ValueError(f"unbalanced {opening.type}")  # markdown-it always closes what it opens


def _plain_text(inline: Token) -> str:
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


_SUMMARY = f'<details class="{ANSWER_CLASS}"><summary>Show answer</summary>'


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
) -> str:
    """No remote images (tracking, mixed content): an image becomes its alt text."""
    return escapeHtml(self.renderInlineAsText(tokens[idx].children or [], options, env))


def _render_list(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
) -> str:
    return "" if tokens[idx].meta.get("answers_only") else self.renderToken(tokens, idx, options, env)


def _render_item_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
) -> str:
    token = tokens[idx]
    if not token.meta.get("answer"):
        return self.renderToken(tokens, idx, options, env)
    return _SUMMARY if token.meta.get("bare") else f"<li>{_SUMMARY}"


def _render_item_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
) -> str:
    token = tokens[idx]
    if not token.meta.get("answer"):
        return self.renderToken(tokens, idx, options, env)
    return "</details>\n" if token.meta.get("bare") else "</details></li>\n"
