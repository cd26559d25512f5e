"""Extractive analysis of a transcript, for the offline generator: no model, no network.

Everything is linear in the transcript's length (a 3-hour lecture takes well under a second):
- key phrases: RAKE's candidates (Rose et al. 2010: runs of content words between stop
  words), every 1-3-word piece of them counted, scored by recurrence;
- key points: the sentences closest to the transcript's TF-IDF centroid (a linear-time
  stand-in for TextRank's centrality), the best one in each stretch of time so that a long
  lecture is covered end to end;
- definitions: "X is a/an/the ...", "X refers to ...", "X means ...", "... called X";
- examples: sentences that say "for example", "for instance", "such as", "imagine", ...
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from yt_study_buddy.stopwords import STOPWORDS
from yt_study_buddy.text import Block

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_EXAMPLE = re.compile(
    r"\b(for example|for instance|such as|e\.g\.|imagine|let's say|suppose|consider|here's an example)\b",
    re.IGNORECASE,
)
_DEFINING = re.compile(r"\b(?:is|are) (?:a|an|the|defined as)\b|\brefers? to\b|\bmeans\b", re.I)
_CALLED = re.compile(r"\b(?:is |are )?called (?:an? |the )?", re.I)
_MAX_SENTENCE_WORDS = 45


@dataclass(frozen=True)
class Sentence:
    start: float
    text: str
    words: tuple[str, ...]  # lower-cased content words


@dataclass(frozen=True)
class Phrase:
    text: str  # the most common spelling in the transcript
    key: str  # lower-cased
    count: int
    score: float


@dataclass(frozen=True)
class Definition:
    term: str
    sentence: Sentence


def content_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (m.group().lower() for m in _WORD.finditer(text)) if w not in STOPWORDS)


def sentences(blocks: Sequence[Block]) -> list[Sentence]:
    """Sentences with the time of the block they start in.

    Auto-captions have no punctuation: a run longer than _MAX_SENTENCE_WORDS is cut into
    pieces of about 25 words, which reads well enough as a key point.
    """
    starts: list[int] = []
    texts: list[str] = []
    offset = 0
    for block in blocks:
        starts.append(offset)
        texts.append(block.text)
        offset += len(block.text) + 1
    full = " ".join(texts)
    result: list[Sentence] = []
    position = 0
    for piece in _SENTENCE_END.split(full):
        begin = full.find(piece, position)
        position = begin + len(piece)
        words = piece.split()
        step = 25 if len(words) > _MAX_SENTENCE_WORDS else max(1, len(words))
        for i in range(0, len(words), step):
            text = " ".join(words[i : i + step])
            where = begin + len(" ".join(words[:i]))
            block_start = blocks[max(0, bisect.bisect_right(starts, where) - 1)].start
            result.append(Sentence(block_start, text, content_words(text)))
    return result


def key_phrases(items: Sequence[Sentence], limit: int) -> list[Phrase]:
    """Key phrases of 1-3 words: RAKE's candidates (runs of content words between stop words),
    then every 1-3-word piece of each run counted, scored by recurrence with a bonus per word.

    Plain RAKE scores whole runs, which favours one-off phrases glued to a verb ("carbon
    fixation refers"); in speech the topic is what recurs, wherever it stands in a run.
    """
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for sentence in items:
        run: list[str] = []
        for token in [*_WORD.findall(sentence.text), ""]:
            if token and token.lower() not in STOPWORDS and len(token) > 2:
                run.append(token)
                continue
            for size in range(1, min(3, len(run)) + 1):
                for begin in range(len(run) - size + 1):
                    spelling = " ".join(run[begin : begin + size])
                    key = spelling.lower()
                    counts[key] += 1
                    spellings.setdefault(key, Counter())[spelling] += 1
            run = []
    for key in list(counts):  # plurals count as their singular: "caches" -> "cache"
        for suffix in ("es", "s"):
            singular = key[: -len(suffix)]
            if key.endswith(suffix) and singular in counts:
                counts[singular] += counts.pop(key)
                spellings[singular].update(spellings.pop(key))
                break
    minimum = 2 if sum(1 for c in counts.values() if c >= 2) >= limit else 1
    # A piece that mostly occurs inside a longer recurring phrase ("light" in "light
    # reactions") counts only its occurrences outside it (after the C-value measure).
    inside: Counter[str] = Counter()
    for key, count in counts.items():
        words = key.split()
        if count >= 2 and len(words) > 1:
            for size in range(1, len(words)):
                for begin in range(len(words) - size + 1):
                    piece = " ".join(words[begin : begin + size])
                    inside[piece] = max(inside[piece], count)
    scored = [
        Phrase(
            spellings[key].most_common(1)[0][0],
            key,
            count,
            (count - inside[key]) * (1 + 0.5 * key.count(" ")),
        )
        for key, count in counts.items()
        if count >= minimum and count > inside[key]
    ]
    scored.sort(key=lambda p: (-p.score, -len(p.key), p.key))
    chosen: list[Phrase] = []
    for phrase in scored:
        words = set(phrase.key.split())
        if any(words <= set(c.key.split()) or set(c.key.split()) <= words for c in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) == limit:
            break
    return chosen


def with_terms(terms: Sequence[Phrase], phrases: Sequence[Phrase], limit: int) -> list[Phrase]:
    """Up to half the list from the defined terms (most mentioned first), then the key phrases
    that neither contain nor are part of a chosen one, then the other terms if room is left."""
    ranked = sorted(terms, key=lambda t: -t.count)
    chosen: dict[str, Phrase] = {}

    def add(candidates: Sequence[Phrase], until: int) -> None:
        for phrase in candidates:
            if len(chosen) >= until:
                return
            words = set(phrase.key.split())
            if not any(words <= set(key.split()) or set(key.split()) <= words for key in chosen):
                chosen[phrase.key] = phrase

    add(ranked, limit // 2)
    add(phrases, limit)
    add(ranked, limit)
    return list(chosen.values())


def centrality(items: Sequence[Sentence], phrases: Sequence[Phrase]) -> list[float]:
    """Each sentence's similarity to the TF-IDF centroid, plus a bonus per key phrase in it."""
    document_frequency: Counter[str] = Counter()
    term_frequency: Counter[str] = Counter()
    for sentence in items:
        document_frequency.update(set(sentence.words))
        term_frequency.update(sentence.words)
    total = max(1, len(items))
    weight = {w: tf * math.log(1 + total / document_frequency[w]) for w, tf in term_frequency.items()}
    top = max(weight.values(), default=1.0)
    scores = []
    for sentence in items:
        size = len(sentence.text.split())
        if size < 6 or not sentence.words:
            scores.append(0.0)
            continue
        similarity = sum(weight[w] for w in set(sentence.words)) / top / math.sqrt(len(sentence.words))
        lowered = sentence.text.lower()
        scores.append(similarity * (1 + 0.5 * sum(1 for p in phrases if contains(p, lowered))))
    return scores


def spread_best(items: Sequence[Sentence], scores: Sequence[float], count: int) -> list[Sentence]:
    """The best sentence of each of ``count`` equal stretches, in time order, skipping one
    that mostly repeats the words of a sentence already picked (as MMR does)."""
    if not items:
        return []
    count = min(count, len(items))
    picked: list[Sentence] = []
    for i in range(count):
        lo, hi = i * len(items) // count, max((i + 1) * len(items) // count, i * len(items) // count + 1)
        for j in sorted(range(lo, hi), key=lambda j: -scores[j]):
            if scores[j] <= 0:
                break
            words = set(items[j].words)
            if all(len(words & set(p.words)) <= 0.5 * len(words | set(p.words)) for p in picked):
                picked.append(items[j])
                break
    return picked


def without_stock_phrases(items: Sequence[Sentence]) -> list[Sentence]:
    """The sentences minus a speaker's stock phrases ("on the exam you may be asked to explain
    X in your own words"): those whose first three and last three words both recur in at
    least 1% of the sentences (and 3). They would otherwise win every centrality contest."""
    threshold = max(3, len(items) // 100)
    heads: Counter[tuple[str, ...]] = Counter()
    tails: Counter[tuple[str, ...]] = Counter()
    for sentence in items:
        words = sentence.text.lower().split()
        heads[tuple(words[:3])] += 1
        tails[tuple(words[-3:])] += 1
    kept = [
        s
        for s in items
        if heads[tuple(s.text.lower().split()[:3])] < threshold
        or tails[tuple(s.text.lower().split()[-3:])] < threshold
    ]
    # A transcript that is mostly "stock phrases" is simply repetitive: keep it whole.
    return kept if len(kept) >= len(items) / 2 else list(items)


def definitions(items: Sequence[Sentence], text_lower: str, limit: int) -> list[Definition]:
    """Sentences that define a term the transcript uses more than once; with more than
    ``limit`` of them, an even spread over the video rather than the first few."""
    found: dict[str, Definition] = {}
    for sentence in items:
        term = _defined_term(sentence.text)
        if term and term.lower() not in found and text_lower.count(term.lower()) >= 2:
            found[term.lower()] = Definition(term, sentence)
    every = list(found.values())
    if len(every) <= limit:
        return every
    return [every[i * len(every) // limit] for i in range(limit)]


def _defined_term(text: str) -> str | None:
    match = _DEFINING.search(text)
    if match:
        before = text[: match.start()].split()
        rest = text[match.end() :].split()
        term_words: list[str] = []
        for word in reversed(before):
            clean = word.strip(",;:\"'()")
            if (
                clean != word
                or clean.lower() in STOPWORDS
                or not _WORD.fullmatch(clean)
                or len(term_words) == 3
            ):
                break
            term_words.insert(0, clean)
        if term_words and len(rest) >= 4 and len(" ".join(term_words)) > 2:
            return " ".join(term_words)
    match = _CALLED.search(text)
    if match:
        words: list[str] = []
        for word in text[match.end() :].split()[:3]:
            clean = word.strip(".,;:!?\"'()")
            if clean.lower() in STOPWORDS or not _WORD.fullmatch(clean):
                break
            words.append(clean)
            if clean != word:
                break
        if words and len(" ".join(words)) > 2:
            return " ".join(words)
    return None


def examples(items: Sequence[Sentence], scores: Sequence[float], limit: int) -> list[Sentence]:
    """Sentences that give an example; after a bare "Here's an example." the next sentence."""
    chosen: dict[int, float] = {}
    for i, sentence in enumerate(items):
        if not _EXAMPLE.search(sentence.text):
            continue
        if len(sentence.text.split()) >= 6:
            chosen[i] = scores[i]
        elif i + 1 < len(items):
            chosen[i + 1] = scores[i + 1]
    ranked: dict[str, int] = {}  # one per distinct text: speakers repeat their best examples
    for i in sorted(chosen, key=lambda i: -chosen[i]):
        ranked.setdefault(items[i].text.lower(), i)
    return [items[i] for i in sorted(list(ranked.values())[:limit])]


@functools.lru_cache(maxsize=1024)
def _pattern(key: str) -> re.Pattern[str]:
    """``key`` as whole words, plural included: "cache" matches "caches", not "cached"."""
    return re.compile(rf"(?<![\w-]){re.escape(key)}(?:e?s)?(?![\w-])", re.IGNORECASE)


def contains(phrase: Phrase, text: str) -> bool:
    return _pattern(phrase.key).search(text) is not None


def mentions(text: str, key: str) -> int:
    """How often ``key`` occurs in ``text`` as whole words."""
    return len(_pattern(key.lower()).findall(text))


def find_phrase(sentence: str, phrases: Sequence[Phrase]) -> tuple[Phrase, int, int] | None:
    """The best key phrase in ``sentence`` as a whole-word match: (phrase, start, end)."""
    for phrase in phrases:
        match = _pattern(phrase.key).search(sentence)
        if match:
            return phrase, match.start(), match.end()
    return None
