"""English stop words for the extractive analysis: function words, and the filler of speech."""

from __future__ import annotations

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
"""
STOPWORDS = frozenset(_COMMON_WORDS.split()) | frozenset(_SPOKEN_GLUE.split())
