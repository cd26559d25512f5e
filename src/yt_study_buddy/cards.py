"""Flashcards from a finished note: an Anki-importable TSV beside it (``--cards``).

Read back from the note's Markdown, so the cards match what the student reads whoever wrote the
note (offline generator or model): each definition becomes term -> definition, each assessment
question question -> answer. Anki imports the file as "Basic" notes, front and back; the header
lines tell it the separator and that the fields are plain text.
"""

from __future__ import annotations

import re
from pathlib import Path

_DEFINITION = re.compile(r"^- \*\*(?P<term>.+?)\*\*:\s*(?P<rest>.+)$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_QUESTION = re.compile(r"^(?:\d+\.|-)\s+(?P<text>.+)$")
_STAMP = re.compile(r"^(\d+(?::\d\d)+)\s+")
_ANSWER = re.compile(r"^\s+- \*\*(?:Model answer|Answer):\*\*\s*(?P<text>.+)$")
HEADER = "#separator:tab\n#html:false\n#columns:Front\tBack\n"


def _plain(text: str) -> str:
    """One line of plain text: links as their label, bold marks and tabs gone."""
    text = _LINK.sub(r"\1", text).replace("**", "")
    return " ".join(text.replace("\t", " ").split()).strip()


def cards(markdown: str) -> list[tuple[str, str]]:
    """(front, back) pairs: the note's definitions, then its assessment questions with answers."""
    result: list[tuple[str, str]] = []
    section = ""
    question: str | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            section, question = line[3:].strip(), None
            continue
        if section == "Definitions" and (match := _DEFINITION.match(line)):
            back = _plain(match["rest"])
            if stamp := _STAMP.match(back):  # the offline note's `[1:25](link) "quote"`
                back = f"{back[stamp.end() :].strip().strip(chr(34))} ({stamp[1]})"
            if back:
                result.append((_plain(match["term"]), back))
        elif section == "Assessment":
            if (answer := _ANSWER.match(line)) and question:
                back = _plain(answer["text"])
                if back:
                    result.append((question, back))
                question = None
            elif (asked := _QUESTION.match(line)) and not line.startswith(" "):
                question = _plain(asked["text"])
    return result


def write_cards(note_path: Path) -> Path | None:
    """``<note>.cards.tsv`` beside ``note_path``; None when the note has nothing to ask."""
    pairs = cards(note_path.read_text(encoding="utf-8"))
    if not pairs:
        return None
    path = note_path.with_suffix(".cards.tsv")
    path.write_text(HEADER + "".join(f"{front}\t{back}\n" for front, back in pairs), encoding="utf-8")
    return path
