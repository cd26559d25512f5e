"""Transcripts from YouTube through youtube-transcript-api, each failure classified for the user.

Choice order: for each preferred language in the caller's order (regional variants included),
a manual transcript, then an auto-generated one; if none exists, any transcript translated by
YouTube into the first preferred language; if it cannot be translated, the transcript as it is
(notes in another language beat no notes at all, and ``Transcript.language`` says which).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from yt_study_buddy import sanitize
from yt_study_buddy.errors import NO_TRANSCRIPT, YOUTUBE_BLOCKED, TranscriptError
from yt_study_buddy.models import Segment, Transcript
from yt_study_buddy.transcripts.proxy import ProxySettings

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)
#: Seconds before a request to YouTube is given up (requests has no default timeout).
REQUEST_TIMEOUT = 30.0
SOURCE = "youtube-transcript-api"
BLOCKED_MESSAGE = (
    "YouTube is blocking requests from this machine's IP address (it blocks many cloud servers) or "
    "rate limiting them. Try again later, or set a proxy (YTSB_PROXY_URL, or YTSB_WEBSHARE_USERNAME "
    "and YTSB_WEBSHARE_PASSWORD)."
)
_STATUS = re.compile(r"\b([1-5]\d\d)\b")


def new_session(proxy: ProxySettings | None = None) -> requests.Session:
    """A requests session with a default timeout and the proxy, for YouTube and its caption URLs."""
    import requests

    class _TimeoutSession(requests.Session):
        def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            kwargs.setdefault("timeout", REQUEST_TIMEOUT)
            return super().request(method, url, *args, **kwargs)

    session = _TimeoutSession()
    proxy_url = proxy.proxy_url() if proxy else None
    if proxy_url:
        session.proxies = {"http": proxy_url, "https": proxy_url}
    return session


def fetch_from_youtube(
    video_id: str,
    languages: Sequence[str],
    *,
    proxy: ProxySettings | None = None,
    http_client: requests.Session | None = None,
) -> Transcript:
    """The best transcript YouTube has for ``video_id``; raises TranscriptError (classified)."""
    from youtube_transcript_api import YouTubeTranscriptApi

    api = YouTubeTranscriptApi(
        proxy_config=proxy.transcript_api_config() if proxy else None,
        http_client=http_client if http_client is not None else new_session(),
    )
    try:
        chosen = choose_transcript(api.list(video_id), languages)
        fetched = chosen.fetch()
    except TranscriptError:
        raise
    except Exception as exc:
        raise classify_error(exc) from exc
    segments = tuple(
        Segment(start, sanitize.seconds(s.duration) or 0.0, text)
        for s in fetched.snippets
        # The library decoded the entities once already (YouTube escapes its XML twice).
        if (text := sanitize.clean_text(s.text, decode_entities=False))
        and (start := sanitize.seconds(s.start)) is not None
    )
    if not segments:
        raise TranscriptError("The video's transcript is empty.", retryable=False, reason=NO_TRANSCRIPT)
    return Transcript(
        video_id=video_id,
        segments=segments,
        language=fetched.language_code,
        source=SOURCE,
        is_generated=fetched.is_generated,
    )


def choose_transcript(transcripts: Any, languages: Sequence[str]) -> Any:
    """Pick from a youtube_transcript_api TranscriptList (see the module docstring for the order).

    A preference matches its regional variants: manual English captions are often labelled
    ``en-GB`` or ``en-US``, and they still beat the auto-generated ``en`` track.
    """
    from youtube_transcript_api import NoTranscriptFound

    wanted = list(languages) or ["en"]
    available = list(transcripts)  # manual transcripts first, then generated
    codes = [transcript.language_code for transcript in available]
    for language in wanted:
        family = [language, *(code for code in codes if code != language and _same_language(code, language))]
        for find in (transcripts.find_manually_created_transcript, transcripts.find_generated_transcript):
            try:
                return find(family)
            except NoTranscriptFound:
                continue
    for transcript in available:
        if wanted[0] in {lang.language_code for lang in transcript.translation_languages}:
            return transcript.translate(wanted[0])
    if available:
        return available[0]
    raise TranscriptError(
        "This video has no transcript in any language.", retryable=False, reason=NO_TRANSCRIPT
    )


def _same_language(code: str, wanted: str) -> bool:
    """``en-GB`` is ``en``; ``en`` is ``en-US``; ``pt-BR`` is not ``pt-PT``."""
    base = wanted.split("-")[0].lower()
    code = code.lower()
    return code == base or (code.startswith(base + "-") and "-" not in wanted)


def classify_error(exc: BaseException) -> TranscriptError:
    """A youtube-transcript-api or network exception as a TranscriptError a user understands."""
    import requests
    import youtube_transcript_api as yta

    if isinstance(exc, TranscriptError):
        return exc
    permanent: list[tuple[type[BaseException], str]] = [
        (yta.InvalidVideoId, "That is not a valid YouTube video ID."),
        (yta.VideoUnavailable, "This video is unavailable: it may be private or removed."),
        (yta.AgeRestricted, "This video is age-restricted, so its transcript cannot be fetched."),
        (yta.TranscriptsDisabled, "This video has captions turned off, so there is no transcript."),
        (yta.NoTranscriptFound, "This video has no transcript in the requested languages."),
        (yta.NotTranslatable, "This video's transcript cannot be translated to the requested language."),
        (yta.TranslationLanguageNotAvailable, "YouTube cannot translate this transcript to that language."),
    ]
    without_captions = (yta.TranscriptsDisabled, yta.NoTranscriptFound)
    for kind, message in permanent:
        if isinstance(exc, kind):
            reason = NO_TRANSCRIPT if isinstance(exc, without_captions) else None
            return TranscriptError(message, retryable=False, reason=reason)
    reason = str(getattr(exc, "reason", None) or "")
    # The library spots the bot check by its exact wording (with a typographic apostrophe); any
    # other spelling arrives as VideoUnplayable, but it is still a block, not a dead video.
    if isinstance(exc, yta.RequestBlocked) or "not a bot" in reason.lower():
        # IpBlocked and HTTP 429 included
        return TranscriptError(BLOCKED_MESSAGE, retryable=True, reason=YOUTUBE_BLOCKED)
    if isinstance(exc, yta.VideoUnplayable):
        shown = sanitize.line(reason, max_chars=200)  # YouTube's words, written for viewers
        detail = f" ({shown})" if shown else ""
        return TranscriptError(f"This video cannot be played{detail}.", retryable=False)
    if isinstance(exc, yta.YouTubeRequestFailed):
        return http_status_error(_status_of(exc.reason))
    if isinstance(exc, requests.RequestException):
        return TranscriptError("Could not reach YouTube (network error). Try again later.", retryable=True)
    if isinstance(exc, yta.CouldNotRetrieveTranscript):
        # PoTokenRequired, YouTubeDataUnparsable, FailedToCreateConsentCookie: YouTube-side changes
        # or hiccups that a later attempt (or the yt-dlp fallback) may get past.
        return TranscriptError(
            "YouTube did not return the transcript this time. Try again later.", retryable=True
        )
    log.warning("Unclassified failure fetching a transcript", exc_info=exc)
    return TranscriptError("Fetching the transcript from YouTube failed. Try again later.", retryable=True)


def http_status_error(status: int | None) -> TranscriptError:
    """YouTube answered with an HTTP error: 429/403/5xx are worth retrying, other 4xx are not."""
    if status == 429:
        return TranscriptError(
            "YouTube is rate limiting requests (too many requests). Try again later.",
            retryable=True,
            reason=YOUTUBE_BLOCKED,
        )
    if status is None or status >= 500 or status in {403, 408}:
        return TranscriptError(
            f"YouTube returned an error (HTTP {status or '?'}). Try again later.", retryable=True
        )
    return TranscriptError(f"YouTube refused the request (HTTP {status}).", retryable=False)


def _status_of(reason: str) -> int | None:
    match = _STATUS.search(reason or "")
    return int(match.group(1)) if match else None
