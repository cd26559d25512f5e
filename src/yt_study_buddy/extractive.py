"""Extractive analysis of a transcript, for the offline generator: no model, no network.

Everything is linear in the transcript's length (a 3-hour lecture takes under a second):
- sentences: punctuated captions cut at sentence ends; unpunctuated auto-captions at the
  speaker's pauses (per-word timing), never leaving a phrase dangling;
- concepts: noun-shaped phrases of 1-3 words (and "X of Y", "X and Y") that recur in the video
  far more than in general English (wordfreq's English list), doubled when the title or a
  chapter names them or the speaker defines them; more of them for a longer video;
- key points: complete sentences closest to the transcript's TF-IDF centroid (a linear-time
  stand-in for TextRank's centrality), the best one in each stretch of time so that a long
  lecture is covered end to end;
- definitions: complete sentences "X is a/an/the ...", "X refers to ...", "... called X";
- examples: sentences that say "for example", "for instance", "such as", "imagine", ...
Words are Unicode words; Chinese and Japanese, written without spaces, are read character by
character, a phrase being a run of characters between function characters.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import importlib.resources
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from yt_study_buddy.stopwords import (
    BEFORE_ADJECTIVES,
    BEFORE_NOUNS,
    BEFORE_VERBS,
    CJK_STOP_CHARS,
    DANGLING_END,
    DANGLING_START,
    HONORIFICS,
    NOT_HEADS,
    NOT_MODIFIERS,
    STOPWORDS,
)
from yt_study_buddy.text import PAUSE_SECONDS, Block

# A word in any script: letters (and marks), with inner apostrophes or hyphens; no digits alone.
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*[^\W_]|[^\W\d_]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f])\s*")
_SENTENCE_MARK = re.compile(r"[.!?](?=[\"')\]\u201d\u2019]*(?:\s|$))|[\u3002\uff01\uff1f]")
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{8}")  # CJK, kana, hangul
# Where a phrase cannot continue: punctuation, a dash, and the remnants of markup that the
# sanitiser shows as text ("&lt;img src=x onerror=...&gt;"), whose words are nobody's terms.
_RUN_BREAK = re.compile(
    r"(?:<|&lt;)/?[a-z][^\s>&]*|&#?\w+;|\S+=\S*|[^\w\s'\u2019-]+|\s-+\s|--+", re.IGNORECASE
)
_EDGE = re.compile(r"^[^\w]+|[^\w']+$")
_CJK = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"  # kana, CJK ideographs
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_SPLIT = re.compile(rf"[{_CJK}]|[^{_CJK}]+")
_EXAMPLE = re.compile(
    r"\b(for example|for instance|such as|e\.g\.|imagine|let's say|suppose|consider|here's an example)\b",
    re.IGNORECASE,
)
_DEFINING = re.compile(r"\b(?:is|are) (?:a|an|the|defined as)\b|\brefers? to\b|\bmeans\b", re.I)
_CALLED = re.compile(r"\b(?:is |are )?called (?:an? |the )?", re.I)
# What captions show but nobody says: speaker changes (">>", a dash opening a line), speaker labels
# and sound cues in brackets ("[Instructor]", "[Music]", "(applause)"; not a link's "[text](...)"),
# music notes.
_CUES = re.compile(
    r"^\s*-\s+|>>+|\[[^\]\n]{0,40}\](?!\()|\((?:music|applause|laughter|laughs|inaudible)\)|[\u266a\u266b]",
    re.IGNORECASE,
)
_MAX_SENTENCE_WORDS = 40
_FILLERS = frozenset({"uh", "um", "uhm", "erm", "hmm"})


@dataclass(frozen=True)
class Sentence:
    start: float
    text: str
    words: tuple[str, ...]  # lower-cased content words
    complete: bool = True  # readable on its own (see ``complete``)


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


def spoken(text: str) -> str:
    """A caption line without what nobody says (``_CUES``)."""
    return " ".join(_CUES.sub(" ", text).split())


def tokens_of(text: str) -> list[str]:
    """The words of ``text``; in scripts written without spaces (Chinese, Japanese) each
    character is a token, and phrases are runs of them."""
    result: list[str] = []
    for word in _WORD.findall(text):
        if _CJK_CHAR.search(word):
            result += [piece for piece in _CJK_SPLIT.findall(word) if piece]
        else:
            result.append(word)
    return result


def _is_stop(token: str, stop: frozenset[str] = STOPWORDS) -> bool:
    return token.lower() in stop or token in CJK_STOP_CHARS


def _join(tokens: Sequence[str]) -> str:
    """Tokens back to text: no spaces between characters of scripts written without them."""
    out = ""
    for token in tokens:
        glue = "" if not out or (_CJK_CHAR.match(token) and _CJK_CHAR.match(out[-1])) else " "
        out += glue + token
    return out


def content_words(text: str, stop: frozenset[str] = STOPWORDS) -> tuple[str, ...]:
    return tuple(w for w in (t.lower() for t in tokens_of(text)) if not _is_stop(w, stop))


def is_punctuated(text: str) -> bool:
    """Whether the captions carry sentence punctuation (manual captions and current
    auto-captions do; older auto-captions do not): at least one sentence end per 40 words."""
    ends = len(_SENTENCE_MARK.findall(text))
    return ends >= max(1, len(text.split()) // 40)


def complete(text: str, punctuated: bool) -> bool:
    """A sentence a student can read on its own: 6 to 40 words, not cut mid-phrase; with
    punctuated captions also a capital (or digit, or a script without case) first and a
    sentence end last."""
    words = text.split()
    if not 6 <= len(words) <= 40 and not (_NO_SPACES.search(text) and len(text) >= 8):
        return False
    first, last = words[0].lower(), _EDGE.sub("", words[-1].lower())
    if first in DANGLING_START or (last in DANGLING_END and not punctuated):
        return False
    if punctuated:
        return not text[0].islower() and _SENTENCE_MARK.search(text[-2:]) is not None
    return True


def sentences(
    blocks: Sequence[Block], ends: Sequence[float] | None = None, stop: frozenset[str] = STOPWORDS
) -> list[Sentence]:
    """Sentences with the time they start at. Punctuated captions are cut at sentence ends,
    never inside a sentence; unpunctuated auto-captions at the speaker's pauses (``ends``: when
    each caption line ends; the gap to the next line is the pause), where the cut leaves no
    phrase dangling, and at the latest after _MAX_SENTENCE_WORDS words."""
    text = " ".join(block.text for block in blocks)
    if is_punctuated(text):
        return _at_sentence_ends(blocks, stop)
    return _at_pauses(blocks, ends, stop)


def _at_sentence_ends(blocks: Sequence[Block], stop: frozenset[str]) -> list[Sentence]:
    starts: list[int] = []
    offset = 0
    for block in blocks:
        starts.append(offset)
        offset += len(block.text) + 1
    full = " ".join(block.text for block in blocks)
    result: list[Sentence] = []
    position = 0
    for piece in _SENTENCE_END.split(full):
        if not piece.strip():
            continue
        begin = full.find(piece, position)
        position = begin + len(piece)
        block_start = blocks[max(0, bisect.bisect_right(starts, begin) - 1)].start
        result.append(Sentence(block_start, piece, content_words(piece, stop), complete(piece, True)))
    return result


def _at_pauses(blocks: Sequence[Block], ends: Sequence[float] | None, stop: frozenset[str]) -> list[Sentence]:
    result: list[Sentence] = []
    words: list[str] = []
    start = 0.0
    for i, block in enumerate(blocks):
        if not words:
            start = block.start
        for word in block.text.split():  # verbatim, less the fillers and stutters of speech
            if word.lower() not in _FILLERS and (not words or word.lower() != words[-1].lower()):
                words.append(word)
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if following is not None and words:
            pause = following.start - ends[i] if ends is not None else 0.0
            following_word = (following.text.split() or [""])[0].lower()
            last = _EDGE.sub("", words[-1].lower())
            clean = last not in DANGLING_END and following_word not in DANGLING_START
            long_enough = len(words) >= 8
            if not (
                (clean and long_enough and pause >= PAUSE_SECONDS)
                or (clean and len(words) >= 30)
                or len(words) >= _MAX_SENTENCE_WORDS
            ):
                continue
        if words:
            piece = " ".join(words)
            result.append(Sentence(start, piece, content_words(piece, stop), complete(piece, False)))
            words = []
    return result


#: Zipf value of a word missing from the English list: used less than once per million words.
RARE_ZIPF = 2.5
#: A single word at least this common in English (about 1 in 16,000 words: "number", "answer",
#: "computer") is not a concept on its own; inside a longer phrase it can be ("cost function").
COMMON_SINGLE_ZIPF = 4.8
_CONNECTORS = frozenset({"of", "and"})
_COPULAS = frozenset({"is", "are", "was", "were"})
#: A word this rare in English (under once per 10 million words) is a noun of the subject even
#: when the video never puts "the" before it ("manioc", "logits").
RARE_NOUN_ZIPF = 3.0


@functools.cache
def english_zipf() -> dict[str, float]:
    """General-English frequency of each word on the Zipf scale (7 = once per 100 words, 3 = once
    per million), from wordfreq's small English list (data/en_zipf.txt.gz; how it is made:
    scripts/english_frequencies.py). 110 kB instead of wordfreq's 57 MB."""
    data = importlib.resources.files("yt_study_buddy") / "data" / "en_zipf.txt.gz"
    table: dict[str, float] = {}
    for line in gzip.decompress(data.read_bytes()).decode("utf-8").splitlines():
        value, _, words = line.partition("\t")
        if not line.startswith("#"):
            table.update(dict.fromkeys(words.split(), int(value) / 100))
    return table


