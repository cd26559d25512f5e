"""How good the offline notes are on real captions: concepts, key points, questions, definitions.

Run from the repository root: ``.venv/bin/python bench/notes_quality.py``. The captions and the
terms a teacher expects from each are in tests/fixtures/real/ (SOURCES.md, labels.toml, whose
header states the matching rules). The note is read back from its Markdown, as a student sees it,
so any generator can be measured the same way. Measures, per file and in total:

- concept recall: expected terms found among the Core Concepts;
- concept precision: listed concepts that are real terms of the subject;
- readable key points: complete sentences (see ``readable``);
- useful questions: fill-in-the-blank questions that blank a real term in a readable sentence;
- real definitions: a real term defined by a readable sentence;
- wall time: the median of three runs of the generator; and one run on the 3-hour sample lecture.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from yt_study_buddy import offline
from yt_study_buddy.models import Segment, Transcript
from yt_study_buddy.samples import long_lecture
from yt_study_buddy.transcripts.parsers import parse_srt, parse_vtt

REAL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real"
TARGETS = {"precision": 0.80, "recall": 0.60, "points": 0.95, "points_raw": 0.60, "questions": 0.60}
TARGETS["definitions"] = 0.60

# A sentence does not end on these words, nor start on the second set: it was cut mid-phrase.
_DANGLING_END_WORDS = """
a an the of to and or but in on at for with that which is are was were be my your our their its
this these those as by from if than then because so uh um very we i you they he she it's i'm
we're you're can will would should could have has had do does not about into like what how when
where who whose also just really
"""
_DANGLING_END = frozenset(_DANGLING_END_WORDS.split())
_DANGLING_START_WORDS = "of to or than which whose by with at from are is was were"
_DANGLING_START = frozenset(_DANGLING_START_WORDS.split())
_CONCEPT = re.compile(r"^- \*\*(.+?)\*\*")
_LINKED = re.compile(r"^- \[[0-9:]+\]\([^)]*\) (.+)$")
_DEFINITION = re.compile(r'^- \*\*(.+?)\*\*: \[[0-9:]+\]\([^)]*\) "(.+)"$')
_QUESTION = re.compile(r"^\d+\. (.+)$")
_ANSWER = re.compile(r"^\s+- \*\*Answer:\*\* (.+)$")


def words_of(text: str) -> tuple[str, ...]:
    """Lower-case words, hyphens as spaces, a plural "s"/"es" dropped: the labels' matching form."""
    result = []
    for word in re.findall(r"[\w']+", text.lower().replace("-", " ")):
        for suffix in ("es", "s"):
            if len(word) > 3 + len(suffix) and word.endswith(suffix) and not word.endswith("ss"):
                word = (
                    word[: -len(suffix)]
                    if suffix == "s" or word.endswith(("shes", "ches", "xes"))
                    else word[:-1]
                )
                break
        result.append(word)
    return tuple(result)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


@dataclass
class Labels:
    expected: list[list[tuple[str, ...]]]  # each term: its spellings
    accepted: list[tuple[str, ...]]
    vocabulary: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, entry: dict[str, object]) -> Labels:
        expected = [[words_of(s) for s in str(term).split("|")] for term in entry["expected"]]  # type: ignore[attr-defined]
        accepted = [words_of(str(t)) for t in entry["accepted"]]  # type: ignore[attr-defined]
        labels = cls(expected, accepted)
        labels.vocabulary = {w for term in [*accepted, *(s for t in expected for s in t)] for w in term}
        return labels

    def is_real(self, text: str) -> bool:
        """The precision rule of labels.toml."""
        concept = words_of(text)
        terms = [*self.accepted, *(s for t in self.expected for s in t)]
        if concept in terms:
            return True
        return concept[1:] in terms and len(concept) > 1 and concept[0] in self.vocabulary

    def found(self, concepts: list[str]) -> int:
        listed = [words_of(c) for c in concepts]
        return sum(1 for term in self.expected if any(_contains(c, s) for c in listed for s in term))


def readable(text: str, punctuated: bool) -> bool:
    """A complete sentence: 6-60 words, not starting mid-phrase; on punctuated captions a capital
    (or digit) first and a sentence end last, on unpunctuated ones no dangling last word."""
    text = text.strip().strip('"')
    words = text.split()
    if not 6 <= len(words) <= 60:
        return False
    first, last = words[0].lower().strip("\"'(,"), re.sub(r"[^\w']", "", words[-1].lower())
    if first in _DANGLING_START:
        return False
    if punctuated:  # "... on top of that." is complete: the end mark, not the last word, says so
        return (text[0].isupper() or text[0].isdigit()) and text.rstrip("\"')").endswith((".", "!", "?"))
    return last not in _DANGLING_END


@dataclass
class Sections:
    concepts: list[str]
    points: list[str]
    definitions: list[tuple[str, str]]
    questions: list[tuple[str, str]]


def read_note(markdown: str) -> Sections:
    section = ""
    sections = Sections([], [], [], [])
    question: str | None = None
    for line in markdown.splitlines():
        if line.startswith("## ") or line.startswith("### "):
            section = line.lstrip("#").strip()
            continue
        if section == "Core Concepts" and (m := _CONCEPT.match(line)):
            sections.concepts.append(m.group(1))
        elif section == "Key Points" and (m := _LINKED.match(line)):
            sections.points.append(m.group(1))
        elif section == "Definitions" and (m := _DEFINITION.match(line)):
            sections.definitions.append((m.group(1), m.group(2)))
        elif section.startswith("Recall"):
            if m := _QUESTION.match(line):
                question = m.group(1)
            elif (m := _ANSWER.match(line)) and question is not None:
                sections.questions.append((question, m.group(1)))
                question = None
    return sections


def unpunctuated(segments: list[Segment]) -> list[Segment]:
    """Captions as auto-captions without punctuation show them: no punctuation, no capitals."""
    return [Segment(s.start, s.duration, re.sub(r"[^\w\s'-]", "", s.text).lower()) for s in segments]


@dataclass
class Score:
    counts: dict[str, list[int]] = field(default_factory=dict)  # name -> [good, total]

    def add(self, name: str, good: int, total: int) -> None:
        pair = self.counts.setdefault(name, [0, 0])
        pair[0] += good
        pair[1] += total

    def share(self, name: str) -> str:
        good, total = self.counts.get(name, [0, 0])
        return f"{good}/{total} {100 * good / total:3.0f}%" if total else "-"


def evaluate(
    name: str, title: str, segments: list[Segment], labels: Labels, punctuated: bool, total: Score
) -> None:
    transcript = Transcript("aaaaaaaaaaa", tuple(segments), language="en", source="file")
    times = []
    for _ in range(3):
        started = time.perf_counter()
        note = offline.generate(transcript, title=title)
        times.append(time.perf_counter() - started)
    got = read_note(note.markdown)
    score = Score()
    score.add("recall", labels.found(got.concepts), len(labels.expected))
    score.add("precision", sum(labels.is_real(c) for c in got.concepts), len(got.concepts))
    score.add(
        "points" if punctuated else "points_raw",
        sum(readable(p, punctuated) for p in got.points),
        len(got.points),
    )
    useful = sum(labels.is_real(a) and readable(q, punctuated) for q, a in got.questions)
    score.add("questions", useful, len(got.questions))
    real = sum(labels.is_real(t) and readable(s, punctuated) for t, s in got.definitions)
    score.add("definitions", real, len(got.definitions))
    for key, (good, count) in score.counts.items():
        total.add(key, good, count)
    minutes = segments[-1].end / 60 if segments else 0
    print(f"{name} ({minutes:.0f} min, {'punctuated' if punctuated else 'unpunctuated'})")
    for key in ("recall", "precision", "points", "points_raw", "questions", "definitions"):
        if key in score.counts:
            print(f"  {key:<12} {score.share(key):>12}")
    print(f"  {'wall time':<12} {statistics.median(times):>10.3f} s")
    print(f"  concepts: {', '.join(got.concepts)}")


def main() -> None:
    labels = tomllib.loads((REAL / "labels.toml").read_text(encoding="utf-8"))
    total = Score()
    for name, entry in labels.items():
        path = REAL / name
        text = path.read_text(encoding="utf-8")
        segments = parse_vtt(text) if path.suffix == ".vtt" else parse_srt(text)
        punctuated = "unpunctuated" not in str(entry["captions"])
        evaluate(name, str(entry["title"]), segments, Labels.of(entry), punctuated, total)
        if punctuated and name.startswith("gradient"):
            derived = f"{name}, punctuation removed (derived)"
            evaluate(derived, str(entry["title"]), unpunctuated(segments), Labels.of(entry), False, total)
    lecture = long_lecture()
    started = time.perf_counter()
    offline.generate(lecture, title="bench")
    elapsed = time.perf_counter() - started
    print(f"3-hour transcript ({len(lecture.segments)} caption lines): {elapsed:.2f} s (<= 5 s)")
    print("total (target)")
    names = {"points": "readable key points, punctuated", "points_raw": "readable key points, unpunctuated"}
    for key, target in TARGETS.items():
        print(f"  {names.get(key, key):<36} {total.share(key):>12}   (>= {target:.0%})")


if __name__ == "__main__":
    main()
