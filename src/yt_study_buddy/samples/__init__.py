"""Sample transcripts: the local stack's demo videos, and a generated long lecture.

The files ``<video_id>.vtt|.srt|.json`` here (each with ``<video_id>.info.json``) are original
lecture texts in the three caption formats we parse:

- ``Xq3b7LmR9tA.vtt``: "How Neural Networks Learn", YouTube auto-caption WebVTT (rolling cues).
- ``pV2nW8cKd4E.srt``: "Photosynthesis: From Sunlight to Sugar", manual SRT.
- ``hT6sJ1yFz0Q.json``: "Supply, Demand and Market Equilibrium", youtube-transcript-api JSON.

``long_lecture`` builds a lecture of any length, the same every time, for benchmarks and for
tests of chunking (a 3-hour transcript is too big to ship).
"""

from __future__ import annotations

import random
from pathlib import Path

from yt_study_buddy.models import Chapter, Segment, Transcript, VideoMetadata
from yt_study_buddy.samples._topics import TOPICS, Topic

#: The demo videos, by video ID.
DEMO_VIDEO_IDS = ("Xq3b7LmR9tA", "pV2nW8cKd4E", "hT6sJ1yFz0Q")
LONG_LECTURE_ID = "LongLecture"
#: Speaking rate of the generated lecture: 150 words per minute.
SECONDS_PER_WORD = 0.4
#: About one chapter per this many seconds.
CHAPTER_SECONDS = 540.0

_OPENERS = ("", "", "", "So, ", "Now, ", "Okay, ", "Right, so ", "And ", "Alright, ", "Now remember, ")
_NAMES = frozenset({"Python", "Python's", "Git", "JavaScript", "Raft", "Dijkstra's"})
_ASIDES = (
    "Any questions so far? Okay, let's keep going.",
    "Let me write that on the board.",
    "This is worth a note in the margin.",
    "Bear with me, this part is important.",
    "I see some puzzled faces, so let me say it another way.",
    "We'll come back to this in the exercises.",
)


def samples_dir() -> Path:
    """The directory of the shipped sample transcripts (usable as ``YTSB_TRANSCRIPTS_DIR``)."""
    return Path(__file__).resolve().parent


def long_lecture(hours: float = 3.0) -> Transcript:
    """A deterministic lecture of ``hours`` hours at 150 words per minute, one chapter per topic
    (about every nine minutes), with chapters in its metadata. Topics repeat, as "part 2",
    only past about two and a half hours.
    """
    total = max(60.0, hours * 3600.0)
    count = max(1, round(total / CHAPTER_SECONDS))
    length = total / count
    rng = random.Random(f"long-lecture-{hours}")  # a string seed is stable across runs
    segments: list[Segment] = []
    chapters: list[Chapter] = []
    for index in range(count):
        topic = TOPICS[index % len(TOPICS)]
        round_ = index // len(TOPICS)
        title = topic.title if round_ == 0 else f"{topic.title}, part {round_ + 1}"
        start, end = index * length, (index + 1) * length
        chapters.append(Chapter(start=round(start, 3), title=title, end=round(end, 3)))
        sentences = _chapter_speech(topic, title, rng, index == 0)
        segments.extend(_timed(sentences, start, end, rng))
    metadata = VideoMetadata(
        video_id=LONG_LECTURE_ID,
        title=f"Foundations of Computing: a {hours:g}-hour survey lecture",
        channel="Study Buddy Samples",
        duration_seconds=round(total, 3),
        chapters=tuple(chapters),
    )
    return Transcript(
        video_id=LONG_LECTURE_ID,
        segments=tuple(segments),
        language="en",
        source="sample",
        metadata=metadata,
    )


def _chapter_speech(topic: Topic, title: str, rng: random.Random, first: bool) -> list[str]:
    """An endless-enough supply of sentences about one topic: intro, definitions, then a mix."""
    intro = "Good morning everyone, and welcome to the course. " if first else ""
    speech = [f"{intro}Let's move on to our next topic, which is {title.lower()}."]
    for term, definition in topic.terms:
        opener = _opener(rng)
        speech.append(f"{opener}{term if opener else _cap(term)} is {definition}.")
    facts, examples, terms = topic.facts, topic.examples, topic.terms
    makers = (
        lambda: rng.choice(facts),
        lambda: f"Here's an example. {rng.choice(examples)}",
        lambda: _with_opener(rng, rng.choice(facts)),
        lambda: f"Think about it this way: {_lower(rng.choice(examples))}",
        lambda: f"If you remember one thing from this part, remember that {_lower(rng.choice(facts))}",
        lambda: f"Why does that matter? Because {_lower(rng.choice(facts))}",
        lambda: f"A lot of people get this wrong, so let me repeat it. {rng.choice(facts)}",
        lambda: f"Let's make it concrete. {rng.choice(examples)}",
        lambda: "So what is {0}? Well, {0} is {1}.".format(*rng.choice(terms)),
        lambda: "In other words, {} is {}.".format(*rng.choice(terms)),
        lambda: f"On the exam you may be asked to explain {rng.choice(terms)[0]} in your own words.",
        lambda: "So we have {} and {}, and they are closely related.".format(
            *(t for t, _ in rng.sample(terms, 2))
        ),
        lambda: f"You'll see {rng.choice(terms)[0]} again in {rng.choice(TOPICS).title.lower()}.",
        lambda: rng.choice(_ASIDES),
    )
    for _ in range(400):  # far more than a chapter needs; _timed stops at the chapter's end
        recent = [r.lower() for r in speech[-8:]]
        for _retry in range(8):  # a lecturer does not say the same thing twice in a minute
            sentence = makers[rng.randrange(len(makers))]()
            core = sentence.lower().rstrip(".")[-40:]
            if not any(core in r for r in recent):
                break
        speech.append(sentence)
    return speech


def _timed(sentences: list[str], start: float, end: float, rng: random.Random) -> list[Segment]:
    """Caption lines of 6 to 10 words at SECONDS_PER_WORD: whole sentences filling [start, end)."""
    words: list[str] = []
    budget = int((end - start) / SECONDS_PER_WORD)
    for sentence in sentences:
        more = sentence.split()
        if words and len(words) + len(more) > budget:
            break
        words.extend(more)
    segments = []
    clock, position = start, 0
    while position < len(words):
        line = words[position : position + rng.randint(6, 10)]
        duration = round(len(line) * SECONDS_PER_WORD, 3)
        segments.append(Segment(start=round(clock, 3), duration=duration, text=" ".join(line)))
        clock += duration
        position += len(line)
    return segments


def _opener(rng: random.Random) -> str:
    return rng.choice(_OPENERS)


def _with_opener(rng: random.Random, sentence: str) -> str:
    opener = _opener(rng)
    return f"{opener}{_lower(sentence)}" if opener else sentence


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(sentence: str) -> str:
    """Lower-case the first letter, unless it starts a name or acronym (``TCP``, ``Python``)."""
    first = sentence.split(" ", 1)[0]
    keep = (len(first) > 1 and first.isupper()) or first in {
        "Python",
        "Python's",
        "Git",
        "JavaScript",
        "Raft",
        "SQL",
        "DNS",
    }
    return sentence if keep else sentence[:1].lower() + sentence[1:]
