"""The offline generator: study notes extracted from the transcript itself.

Deterministic, no key, no network; the default when no Claude key is configured. It cannot
explain beyond what was said, so every answer is a quote from the video with its timestamp,
and the note says plainly that it was generated offline.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence

from yt_study_buddy import extractive, stopwords
from yt_study_buddy.errors import ProviderError
from yt_study_buddy.extractive import Definition, Phrase, Sentence
from yt_study_buddy.models import GeneratedNote, TokenUsage, Transcript
from yt_study_buddy.text import Block, dedupe_segments, format_timestamp
from yt_study_buddy.urls import timestamp_url

MODEL = "extractive-v1"
BLANK = "_____"
OFFLINE_NOTICE = (
    "> [!note] Generated offline\n"
    "> These notes were extracted from the transcript without an AI model (no API key was used):\n"
    "> the terms the video uses far more than everyday English does, its most central sentences as\n"
    "> spoken, and the definitions the speaker gave. With a Claude key (`--provider claude`) the notes\n"
    "> are written: explanations in plain words, the concepts the speaker only implies, examples and\n"
    "> questions that go beyond the transcript, and model answers that explain instead of quote."
)

#: Scripts written without spaces between words that the offline generator does not segment
#: (Thai, Lao, Tibetan, Myanmar, Khmer): notes from them would be empty or nonsense.
_UNSEGMENTED = re.compile(r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]")
_LETTER = re.compile(r"[^\W\d_]")
UNSUPPORTED_LANGUAGE = (
    "Offline notes cannot be made for this video's language: its words are written without "
    "spaces and cannot be told apart without an AI model. Notes in this language need a Claude key; "
    "a credit spent on this video is refunded."
)


def generate(
    transcript: Transcript, *, title: str, assessment: bool = True, subject: str | None = None
) -> GeneratedNote:
    """The note body (no front matter) for ``transcript``. A language the generator cannot read is
    a permanent failure (ProviderError), never an empty note."""
    letters = _LETTER.findall(transcript.text[:20_000])
    if letters and sum(1 for c in letters if _UNSEGMENTED.match(c)) > 0.3 * len(letters):
        raise ProviderError(UNSUPPORTED_LANGUAGE, retryable=False)
    # Caption lines, not 30-second blocks: a key point links to the line it starts on.
    said = [(s, text) for s in dedupe_segments(transcript.segments) if (text := extractive.spoken(s.text))]
    lines = [Block(s.start, text) for s, text in said]
    chapters = [c.title for c in transcript.metadata.chapters] if transcript.metadata else []
    ends = [s.end for s, _ in said]
    stop = stopwords.for_language(transcript.language)
    body = render(
        transcript.video_id, lines, assessment, subject, names=[title, *chapters], ends=ends, stop=stop
    )
    return GeneratedNote(title, body, "offline", MODEL, TokenUsage())


def render(
    video_id: str,
    blocks: Sequence[Block],
    assessment: bool,
    subject: str | None,
    names: Sequence[str] = (),
    ends: Sequence[float] | None = None,
    stop: frozenset[str] = stopwords.STOPWORDS,
) -> str:
    """The note's Markdown; ``names`` (the title and chapter titles) mark the terms that matter,
    ``ends`` (when each caption line ends) lets unpunctuated captions be cut at pauses."""
    every = extractive.sentences(blocks, ends, stop)
    items = extractive.without_stock_phrases(every)
    minutes = (blocks[-1].start / 60) if blocks else 0
    point_count = max(6, min(15, int(minutes / 10) + 5))
    # More concepts for a longer video: 10 up to 8 minutes, 13 for 20, 20 from 48 minutes on.
    limit = max(10, min(20, 8 + int(minutes / 4)))
    text_lower = " ".join(s.text for s in items).lower()
    found = extractive.definitions(items, text_lower, limit=point_count, stop=stop)
    phrases = extractive.concepts(items, limit, boosted=names, defined=[d.term for d in found], stop=stop)
    scores = extractive.centrality(items, phrases)
    points = extractive.spread_best(items, scores, point_count)
    # Examples are looked for in every sentence: "Here's an example." is a stock phrase.
    cases = extractive.examples(every, extractive.centrality(every, phrases), limit=5)
    pairs = _pairs(items, phrases)

    def link(sentence: Sentence) -> str:
        return f"[{format_timestamp(sentence.start)}]({timestamp_url(video_id, sentence.start)})"

    out = [OFFLINE_NOTICE, ""]
    if subject:
        out += [f"Subject: {subject}", ""]
    out += ["## Core Concepts", ""]
    counts = [extractive.mentions(text_lower, p.key) for p in phrases]
    out += [
        f"- **{p.text}**: mentioned {n} time{'s' * (n != 1)}" for p, n in zip(phrases, counts, strict=True)
    ]
    out += [] if phrases else ["- (none found)"]
    out += ["", "## Key Points", ""]
    out += [f"- {link(s)} {s.text}" for s in points] or ["- (the transcript is too short)"]
    out += ["", "## Examples", ""]
    out += [f"- {link(s)} {s.text}" for s in cases] or [
        "- No explicit examples were found in the transcript."
    ]
    out += ["", "## Definitions", ""]
    out += [f'- **{d.term}**: {link(d.sentence)} "{d.sentence.text}"' for d in found] or [
        "- No definitions were spoken in a recognisable form."
    ]
    out += ["", "## Connections", ""]
    out += [f"- **{a.text}** and **{b.text}** come up together {n} times." for a, b, n in pairs] or [
        "- No recurring pairs of concepts were found."
    ]
    out += ["", "## Questions for Further Study", ""]
    out += [f"- How does {a.text} relate to {b.text}?" for a, b, _ in pairs[:3]]
    out += [f"- What are the limits of {p.text}, beyond what the video covers?" for p in phrases[:2]]
    if assessment:
        out += ["", *_assessment(items, points, phrases, found, cases, pairs, link)]
    return "\n".join(out).rstrip() + "\n"


def cloze_questions(
    points: Sequence[Sentence], phrases: Sequence[Phrase], limit: int
) -> list[tuple[str, str]]:
    """(question, answer): a key sentence with its longest key phrase blanked. The answer is
    the phrase exactly as spoken, so it always occurs in the transcript."""
    questions = []
    for sentence in points:
        if not sentence.complete:
            continue
        hits = [hit for p in phrases if (hit := extractive.find_phrase(sentence.text, [p]))]
        if hits:
            _, begin, end = max(hits, key=lambda hit: hit[2] - hit[1])
            questions.append((sentence.text[:begin] + BLANK + sentence.text[end:], sentence.text[begin:end]))
        if len(questions) == limit:
            break
    return questions


def _pairs(items: Sequence[Sentence], phrases: Sequence[Phrase]) -> list[tuple[Phrase, Phrase, int]]:
    together: Counter[tuple[int, int]] = Counter()
    for sentence in items:
        lowered = sentence.text.lower()
        present = [i for i, p in enumerate(phrases) if extractive.contains(p, lowered)]
        together.update(itertools.combinations(present, 2))
    return [(phrases[a], phrases[b], n) for (a, b), n in together.most_common(5) if n >= 2]


def _assessment(
    items: Sequence[Sentence],
    points: Sequence[Sentence],
    phrases: Sequence[Phrase],
    found: Sequence[Definition],
    cases: Sequence[Sentence],
    pairs: Sequence[tuple[Phrase, Phrase, int]],
    link: Callable[[Sentence], str],
) -> list[str]:
    """Recall (cloze), gap analysis, application, one-up challenge and synthesis; every model
    answer is a quote from the video with its timestamp."""
    out = ["## Assessment", "", "### Recall (fill in the blank)", ""]
    for number, (question, answer) in enumerate(cloze_questions(points, phrases, limit=8), 1):
        out += [f"{number}. {question}", f"   - **Answer:** {answer}"]
    out += ["", "### Gap Analysis", ""]
    for d in found[:3]:
        out += [
            f"- Explain **{d.term}** in your own words.",
            f'  - **Model answer:** {link(d.sentence)} "{d.sentence.text}"',
        ]
    if not found and phrases:
        out += [
            f"- What does the video say about **{phrases[0].text}**?",
            "  - **Model answer:** see the Key Points.",
        ]
    out += ["", "### Application", ""]
    for s in cases[:2]:
        out += [
            "- Work through a case of your own like the one at " + link(s) + ".",
            f'  - **Model answer:** "{s.text}"',
        ]
    if not cases:
        out += [
            "- Where would you use what this video teaches?",
            "  - **Model answer:** start from the Key Points.",
        ]
    out += ["", "### One-Up Challenge", ""]
    if phrases:
        last = points[-1] if points else None
        answer = f'Build on {link(last)} "{last.text}"' if last else "Open question."
        out += [
            f"- Go one step beyond the video: what would you add about **{phrases[0].text}**?",
            f"  - **Model answer:** {answer}",
        ]
    out += ["", "### Synthesis", ""]
    for a, b, _ in pairs[:2]:
        both = next(
            (s for s in items if extractive.contains(a, s.text) and extractive.contains(b, s.text)), None
        )
        quote = f'{link(both)} "{both.text}"' if both else "see Connections."
        out += [f"- How do **{a.text}** and **{b.text}** fit together?", f"  - **Model answer:** {quote}"]
    if not pairs:
        out += ["- Summarise the video in three sentences.", "  - **Model answer:** see the Key Points."]
    return out