def zipf(word: str) -> float:
    """How common ``word`` is in general English (RARE_ZIPF when it is not in the list)."""
    return english_zipf().get(word.lower().replace("\u2019", "'"), RARE_ZIPF)


def _adverb(word: str) -> bool:
    """ "quickly", "totally" (a word plus "ly"), not "supply" or "family"."""
    return word.endswith("ly") and (word[:-2] in english_zipf() or word[:-3] + "e" in english_zipf())


def _plural_or_verb(word: str) -> bool:
    """ "credits", "releases", "sits": a plural noun or a verb's third person, not "gas", "physics"."""
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics", "'s"))


def _is_term_shaped(words: Sequence[str], english: bool = True, name: bool = False) -> bool:
    """A noun phrase by its shape: no adverb or past participle at either end, and a single word
    only when it is rare enough in English to name something specific. In English a word ending
    in "s" does not modify the next one ("cost function", not "costs function"): before a noun it is
    a verb ("Photosynthesis releases oxygen", "Chlorophyll sits inside"). A ``name`` ("New World",
    spelled with capitals inside sentences) may be made of common words."""
    first, last = words[0].lower(), words[-1].lower()
    if english and any(
        _plural_or_verb(word.lower()) and after.lower() not in _CONNECTORS
        for word, after in itertools.pairwise(words)
        if word.lower() not in _CONNECTORS
    ):
        return False
    if _adverb(first) or _adverb(last) or last.endswith("ed") or last in _CONNECTORS or last in NOT_HEADS:
        return False
    if len(words) > 1 and first in NOT_MODIFIERS:
        return False
    if len(words) == 1:
        return zipf(last) < COMMON_SINGLE_ZIPF and len(last) > 2 and not _CJK_CHAR.match(last)
    return name or sum(zipf(w) for w in words if w.lower() not in _CONNECTORS) / len(words) < 5.8


@dataclass
class _Usage:
    """How each word (lower case) is used in the video, judged by the word before it."""

    nominal: Counter[str] = field(default_factory=Counter)  # after "the", "of", "their", ...
    verbal: Counter[str] = field(default_factory=Counter)  # after "they", "to", "can", ...
    predicative: Counter[str] = field(default_factory=Counter)  # after "is", "very", ...
    named: Counter[str] = field(default_factory=Counter)  # capitalised inside a sentence
    # Phrases (keys) seen where the run of content words ends: a noun phrase's head ends it ("the
    # cost function is"); a subject and its verb ("Photosynthesis releases oxygen") or an adjective
    # ("a giga-galactic supercomputer") never do.
    ends: Counter[str] = field(default_factory=Counter)

    def add(self, before: str, word: str) -> None:
        if before in BEFORE_NOUNS:
            self.nominal[word] += 1
        elif before in BEFORE_VERBS:
            self.verbal[word] += 1
        elif before in BEFORE_ADJECTIVES:
            self.predicative[word] += 1

    def verb(self, word: str) -> bool:
        """Used as a verb more than as a noun ("brought", "contain", "recognize")."""
        return self.verbal[word] > self.nominal[word]

    def noun_alone(self, word: str) -> bool:
        """Seen as a noun at least once: after a determiner or a preposition, before "is", or
        capitalised inside a sentence ("OpenClaw", "GPU"); a rare word ("manioc", "logits") is one anyway."""
        return self.nominal[word] + self.named[word] > 0 or zipf(word) < RARE_NOUN_ZIPF

    def other_uses(self, word: str) -> int:
        return self.verbal[word] + self.predicative[word]

    def not_noun(self, word: str) -> bool:
        """Used as a verb or an adjective more than as a noun ("insane", "soluble", "choosing")."""
        return self.other_uses(word) > self.nominal[word]


