"""One sanitising step for everything that comes from outside the engine.

Captions, titles, chapter titles and channel names are written by whoever uploaded the video,
and a model's answer can be steered by them. Each kind of text is cleaned once, where it enters
or leaves:

- ``clean_text``: caption text (the transcript sources call it). Entities are decoded once and
  only then is markup removed, so ``&amp;lt;img onerror=..&amp;gt;`` ends as the harmless text
  ``&lt;img ..&gt;`` and never as a tag; a ``<`` left that could start a tag gets a space after it.
- ``line``: a title, chapter title or channel: clean_text on one capped line.
- ``markdown``: a note body (the offline generator's or a model's). Raw HTML and autolinks are
  escaped, images and links whose target is not YouTube or the note itself are neutralised,
  outside code blocks (markdown-it, the parser the backend renders with, says where those are);
  the result is checked with that parser, and cut at MAX_NOTE_CHARS with a marker.
- ``escape_inline``: plain text placed into markdown (the H1 title, a chapter list item).

Everywhere, code points that break YAML or terminals (C0/C1 controls, DEL, lone surrogates,
noncharacters) are dropped and a single "word" is capped at MAX_TOKEN_CHARS.
"""

from __future__ import annotations

import functools
import html
import logging
import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

log = logging.getLogger(__name__)

#: Longest run of characters without a space (or CJK punctuation) kept; the rest becomes "…".
MAX_TOKEN_CHARS = 200
#: Longest title, chapter title or channel name.
MAX_LINE_CHARS = 300
#: Longest note body; a longer one is cut at a line boundary with CUT_MARKER.
MAX_NOTE_CHARS = 200_000
#: Longest plausible time in a video (115 days): beyond it a timestamp is garbage.
MAX_SECONDS = 10_000_000.0
ELLIPSIS = "\u2026"
CUT_MARKER = "\n\n> [!warning] This note was cut here: it was longer than {limit:,} characters.\n"

_NONCHARACTERS = "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
# Dropped everywhere: controls but tab and newline, DEL, C1 controls, lone surrogates (a str holds a
# surrogate only when it is unpaired), noncharacters, specials but U+FFFD, the BOM.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufeff\ufff0-\ufffc"
    + re.escape(_NONCHARACTERS)
    + "]"
)
_SPACES = re.compile(r"\s+")
# Markup in caption text: HTML/WebVTT tags, WebVTT timestamps, comments, SSA positioning codes.
# Each alternative stops at the next "<" or "{", so hostile input cannot make it quadratic.
_MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|<[!?][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_LONG_TOKEN = re.compile(
    rf"(?<![^\s\u3000-\u303f\uff00-\uffef])[^\s\u3000-\u303f\uff00-\uffef]{{{MAX_TOKEN_CHARS + 1},}}"
)
# Link targets a note may keep: YouTube (the video, its moments) and the note itself.
# The host must end the authority (no "youtube.com@evil.example", no "youtube.com.evil.example").
_ALLOWED_TARGET = re.compile(
    r"(?:https?://(?:(?:www|m)\.)?(?:youtube\.com|youtu\.be)(?=[/?#\s)>]|$)|#)", re.IGNORECASE
)
_LINK_OPEN = re.compile(r"\]\(\s*")
_MAYBE_CODE = re.compile(r"```|~~~|^(?: {4}|\t)", re.MULTILINE)
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]>~|])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_HASH_AFTER_SPACE = re.compile(r"(^|\s)#")


def clean_text(raw: object, *, decode_entities: bool = True) -> str:
    """Caption text as plain text on one line: entities decoded once, then markup removed.

    ``decode_entities=False`` for text whose entities were already decoded once upstream
    (youtube-transcript-api does it), so that no text is decoded twice.
    """
    text = raw if isinstance(raw, str) else ""
    if decode_entities:
        text = html.unescape(text)
    text = _TAG_START.sub("< ", _MARKUP.sub("", text))
    text = _SPACES.sub(" ", _FORBIDDEN.sub("", _SPACES.sub(" ", text))).strip()
    return _cap_tokens(text)


