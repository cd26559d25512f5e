"""The YouTube source against real recorded YouTube responses: each answer classified as a user
needs it (permanent: a refund; transient: try again) in words a user understands.

The responses are the ones youtube-transcript-api records from the real site and ships in its
package (``youtube_transcript_api/test/assets``): the watch page, the innertube player answers
(request blocked by IP, age-restricted, PO token required, captions disabled, unplayable,
unavailable), the reCAPTCHA "too many requests" page, the consent page, and a transcript.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.fakes.youtube import FakeYouTube, recorded, recorded_youtube
from yt_study_buddy.errors import NO_TRANSCRIPT, YOUTUBE_BLOCKED, TranscriptError
from yt_study_buddy.transcripts import youtube

VIDEO = "GJLlxj_dtq8"  # the video of the recordings
RECORDED_TEXT = [
    "Hey, this is just a test",
    "this is not the original transcript",  # <i>not</i> in the recording: formatting removed
    "just something shorter, I made up for testing",
]
# A message for users names no exception, library or internal detail, and is a sentence.
INTERNALS = re.compile(r"Error\b|Exception|youtube_transcript_api|Traceback|innertube|None\b|\{")


def fetch(fake: FakeYouTube, languages: tuple[str, ...] = ("en",)) -> list[str]:
    transcript = youtube.fetch_from_youtube(VIDEO, languages, http_client=fake.session())
    assert transcript.source == "youtube-transcript-api"
    return [segment.text for segment in transcript.segments]


def answers(*bodies: str) -> Iterator[tuple[int, str]]:
    return iter((200, recorded(body)) for body in bodies)


@pytest.mark.parametrize(
    "fake",
    [
        recorded_youtube(),
        recorded_youtube(player="youtube_altered_user_agent.innertube.json.static"),
        recorded_youtube(player="youtube_ww1_nl_en.innertube.json.static"),
    ],
    ids=["watch-page-player-transcript", "altered-user-agent", "dutch-and-english-tracks"],
)
def test_given_recorded_youtube_answers_when_fetched_then_the_transcript_is_clean_text(
    fake: FakeYouTube,
) -> None:
    assert fetch(fake) == RECORDED_TEXT


def test_given_preferred_languages_when_fetched_then_the_first_recorded_one_is_asked_for() -> None:
    # Given the recorded Dutch/English video, and German then English preferred
    fake = recorded_youtube(player="youtube_ww1_nl_en.innertube.json.static")

    fetch(fake, ("de", "en"))

    assert "lang=en" in str(fake.requests[-1].url)


def test_given_the_consent_page_once_when_fetched_then_consent_is_given_and_the_transcript_arrives() -> None:
    pages = answers("youtube_consent_page.html.static", "youtube.html.static")
    fake = recorded_youtube(watch=lambda: next(pages))

    assert fetch(fake) == RECORDED_TEXT
    assert "CONSENT=YES+" in fake.requests[-1].headers["cookie"]


@pytest.mark.parametrize(
    ("replacement", "retryable", "reason", "words"),
    [
        # refused because of this machine's IP: transient, and the message says why
        ({"player": "youtube_request_blocked.innertube.json.static"}, True, YOUTUBE_BLOCKED, "IP address"),
        ({"watch": "youtube_too_many_requests.html.static"}, True, YOUTUBE_BLOCKED, "IP address"),
        ({"timedtext": (429, "")}, True, YOUTUBE_BLOCKED, "IP address"),
        ({"player": "youtube_po_token_required.innertube.json.static"}, True, None, "Try again later"),
        ({"watch": "youtube_consent_page_invalid.html.static"}, True, None, "Try again later"),
        ({"player": (500, "")}, True, None, "HTTP 500"),
        # the video itself cannot give a transcript: permanent
        ({"player": "youtube_age_restricted.innertube.json.static"}, False, None, "age-restricted"),
        ({"player": "youtube_transcripts_disabled.innertube.json.static"}, False, NO_TRANSCRIPT, "captions"),
        ({"player": "youtube_transcripts_disabled2.innertube.json.static"}, False, NO_TRANSCRIPT, "captions"),
        ({"player": "youtube_unplayable.innertube.json.static"}, False, None, "cannot be played (Custom"),
        ({"player": "youtube_video_unavailable.innertube.json.static"}, False, None, "unavailable"),
    ],
    ids=[
        "request-blocked",
        "too-many-requests-recaptcha",
        "transcript-429",
        "po-token-required",
        "consent-page-invalid",
        "player-500",
        "age-restricted",
        "transcripts-disabled",
        "transcripts-disabled-2",
        "unplayable",
        "unavailable",
    ],
)
def test_given_a_recorded_refusal_when_fetched_then_it_is_classified_in_words_for_users(
    replacement: dict, retryable: bool, reason: str | None, words: str
) -> None:
    with pytest.raises(TranscriptError) as caught:
        fetch(recorded_youtube(**replacement))

    error = caught.value
    assert (error.retryable, error.reason) == (retryable, reason)
    assert words in error.message
    assert error.message.endswith(".") and not INTERNALS.search(error.message)


def test_given_the_consent_page_every_time_when_fetched_then_transient() -> None:
    pages = answers(*["youtube_consent_page.html.static"] * 2)

    with pytest.raises(TranscriptError) as caught:
        fetch(recorded_youtube(watch=lambda: next(pages)))

    assert caught.value.retryable is True and caught.value.message.endswith("Try again later.")
