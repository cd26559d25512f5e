"""Which phrases the offline generator lists as a video's concepts, on real captions (issue 11):
nouns rather than verbs or adjectives, names, what the speaker names, the terms of a short talk,
the stop words of the transcript's language, and never the words of markup. The full measurement
is bench/notes_quality.py."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.engine.conftest import real_transcript, transcript_of
from tests.unit.engine.test_offline_real import concepts, key_points
from yt_study_buddy import extractive, offline, stopwords
from yt_study_buddy.transcripts import get_transcript


def note_of(name: str, title: str) -> str:
    return offline.generate(real_transcript(name), title=title).markdown


def test_given_real_captions_then_verbs_and_adjectives_are_not_concepts_but_nouns_are() -> None:
    # Given Khan Academy's "The Columbian Exchange" and a podcast's current auto-captions
    history = concepts(note_of("the-columbian-exchange.en.srt", "The Columbian Exchange"))
    podcast = concepts(note_of("ai-agent-economy.en.vtt", "The AI Agent Economy Is Here"))
    # Then "the Europeans brought ...", "it's like insane", "picking and choosing" give no concept
    assert "europeans brought" not in history, history
    assert {"insane", "choosing", "simultaneous"}.isdisjoint(podcast), podcast
    # while the nouns of the subject are there, a capitalised "New World" included
    assert {"columbian exchange", "native americans", "christopher columbus"} <= set(history)
    assert {"openclaw", "claude code"} <= set(podcast)


def test_given_a_subject_and_its_verb_or_an_adjective_then_no_concept_but_names_of_common_words_are() -> None:
    # Given the captions the browser test uploads: subject-verb-object sentences, tags stripped
    lines = [
        "Photosynthesis is the process that plants use to turn light into food.",
        "Chlorophyll is the green pigment that absorbs the light.",
        "The light reactions happen in the thylakoid membranes.",
        "The Calvin cycle is where carbon dioxide becomes sugar.",
        "Photosynthesis releases oxygen as a by-product.",
        "free credits Chlorophyll sits inside the chloroplasts.",
    ] * 3
    found = concepts(offline.generate(transcript_of(lines, "en"), title="x").markdown)
    # Then no "Photosynthesis releases", "Chlorophyll sits (inside)", "dioxide becomes sugar"
    assert not [c for c in found if set(c.split()) & {"releases", "sits", "becomes", "credits"}], found
    assert {"photosynthesis", "chlorophyll", "calvin cycle", "thylakoid membranes"} <= set(found)
    # And in real captions an adjective is no concept, while a name made of common words is
    security = concepts(note_of("256-bit-security.en.srt", "How secure is 256 bit security?"))
    assert "giga-galactic" not in security and "milky way" in security
    history = concepts(note_of("the-columbian-exchange.en.srt", "The Columbian Exchange"))
    assert {"new world", "old world"} <= set(history)


def test_given_a_head_word_also_used_as_a_verb_then_a_compound_said_far_more_often_stays() -> None:
    # "we set it", "is set to" beside 27 times "training set" in Karpathy's 76-minute lecture
    found = concepts(note_of("makemore-mlp.en.srt", "Building makemore Part 2: MLP"))
    assert "training set" in found and "dot dot dot" not in found


def test_given_the_speaker_names_a_thing_once_then_it_is_a_concept() -> None:
    # "this new site called Moltbook" is said once, with that spelling
    assert "moltbook" in concepts(note_of("ai-agent-economy.en.vtt", "The AI Agent Economy Is Here"))
    lines = ["This effect is known as the Doppler shift.", "Sound waves bunch up ahead of a moving car."]
    assert extractive.named_terms(extractive.sentences([extractive.Block(0, t) for t in lines])) == [
        "Doppler shift"
    ]


def test_given_a_short_talk_then_its_list_is_filled_with_kinds_of_its_main_terms() -> None:
    # A 4-minute unpunctuated talk says most of its terms once
    found = concepts(note_of("building-bodhisattvas.en.vtt", "Building Bodhisattvas"))
    assert len(found) == 10
    assert {"stress care intelligence", "emergent intelligence", "alignment problem"} <= set(found)
    assert not [c for c in found if c.startswith("dr ")]  # the speaker's name is no concept


def test_given_speaker_marks_and_sound_cues_then_key_points_do_not_start_with_them() -> None:
    for name in ("ai-agent-economy.en.vtt", "introduction-vitamins-minerals.en.srt"):
        points = key_points(note_of(name, "x"))
        assert points and not [p for p in points if re.match(r"\s*(>>|- |\[)", p)], points
    assert extractive.spoken("- [Instructor] >> Vitamins [Music] matter ♪") == "Vitamins matter"
    assert extractive.spoken("see [the notes](https://x.example)") == "see [the notes](https://x.example)"


def test_given_hostile_captions_then_no_concept_is_made_of_markup_and_each_is_really_mentioned(
    hostile_captions: Path,
) -> None:
    transcript = get_transcript("dQw4w9WgXcQ", transcript_file=hostile_captions, fetch_metadata=False)
    markdown = offline.generate(transcript, title="Photosynthesis").markdown
    listed = re.findall(r"^- \*\*(.+?)\*\*: mentioned (\d+) times?$", markdown, re.MULTILINE)
    assert len(listed) >= 8
    markup = {"lt", "gt", "img", "src", "onerror", "alert", "script", "javascript", "https", "png"}
    for concept, count in listed:
        assert markup.isdisjoint(concept.lower().split()), concept
        assert int(count) >= 1, concept


def test_given_a_plural_in_every_word_then_the_mentions_are_counted() -> None:
    text = "strings of bits and a string of bits and weights and biases"
    assert extractive.mentions(text, "string of bit") == 2
    assert extractive.mentions(text, "weight and bias") == 1


SPANISH = [
    "Hoy vamos a hablar de la fotosíntesis en las plantas.",
    "La fotosíntesis es el proceso que usan las plantas para convertir la luz en energía química.",
    "Los cloroplastos son los orgánulos donde ocurre la fotosíntesis.",
    "Dentro de los cloroplastos está la clorofila, que absorbe la luz.",
    "El ciclo de Calvin fija el dióxido de carbono y produce azúcar.",
    "Sin la clorofila no hay fotosíntesis, y sin los cloroplastos no hay clorofila.",
    "Por eso la fotosíntesis es tan importante para la vida en la Tierra.",
    "El ciclo de Calvin ocurre en el estroma de los cloroplastos.",
]


def test_given_a_spanish_lecture_then_its_function_words_are_stop_words_not_concepts() -> None:
    # Given Spanish captions, tagged "es" by YouTube (or by the file's name)
    with_list = concepts(offline.generate(transcript_of(SPANISH, "es-419"), title="Fotosíntesis").markdown)
    # Then no concept starts or ends on "la", "los", "de", "que", ... and the terms are there
    spanish = stopwords.for_language("es")
    assert {"la", "los", "de", "que", "hay", "para"} <= spanish
    for concept in with_list:
        words = concept.split()
        assert words[0] not in spanish and words[-1] not in spanish, concept
    assert {"fotosíntesis", "cloroplastos", "clorofila"} <= set(with_list)
    # while with English stop words the same captions give Spanish function words as "terms"
    without = concepts(offline.generate(transcript_of(SPANISH, "en"), title="Fotosíntesis").markdown)
    assert [c for c in without if set(c.split()) & {"la", "los", "el", "hay", "sin"}], without


def test_given_a_language_code_then_its_stop_words_else_the_spoken_english_list() -> None:
    assert "não" in stopwords.for_language("pt-BR") and "und" in stopwords.for_language("de")
    assert stopwords.for_language("en-GB") is stopwords.STOPWORDS
    assert stopwords.for_language("zh-Hans") is stopwords.STOPWORDS  # read character by character
    assert (
        stopwords.for_language("xx") is stopwords.STOPWORDS
        and stopwords.for_language(None) is stopwords.STOPWORDS
    )


def test_given_a_subtitle_named_as_yt_dlp_names_it_then_its_language_is_known(tmp_path: Path) -> None:
    path = tmp_path / "dQw4w9WgXcQ.es.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:02,000\nHola a todos.\n", encoding="utf-8")
    assert get_transcript("dQw4w9WgXcQ", transcript_file=path, fetch_metadata=False).language == "es"
    plain = tmp_path / "lecture.srt"
    plain.write_text("1\n00:00:00,000 --> 00:00:02,000\nHello.\n", encoding="utf-8")
    assert get_transcript("dQw4w9WgXcQ", transcript_file=plain, fetch_metadata=False).language is None
