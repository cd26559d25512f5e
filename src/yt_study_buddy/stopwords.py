"""English stop words for the extractive analysis: function words, and the filler of speech."""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import json

_COMMON_WORDS = """
a about above actually after again against all almost also although always am an and another any
anything are aren't around as at away back basically be because been before being below between both
but by can can't cannot could couldn't did didn't do does doesn't doing don't done down during each
either else enough even ever every everything few first for from further get gets getting go goes
going gonna good got gotta had hasn't has have haven't having he he's her here here's hers herself
him himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its itself just
kind know let let's like likely look lot lots made make makes many may maybe me mean means might
mine more most much must my myself need new next no nor not now of off oh ok okay on once one only
onto or other others otherwise our ours ourselves out over own pretty probably quite rather really
right said same say says see seen she she's should shouldn't so some something sort still such sure
take talk tell than that that's the their theirs them themselves then there there's these they
they'd they'll they're they've thing things think this those though through thus to today together
too two uh um under until up upon us use used using very want wanna was wasn't way we we'd we'll
we're we've well went were weren't what what's whatever when where where's whether which while who
who's whom whose why will with within without won't would wouldn't yeah yes yet you you'd you'll
you're you've your yours yourself yourselves
"""
# Spoken filler and verbs that glue phrases together ("X refers to", "it happens").
_SPOKEN_GLUE = """
able anybody bit call called calls came come comes different everybody
example examples find found give gives happen happens important instead keep never often part point
put question refer refers remember show shows showed someone somebody sometimes start started stuff
try usually words work works
times video videos minute minutes three four five six seven eight nine ten
hundred hundreds thousand thousands million millions billion billions trillion per toward towards
dr mr mrs ms prof guys guy folks
"""
STOPWORDS = frozenset(_COMMON_WORDS.split()) | frozenset(_SPOKEN_GLUE.split())

# A complete sentence does not end on these words, nor start on the second set: a caption cut there
# was cut mid-phrase ("... the training data which comes in the form of a").
_DANGLING_END = """
a an the of to and or but in on at for with that which is are was were be my your our their its
this these those as by from if than then because so uh um very we i you they he she it's i'm
we're you're can will would should could have has had do does not about into like what how when
where who whose also just really
"""
_DANGLING_START = "of to or than which whose by with at from are is was were"
DANGLING_END = frozenset(_DANGLING_END.split())
DANGLING_START = frozenset(_DANGLING_START.split())

# Function characters of Chinese and Japanese: a phrase does not start or end on them (these
# scripts have no spaces, so phrases are runs of characters between such stops).
CJK_STOP_CHARS = frozenset(
    "的了是在我你他她它们这那有和就不也都很要会一个说吗呢吧啊么什怎样还能到对把被给从让与及或而且但"
    "如果因为所以就是这个那个我们你们他们"
    "のはがをにでともへやからまでですますしてたないるうかこそあれそれこれ"
)

# Common verbs and adjectives of speech: a term (a noun phrase) does not end on them ("the price
# rises", "the curve shifts", "willing", "equal" are not concepts). No tagger fits the engine
# layer; these are the ones lecture captions use most.
_NOT_HEADS = """
rise rises rose fall falls fell move moves moved shift shifts shifted drop drops grow grows grew
increase increases decrease decreases change changes turn turns tend tends depend depends lead leads
hold holds bring brings seem seems become becomes help helps run runs stay stays reach reaches
explain explains explore create creates produce produces reduce reduces happen occur occurs
involve involves allow allows require requires equal equals willing able higher lower bigger
smaller larger greater better worse best worst whole entire certain possible simple simpler easy
easier hard harder vertical horizontal true false real basic main general specific particular
similar various actual exact overall huge tiny little big small large high low long short
"""
NOT_HEADS = frozenset(_NOT_HEADS.split())
# Adjectives that say which one or how big, not what kind: a term does not start on them
# ("specific string of bits", "whole economy of agents", "huge amount").
_NOT_MODIFIERS = "whole entire specific particular certain various exact actual overall huge tiny similar"
NOT_MODIFIERS = frozenset(_NOT_MODIFIERS.split())
# Titles before a person's name: "Dr Thomas" is a speaker, not a concept.
_HONORIFICS = "dr mr mrs ms prof sir"
HONORIFICS = frozenset(_HONORIFICS.split())

# What the word before says about a word's part of speech, for telling nouns from verbs and
# adjectives without a tagger: after a determiner, possessive or preposition comes a noun phrase
# ("the embedding", "of crops"); after a subject pronoun, a modal or "to" a verb ("they brought",
# "to recognize"); after a copula or an intensifier an adjective ("is soluble", "so insane").
_BEFORE_NOUNS = """
the a an this these those my your his her its our their some any each every no another of in on
for with by about from into at
"""
_BEFORE_VERBS = """
i you we they he she it to can can't could couldn't would wouldn't should will won't might must
do does did don't doesn't didn't i'll you'll we'll they'll let's
"""
_BEFORE_ADJECTIVES = """
is are was were be been being it's that's they're we're you're he's she's very so too really
quite pretty not
"""
BEFORE_NOUNS = frozenset(_BEFORE_NOUNS.split())
BEFORE_VERBS = frozenset(_BEFORE_VERBS.split())
BEFORE_ADJECTIVES = frozenset(_BEFORE_ADJECTIVES.split())


@functools.cache
def for_language(code: str | None) -> frozenset[str]:
    """The stop words of the transcript's language ("es", "pt-BR", "zh-Hans"): spaCy's list where
    spaCy has one (data/stopwords.json.gz, made by scripts/stopword_lists.py), ours, written for
    spoken English, for English and for a language without a list. Chinese and Japanese, read
    character by character, keep CJK_STOP_CHARS: spaCy's lists for them are of words."""
    base = (code or "en").replace("_", "-").split("-")[0].lower()
    if base in ("en", "zh", "ja"):
        return STOPWORDS
    data = importlib.resources.files("yt_study_buddy") / "data" / "stopwords.json.gz"
    lists: dict[str, list[str]] = json.loads(gzip.decompress(data.read_bytes()))["languages"]
    return frozenset(lists[base]) if base in lists else STOPWORDS