def line(raw: object, *, max_chars: int = MAX_LINE_CHARS) -> str | None:
    """A title, chapter title or channel: one clean line of at most ``max_chars``; None if empty.

    Numbers are accepted (a hand-written sidecar may hold ``"title": 2024``), nothing else that
    is not a string.
    """
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        raw = str(raw)
    text = clean_text(raw)
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + ELLIPSIS
    return text or None


def seconds(raw: object) -> float | None:
    """A time or duration from outside: a finite number of seconds in [0, MAX_SECONDS], else None."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        value = float(raw)
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and 0 <= value <= MAX_SECONDS else None


def escape_inline(text: str) -> str:
    """Plain text made literal inside a line of markdown (a heading, a list item): no emphasis,
    link, tag, code span or closing ``#`` can come out of it."""
    text = _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;")
    return _HASH_AFTER_SPACE.sub(r"\1\\#", _INLINE_SPECIAL.sub(r"\\\1", text))


def markdown(text: str, *, max_chars: int = MAX_NOTE_CHARS) -> str:
    """A note body safe to store and render: see the module docstring."""
    text = _FORBIDDEN.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _limit(_cap_tokens(text), max_chars)
    lines = text.split("\n")
    code = _code_lines(text)
    safe = "\n".join(line if i in code else _neutralise(line) for i, line in enumerate(lines))
    if not is_safe_markdown(safe):
        # Neutralising a line next to a code block changed the blocks (it cannot when nothing is
        # skipped): neutralise every line, code included.
        log.warning("A note needed its code blocks neutralised too")
        safe = "\n".join(_neutralise(line) for line in lines)
    return _limit(_cap_tokens(safe), max_chars)


def is_safe_markdown(text: str) -> bool:
    """Whether ``text`` has no raw HTML, no image and no link to anywhere but YouTube or the note
    itself, parsed strictly (see _parser)."""
    return all(_token_is_safe(token) for token in _walk(_parser(strict=True).parse(text)))


def _neutralise(text: str) -> str:
    """One line of markdown with tags and autolinks escaped, images and foreign links undone."""
    text = _TAG_START.sub("&lt;", text)
    text = text.replace("![", "!\\[").replace("]:", "]\\:")  # images; link reference definitions
    return _LINK_OPEN.sub(
        lambda m: m.group(0) if _ALLOWED_TARGET.match(text, m.end()) else "]\\(" + m.group(0)[2:], text
    )


def _cap_tokens(text: str) -> str:
    return _LONG_TOKEN.sub(lambda m: m.group(0)[:MAX_TOKEN_CHARS] + ELLIPSIS, text)


def _limit(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    marker = CUT_MARKER.format(limit=max_chars)
    keep = max_chars - len(marker)
    cut = text.rfind("\n", 0, keep)
    return text[: cut if cut > keep // 2 else keep].rstrip() + marker


def _code_lines(text: str) -> set[int]:
    """Indexes of the lines inside code blocks, where markdown shows text as it is."""
    lines: set[int] = set()
    if not _MAYBE_CODE.search(text):
        return lines  # the common case, without parsing
    for token in _parser(strict=False).parse(text):
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(*token.map))
    return lines


def _walk(tokens: list[Token]) -> list[Token]:
    found: list[Token] = []
    for token in tokens:
        found.append(token)
        if token.children:
            found.extend(_walk(token.children))
    return found


def _token_is_safe(token: Token) -> bool:
    if token.type in ("html_block", "html_inline", "image"):
        return False
    if token.type == "link_open":
        return bool(_ALLOWED_TARGET.match(str(token.attrs.get("href", ""))))
    return True


@functools.cache
def _parser(*, strict: bool) -> MarkdownIt:
    """CommonMark with tables and strikethrough, as the backend renders notes. ``strict`` parses raw
    HTML as HTML and makes a link of every target, even one markdown-it refuses to link: another
    renderer (Obsidian's) may not refuse it."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": strict}).enable(["table", "strikethrough"])
    if strict:
        parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser
