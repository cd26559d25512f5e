"""The note file: YAML front matter, H1 title, the generated body, links to moments and to
related notes (Obsidian ``[[wiki links]]``), and a file name that never clobbers another video.

Everything below the front matter passes through sanitize.markdown once, here, whoever wrote it
(the offline generator, a model, another note's front matter); the front matter is YAML that
``yaml.safe_load`` parses whatever the title holds.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from yt_study_buddy import sanitize
from yt_study_buddy.models import GeneratedNote, Transcript
from yt_study_buddy.text import format_timestamp, parse_timestamp
from yt_study_buddy.urls import timestamp_url, watch_url

_TIMESTAMP = re.compile(r"\[(\d{1,2}(?::\d{2}){1,2})\](?!\()")
_H1 = re.compile(r"\A\s*#\s+(.+?)\s*$", re.MULTILINE)
_CONCEPT = re.compile(r"^\s*[-*]\s+\*\*(.+?)\*\*")
_FRONT_FIELD = re.compile(r"^(\w+):\s*(.*)$")
_MAX_SLUG = 80
_MAX_CONCEPTS = 30
_MAX_CONCEPT_CHARS = 100
# What YAML does not accept raw in a double-quoted scalar (or reads as a line break): escaped.
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def slugify(title: str) -> str:
    """A file name safe on every OS: ASCII letters, digits and dashes, at most 80 characters."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-").lower()
    return slug[:_MAX_SLUG].rstrip("-") or "note"


def link_timestamps(markdown: str, video_id: str) -> str:
    """``[12:34]`` -> ``[12:34](https://youtu.be/ID?t=754)``; existing links are left alone."""
    return _TIMESTAMP.sub(
        lambda m: f"[{m.group(1)}]({timestamp_url(video_id, parse_timestamp(m.group(1)))})", markdown
    )


def split_title(markdown: str) -> tuple[str | None, str]:
    """A leading ``# Title`` line (models write one) and the rest of the body."""
    match = _H1.match(markdown)
    if not match:
        return None, markdown.strip()
    return match.group(1).strip(), markdown[match.end() :].strip()


def concepts(markdown: str) -> list[str]:
    """The bold terms listed under ``## Core Concepts``: what related notes are matched on."""
    found: list[str] = []
    inside = False
    for line in markdown.splitlines():
        if line.startswith("## "):
            inside = line[3:].strip().lower() == "core concepts"
        elif inside and (match := _CONCEPT.match(line)):
            found.append(match.group(1).strip())
    return found


def front_matter(path: Path) -> dict[str, str]:
    """The scalar fields of a note's front matter, as raw text (no YAML library needed)."""
    fields: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            if handle.readline().strip() != "---":
                return fields
            for line in handle:
                if line.strip() == "---":
                    break
                if match := _FRONT_FIELD.match(line.rstrip("\n")):
                    fields[match.group(1)] = match.group(2).strip()
    except (OSError, UnicodeDecodeError):
        pass
    return fields


def _yaml(value: object) -> str:
    """JSON strings and lists are YAML flow scalars and sequences, once the characters YAML does
    not print (DEL, C1 controls, U+FFFE, lone surrogates, line separators) are ``\\u`` escapes."""
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _moment(video_id: str, seconds: float) -> str:
    return f"[{format_timestamp(seconds)}]({timestamp_url(video_id, seconds)})"


def concept_terms(body: str) -> list[str]:
    """The note's concepts as plain one-line terms, for the front matter and related notes."""
    terms = (sanitize.line(term, max_chars=_MAX_CONCEPT_CHARS) for term in concepts(body))
    return [term for term in terms if term][:_MAX_CONCEPTS]


def render(
    note: GeneratedNote,
    transcript: Transcript,
    *,
    related: Sequence[tuple[str, Sequence[str]]] = (),
    generated_at: datetime | None = None,
) -> str:
    """The complete markdown file for ``note``."""
    video_id = transcript.video_id
    metadata = transcript.metadata
    duration = transcript.duration_seconds
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    _, body = split_title(note.markdown)
    body = link_timestamps(body, video_id)
    lines = [
        f"# {sanitize.escape_inline(note.title)}",
        "",
        f"Video: [{watch_url(video_id)}]({watch_url(video_id)})",
        "",
    ]
    chapters = metadata.chapters if metadata else ()
    if chapters:
        lines += ["## Chapters", ""]
        lines += [f"- {_moment(video_id, c.start)} {sanitize.escape_inline(c.title)}" for c in chapters]
        lines.append("")
    lines.append(body)
    if related:
        lines += ["", "## Related Notes", ""]
        lines += [
            f"- [[{stem}]] (shared: {sanitize.escape_inline(', '.join(shared))})" for stem, shared in related
        ]
    fields = {
        "title": note.title,
        "video_id": video_id,
        "url": watch_url(video_id),
        "channel": metadata.channel if metadata else None,
        "duration": format_timestamp(duration),
        "duration_seconds": round(duration, 3),
        "language": transcript.language,
        "generated_at": when,
        "provider": note.provider,
        "model": note.model,
        "input_tokens": note.usage.input_tokens,
        "output_tokens": note.usage.output_tokens,
        "llm_calls": note.usage.calls,
        "concepts": concept_terms(body),
        "tags": ["study-notes"],
    }
    front = ["---", *(f"{key}: {_yaml(value)}" for key, value in fields.items()), "---", ""]
    return "\n".join(front) + "\n" + sanitize.markdown("\n".join(lines)).rstrip() + "\n"


def note_path(base_dir: Path, title: str, video_id: str) -> Path:
    """The file of this video's note: the one already written for it if any (a re-run
    refreshes it, and links to it keep working), else ``<slug>.md``, or
    ``<slug>-<video_id>.md`` when ``<slug>.md`` is another video's note."""
    for existing in sorted(base_dir.glob("*.md")):
        if _video_id_of(existing) == video_id:
            return existing
    path = base_dir / f"{slugify(title)}.md"
    if path.exists():
        path = base_dir / f"{slugify(title)}-{video_id}.md"
    return path


def _video_id_of(path: Path) -> str:
    return front_matter(path).get("video_id", "").strip('"')


def related_notes(base_dir: Path, own: Sequence[str], exclude: Path) -> list[tuple[str, list[str]]]:
    """Other notes in ``base_dir`` that share at least one core concept, most shared first."""
    wanted = {c.lower(): c for c in own}
    found: list[tuple[str, list[str]]] = []
    for path in sorted(base_dir.glob("*.md")):
        if path.resolve() == exclude.resolve():
            continue
        try:
            theirs = json.loads(front_matter(path).get("concepts", "[]"))
        except ValueError:
            continue
        shared = [wanted[c.lower()] for c in theirs if isinstance(c, str) and c.lower() in wanted]
        if shared:
            found.append((path.stem, shared))
    return sorted(found, key=lambda item: -len(item[1]))[:10]


def write(note: GeneratedNote, transcript: Transcript, base_dir: Path) -> Path:
    """Write the note atomically (a reader never sees half a file) and return its path."""
    base_dir.mkdir(parents=True, exist_ok=True)
    path = note_path(base_dir, note.title, transcript.video_id)
    _, body = split_title(note.markdown)
    related = related_notes(base_dir, concept_terms(body), exclude=path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(render(note, transcript, related=related), encoding="utf-8")
    os.replace(temporary, path)
    return path