def _runs(sentence: str) -> list[list[str]]:
    """The sentence's tokens in runs that punctuation does not cross: "cost, function" is no
    phrase, nor are the words of markup ("&lt;img src=x onerror=...")."""
    return [tokens for piece in _RUN_BREAK.split(sentence) if (tokens := tokens_of(piece))]


def _name_part(tokens: Sequence[str], i: int, first_of_sentence: bool, stop: frozenset[str]) -> bool:
    """A capitalised function word inside a name ("New World", "Milky Way"): not the sentence's
    first word, and beside a capitalised word that is not a function word."""
    token = tokens[i]
    if first_of_sentence or not (token[:1].isupper() and token[1:].islower()) or token in ("I", "I'm"):
        return False
    if token.lower() in HONORIFICS:
        return False
    beside = [tokens[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
    return any(t[:1].isupper() and t.lower() not in stop for t in beside)


def _candidates(
    items: Sequence[Sentence], stop: frozenset[str]
) -> tuple[Counter[str], dict[str, Counter[str]], _Usage]:
    """Every 1-3-word run of content words, and "X of Y" / "X and Y" with one or two content words
    on each side ("weights and biases", "age of the universe" is not: "the" is a stop word); and
    how each word is used."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    usage = _Usage()

    def add(tokens: Sequence[str], final: bool) -> None:
        if len({t.lower() for t in tokens}) < len(tokens):
            return  # "dot dot dot", "very very": repetition, not a term
        spelling = _join(tokens)
        key = spelling.lower()
        counts[key] += 1
        usage.ends[key] += final
        spellings.setdefault(key, Counter())[spelling] += 1

    for sentence in items:
        for number, tokens in enumerate(_runs(sentence.text)):
            lowered = [t.lower() for t in tokens]
            for before, word in itertools.pairwise(lowered):
                usage.add(before, word)
                if word in _COPULAS:  # "Photosynthesis is the process": the subject is a noun
                    usage.nominal[before] += 1
            usage.named.update(t.lower() for i, t in enumerate(tokens) if t[:1].isupper() and (i or number))
            content = [
                (not _is_stop(t, stop) or _name_part(tokens, i, number == 0 and i == 0, stop))
                and (len(t) > 1 or _CJK_CHAR.match(t) is not None)
                for i, t in enumerate(tokens)
            ]
            for i in range(len(tokens)):
                if not content[i]:
                    continue
                longest = 6 if _CJK_CHAR.match(tokens[i]) else 3
                for size in range(1, longest + 1):
                    if i + size > len(tokens) or not content[i + size - 1]:
                        break
                    add(tokens[i : i + size], i + size == len(tokens) or not content[i + size])
                for left in (1, 2):
                    k = i + left
                    if k >= len(tokens) or not all(content[i:k]) or lowered[k] not in _CONNECTORS:
                        continue
                    for right in (1, 2):
                        end = k + 1 + right
                        if end <= len(tokens) and all(content[k + 1 : end]):
                            add(tokens[i:end], end == len(tokens) or not content[end])
    for key in sorted(counts, key=len, reverse=True):  # plurals count as their singular
        singular = _singular(key)
        if singular != key and singular in counts:
            counts[singular] += counts.pop(key)
            usage.ends[singular] += usage.ends.pop(key, 0)
            spellings[singular].update(spellings.pop(key))
    return counts, spellings, usage


def _singular(key: str) -> str:
    """ "weights and biases" -> "weight and bias"; "caches" -> "cache" (the last word only for
    plain phrases, every noun for "X and Y")."""
    words = key.split()
    heads = [i for i, w in enumerate(words) if i == len(words) - 1 or words[i + 1] in _CONNECTORS]
    for i in heads:
        word = words[i]
        if word.endswith(("ches", "shes", "sses", "xes")):
            words[i] = word[:-2]
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
            words[i] = word[:-1]
    return " ".join(words)


def concepts(
    items: Sequence[Sentence],
    limit: int,
    *,
    boosted: Sequence[str] = (),
    defined: Sequence[str] = (),
    stop: frozenset[str] = STOPWORDS,
) -> list[Phrase]:
    """The video's key terms: noun-shaped phrases that recur in the video far more than in general
    English (count x specificity, where specificity grows as the words get rarer in English),
    longer phrases preferred, doubled when the title or a chapter names them or the speaker
    defines them. A piece that mostly occurs inside a longer recurring phrase ("descent" in
    "gradient descent") counts only its occurrences outside it (the C-value measure)."""
    counts, spellings, usage = _candidates(items, stop)
    boosted_text = " ".join(boosted).lower()
    defined_keys = {_singular(d.lower()) for d in [*defined, *named_terms(items, stop)]}

    def noun_phrase(key: str, words: Sequence[str]) -> bool:
        """Term-shaped, and not headed by a word the video uses as a verb or an adjective
        ("Europeans brought", "insane"), nor started by a verb ("contain vitamins")."""
        spelling = spellings[key].most_common(1)[0][0]
        name = len(words) > 1 and all(w[:1].isupper() for w in spelling.split())
        if not _is_term_shaped(words, english=stop is STOPWORDS, name=name):
            return False
        spoken = spelling.lower().split()
        # A single word or an English phrase ending in "s" that never ends a run of content words is
        # an adjective ("giga-galactic supercomputer") or a subject and its verb ("Chlorophyll sits
        # inside"); a named term may be cut at 3 words. ("the cost function measures" is a term.)
        ends_in_s = len(spoken) > 1 and stop is STOPWORDS and _plural_or_verb(spoken[-1])
        if (len(spoken) == 1 or ends_in_s) and not usage.ends[key] and key not in defined_keys:
            return False
        if len(spoken) == 1:
            return usage.noun_alone(spoken[0]) and not usage.not_noun(spoken[0])
        # A head used as a verb elsewhere can still head a fixed compound said far more often
        # ("we set it" beside 27 times "training set").
        compound = counts[key] >= 2 * usage.other_uses(spoken[-1])
        return (compound or not usage.not_noun(spoken[-1])) and not usage.verb(spoken[0])

    inside: Counter[str] = Counter()  # occurrences inside the most frequent longer phrase
    for key, count in counts.items():
        words = tokens_of(key) if _CJK_CHAR.search(key) else key.split()
        if count >= 2 and len(words) > 1 and noun_phrase(key, words):  # "supply curve shifts" is not
            pieces = {
                _join(words[begin : begin + size])
                for size in range(1, len(words))
                for begin in range(len(words) - size + 1)
            }
            for piece in pieces:
                inside[piece] = max(inside[piece], count)
    scored, once = [], []  # once: said a single time, a candidate only to fill a short list
    for key, count in counts.items():
        words = tokens_of(key) if _CJK_CHAR.search(key) else key.split()
        alone = max(0, count - inside[key])
        boost = (2.0 if key in defined_keys else 1.0) * (
            2.0 if boosted_text and mentions(boosted_text, key) else 1.0
        )
        if alone < 1 or not noun_phrase(key, words):
            continue
        content = [w for w in words if w not in _CONNECTORS]
        specificity = sum(max(0.5, 7.0 - zipf(w)) for w in content) / len(content)
        score = alone * specificity * (2 * len(content) - 1) * boost
        phrase = Phrase(spellings[key].most_common(1)[0][0], key, count, score)
        if alone >= 2 or boost > 1:
            scored.append(phrase)
        elif len(content) == 2:  # "emergent intelligence", not "ideal emergent intelligence"
            once.append(phrase)
    scored.sort(key=lambda p: (-p.score, -len(p.key), p.key))
    chosen: list[Phrase] = []
    for phrase in scored:
        if not _already_said(phrase, chosen):
            chosen.append(phrase)
        if len(chosen) == limit:
            return chosen
    # A short video says most terms once: fill the list with the phrases said once that name a
    # kind of a term already chosen ("super intelligence" beside "intelligence").
    chosen_words = {w for c in chosen for w in c.key.split()} - _CONNECTORS
    once.sort(key=lambda p: (-p.score, -len(p.key), p.key))
    for phrase in once:
        if len(chosen) == limit:
            break
        if set(phrase.key.split()) & chosen_words and not _already_said(phrase, chosen):
            chosen.append(phrase)
    return chosen


def named_terms(items: Sequence[Sentence], stop: frozenset[str] = STOPWORDS) -> list[str]:
    """What the speaker names: the content words after "called", "known as", "named" or "termed"
    ("a site called Moltbook", "known as the stress care intelligence feedback loop"), up to 3."""
    found = []
    for sentence in items:
        for run in _runs(sentence.text):
            lowered = [t.lower() for t in run]
            for i, word in enumerate(lowered):
                if not (word in ("called", "named", "termed") or lowered[i - 1 : i + 1] == ["known", "as"]):
                    continue
                start = i + 1 + (i + 1 < len(lowered) and lowered[i + 1] in ("a", "an", "the"))
                words = list(itertools.takewhile(lambda t: not _is_stop(t, stop), run[start : start + 3]))
                if words:
                    found.append(_join(words))
    return found


def _already_said(phrase: Phrase, chosen: Sequence[Phrase]) -> bool:
    """What a chosen term already says ("descent" after "gradient descent"); a more specific
    phrase after its head word ("gradient descent" after "gradient") says more."""
    words = set(phrase.key.split()) - _CONNECTORS
    return any(
        words <= set(c.key.split())
        or (" " in c.key and c.key in phrase.key)
        or (_CJK_CHAR.search(c.key) and (phrase.key in c.key or c.key in phrase.key))
        for c in chosen
    )


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
        size = len(tokens_of(sentence.text))
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
    any_complete = any(s.complete for s in items)  # else the captions give no whole sentence
    picked: list[Sentence] = []
    for i in range(count):
        lo, hi = i * len(items) // count, max((i + 1) * len(items) // count, i * len(items) // count + 1)
        for j in sorted(range(lo, hi), key=lambda j: -scores[j]):
            if scores[j] <= 0:
                break
            if not items[j].complete and any_complete:
                continue
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


def definitions(
    items: Sequence[Sentence], text_lower: str, limit: int, stop: frozenset[str] = STOPWORDS
) -> list[Definition]:
    """Sentences that define a term the transcript uses more than once; with more than
    ``limit`` of them, an even spread over the video rather than the first few."""
    found: dict[str, Definition] = {}
    for sentence in items:
        if not sentence.complete:
            continue
        term = _defined_term(sentence.text, stop)
        if term and term.lower() not in found and text_lower.count(term.lower()) >= 2:
            found[term.lower()] = Definition(term, sentence)
    every = list(found.values())
    if len(every) <= limit:
        return every
    return [every[i * len(every) // limit] for i in range(limit)]


def _defined_term(text: str, stop: frozenset[str]) -> str | None:
    match = _DEFINING.search(text)
    if match:
        before = text[: match.start()].split()
        rest = text[match.end() :].split()
        term_words: list[str] = []
        for word in reversed(before):
            clean = word.strip(",;:\"'()")
            if clean != word or clean.lower() in stop or not _WORD.fullmatch(clean) or len(term_words) == 3:
                break
            term_words.insert(0, clean)
        if term_words and len(rest) >= 4 and len(" ".join(term_words)) > 2:
            return " ".join(term_words)
    match = _CALLED.search(text)
    if match:
        words: list[str] = []
        for word in text[match.end() :].split()[:3]:
            clean = word.strip(".,;:!?\"'()")
            if clean.lower() in stop or not _WORD.fullmatch(clean):
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
    """``key`` as whole words, plurals included: "cache" matches "caches", not "cached"; "string
    of bit" matches "strings of bits"."""
    if _CJK_CHAR.search(key):  # no word boundaries in a script written without spaces
        return re.compile(re.escape(key), re.IGNORECASE)
    words = r"\s+".join(rf"{re.escape(word)}(?:e?s)?" for word in key.split())  # "strings of bits"
    return re.compile(rf"(?<![\w-]){words}(?![\w-])", re.IGNORECASE)


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
