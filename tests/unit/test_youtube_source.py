"""The YouTube source: youtube-transcript-api over an injected HTTP session serving recorded-shape
responses, yt-dlp through a fake YoutubeDL; the proxy settings. No network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.fakes.youtube import RECAPTCHA_PAGE, FakeVideo, FakeYouTube, FakeYoutubeDL, Track
from yt_study_buddy import pipeline
from yt_study_buddy.errors import TranscriptError
from yt_study_buddy.models import Transcript
from yt_study_buddy.progress import ExitCode, ProgressEvent, Step
from yt_study_buddy.providers import create_provider
from yt_study_buddy.transcripts import ProxySettings, fetch_metadata, get_transcript, ytdlp

VIDEO = "Xq3b7LmR9tA"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"
INFO = {
    "id": VIDEO,
    "title": "How Neural Networks Learn",
    "channel": "Lambda Lectures",
    "uploader": "lambdalectures",
    "duration": 467,
    "chapters": [
        {"start_time": 48.8, "end_time": 143.3, "title": "What a loss function is"},
        {"start_time": 0.0, "end_time": 48.8, "title": "Introduction"},
        {"title": "broken chapter without a start"},
    ],
}


@pytest.fixture(autouse=True)
def _no_proxy_or_local_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "YTSB_PROXY_URL",
        "YTSB_WEBSHARE_USERNAME",
        "YTSB_WEBSHARE_PASSWORD",
        "YTSB_TRANSCRIPTS_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def youtube() -> FakeYouTube:
    return FakeYouTube()


def use_ydl(
    monkeypatch: pytest.MonkeyPatch, info: dict[str, Any] | None = None, error: Exception | None = None
) -> type[FakeYoutubeDL]:
    fake = FakeYoutubeDL.make(info=info, error=error)
    monkeypatch.setattr(ytdlp, "youtube_dl_class", lambda: fake)
    return fake


def fetch(youtube: FakeYouTube, languages: tuple[str, ...] = ("en",), **kwargs: Any) -> Transcript:
    return get_transcript(
        VIDEO, languages=languages, http_client=youtube.session(), fetch_metadata=False, **kwargs
    )


def test_given_manual_and_auto_english_when_fetched_then_the_manual_track_is_chosen(
    youtube: FakeYouTube,
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("en", "English (auto-generated)", True), Track("en", "English")])
    transcript = fetch(youtube)
    assert transcript.segments[0].text == "manual en line 1"
    assert (transcript.language, transcript.is_generated, transcript.source) == (
        "en",
        False,
        "youtube-transcript-api",
    )
    assert transcript.segments[-1].text == "that's all"  # entities YouTube escaped twice, decoded
    assert [r.method for r in youtube.requests] == ["GET", "POST", "GET"]


def test_given_preferred_languages_when_fetched_then_their_order_beats_manual_over_auto(
    youtube: FakeYouTube,
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("en", "English"), Track("de", "Deutsch (automatisch)", True)])
    assert fetch(youtube, ("de", "en")).segments[0].text == "auto de line 1"
    assert fetch(youtube, ("fr", "en")).segments[0].text == "manual en line 1"


def test_given_manual_captions_labelled_with_a_region_when_fetched_then_they_beat_auto_english(
    youtube: FakeYouTube,
) -> None:
    youtube.videos[VIDEO] = FakeVideo(
        [Track("en-GB", "English (United Kingdom)"), Track("en", "English (auto-generated)", True)]
    )
    assert fetch(youtube).segments[0].text == "manual en-GB line 1"
    youtube.videos[VIDEO] = FakeVideo(
        [Track("pt-PT", "Português"), Track("pt-BR", "Português (Brasil)", True)]
    )
    assert fetch(youtube, ("pt-BR",)).segments[0].text == "auto pt-BR line 1"


def test_given_only_another_language_when_fetched_then_it_is_translated_to_the_first_preference(
    youtube: FakeYouTube,
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("es", "Español")])
    transcript = fetch(youtube, ("en", "de"))
    assert transcript.segments[0].text == "manual es to en line 1"
    assert transcript.language == "en"
    assert "tlang=en" in str(youtube.requests[-1].url)


def test_given_an_untranslatable_other_language_when_fetched_then_it_is_used_as_it_is(
    youtube: FakeYouTube,
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("es", "Español", translatable=False)])
    transcript = fetch(youtube)
    assert (transcript.language, transcript.segments[0].text) == ("es", "manual es line 1")


def test_given_transcripts_disabled_when_fetched_then_permanent_after_trying_yt_dlp(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    youtube.videos[VIDEO] = FakeVideo(captions=False)
    ydl = use_ydl(monkeypatch, info={**INFO, "subtitles": {}, "automatic_captions": {}})
    with pytest.raises(TranscriptError) as caught:
        fetch(youtube)
    assert caught.value.retryable is False
    assert "captions" in caught.value.message
    assert len(ydl.calls) == 1 and ydl.calls[0]["download"] is False


def test_given_an_unavailable_video_when_fetched_then_permanent_without_asking_yt_dlp(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    ydl = use_ydl(monkeypatch, info=INFO)
    with pytest.raises(TranscriptError) as caught:
        fetch(youtube)  # the fake knows no such video: "This video is unavailable"
    assert caught.value.retryable is False
    assert "unavailable" in caught.value.message
    assert ydl.calls == []


@pytest.mark.parametrize(
    ("playability", "words"),
    [
        ({"status": "LOGIN_REQUIRED", "reason": "This video may be inappropriate for some users."}, "age"),
        ({"status": "LOGIN_REQUIRED", "reason": "This video is private"}, "private"),
        ({"status": "UNPLAYABLE", "reason": "Video unavailable: removed for copyright"}, "copyright"),
    ],
)
def test_given_a_video_youtube_will_not_play_when_fetched_then_permanent(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch, playability: dict[str, str], words: str
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("en", "English")], playability=playability)
    use_ydl(monkeypatch, error=RuntimeError("must not be needed"))
    with pytest.raises(TranscriptError) as caught:
        fetch(youtube)
    assert caught.value.retryable is False
    assert words in caught.value.message


def _blocked_by_bot_check(
    youtube: FakeYouTube, reason: str = "Sign in to confirm you\u2019re not a bot"
) -> None:
    youtube.videos[VIDEO] = FakeVideo(
        [Track("en", "English")], playability={"status": "LOGIN_REQUIRED", "reason": reason}
    )


@pytest.mark.parametrize(
    "block",
    [
        lambda yt: yt.overrides.__setitem__("https://www.youtube.com/watch", (429, "Too Many Requests")),
        lambda yt: yt.overrides.__setitem__("https://www.youtube.com/watch", (200, RECAPTCHA_PAGE)),
        _blocked_by_bot_check,
        lambda yt: _blocked_by_bot_check(yt, "Sign in to confirm you're not a bot"),
        lambda yt: yt.overrides.__setitem__("https://www.youtube.com/youtubei", (503, "Service Unavailable")),
    ],
    ids=["http-429", "recaptcha-page", "bot-check", "bot-check-ascii-apostrophe", "http-503"],
)
def test_given_youtube_blocks_or_fails_when_fetched_then_transient_even_if_yt_dlp_is_blocked_too(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch, block: Any
) -> None:
    block(youtube)
    use_ydl(monkeypatch, error=Exception("ERROR: [youtube] x: Sign in to confirm you\u2019re not a bot."))
    with pytest.raises(TranscriptError) as caught:
        fetch(youtube)
    assert caught.value.retryable is True
    assert "YouTube" in caught.value.message


def test_given_a_caption_list_without_tracks_when_fetched_then_permanent_no_transcript(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    youtube.videos[VIDEO] = FakeVideo(tracks=[])
    ydl = use_ydl(
        monkeypatch, info={**INFO, "automatic_captions": {"live_chat": [{"ext": "json", "url": "x"}]}}
    )
    with pytest.raises(TranscriptError) as caught:
        fetch(youtube)
    assert caught.value.retryable is False
    assert "no transcript" in caught.value.message
    assert len(ydl.calls) == 1


def test_given_the_network_is_down_when_fetched_then_transient(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> tuple[int, str]:
        raise requests.ConnectionError("Connection refused")

    youtube.overrides["https://"] = refuse
    use_ydl(monkeypatch, error=Exception("ERROR: Unable to download webpage: <urlopen error [Errno 111]>"))
    with pytest.raises(TranscriptError) as caught:
        fetch(youtube)
    assert caught.value.retryable is True


def test_given_blocked_api_but_yt_dlp_lists_subtitles_when_fetched_then_the_fallback_transcript_is_used(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    youtube.overrides["https://www.youtube.com/watch"] = (429, "Too Many Requests")
    vtt_url = "https://www.youtube.com/api/timedtext?v=X&lang=en&fmt=vtt&kind=asr"
    youtube.overrides[vtt_url] = (200, (FIXTURES / "yt_auto_captions.en.vtt").read_text(encoding="utf-8"))
    auto = {
        "de": [{"ext": "vtt", "url": "https://example.invalid/de.vtt"}],
        "en-orig": [{"ext": "srv3", "url": "https://example.invalid/x"}, {"ext": "vtt", "url": vtt_url}],
    }
    use_ydl(monkeypatch, info={**INFO, "subtitles": {}, "automatic_captions": auto})
    transcript = fetch(youtube)
    assert (transcript.source, transcript.is_generated, transcript.language) == ("yt-dlp", True, "en")
    assert transcript.segments[1].text == "hi everyone and welcome back to the channel"
    assert transcript.metadata is not None and transcript.metadata.title == "How Neural Networks Learn"


def test_given_a_good_fetch_when_metadata_is_wanted_then_yt_dlp_supplies_it_without_downloading(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("en", "English")])
    ydl = use_ydl(monkeypatch, info=INFO)
    transcript = get_transcript(VIDEO, http_client=youtube.session())
    metadata = transcript.metadata
    assert metadata is not None
    assert (metadata.title, metadata.channel, metadata.duration_seconds) == (
        "How Neural Networks Learn",
        "Lambda Lectures",
        467.0,
    )
    assert [(c.start, c.title, c.end) for c in metadata.chapters] == [
        (0.0, "Introduction", 48.8),
        (48.8, "What a loss function is", 143.3),
    ]
    options = ydl.calls[0]["options"]
    assert options["skip_download"] is True and ydl.calls[0]["download"] is False
    assert ydl.calls[0]["url"] == f"https://www.youtube.com/watch?v={VIDEO}"


def test_given_yt_dlp_fails_when_metadata_is_fetched_then_the_transcript_still_arrives(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("en", "English")])
    use_ydl(monkeypatch, error=Exception("ERROR: HTTP Error 403: Forbidden"))
    transcript = get_transcript(VIDEO, http_client=youtube.session())
    assert transcript.segments[0].text == "manual en line 1"
    assert transcript.metadata is not None and transcript.metadata.title is None
    assert fetch_metadata(VIDEO).chapters == ()


def test_given_an_invalid_id_when_fetched_then_permanent_without_any_request(youtube: FakeYouTube) -> None:
    with pytest.raises(TranscriptError) as caught:
        get_transcript("not-an-id", http_client=youtube.session())
    assert caught.value.retryable is False
    assert youtube.requests == []


@pytest.mark.parametrize(
    ("message", "retryable"),
    [
        ("ERROR: [youtube] abc: Private video. Sign in if you've been granted access", False),
        ("ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader", False),
        ("ERROR: [youtube] abc: Sign in to confirm your age.", False),
        ("ERROR: [youtube] abc: Join this channel to get access to members-only content", False),
        ("ERROR: [youtube] abc: This live event will begin in 3 hours.", False),
        ("ERROR: [youtube] abc: Sign in to confirm you\u2019re not a bot.", True),
        ("ERROR: unable to download video data: HTTP Error 429: Too Many Requests", True),
        ("ERROR: Unable to download API page: HTTP Error 500: Internal Server Error", True),
        ("ERROR: Unable to download webpage: <urlopen error timed out>", True),
    ],
)
def test_given_yt_dlp_error_messages_when_classified_then_permanent_or_transient(
    message: str, retryable: bool
) -> None:
    error = ytdlp.classify_error(Exception(message))
    assert error.retryable is retryable
    assert error.message and "ERROR" not in error.message


def test_given_manual_and_automatic_subtitles_when_picked_then_manual_in_preferred_order_wins() -> None:
    info = {
        "subtitles": {
            "en-GB": [{"ext": "vtt", "url": "u-manual-en"}],
            "live_chat": [{"ext": "json", "url": "c"}],
        },
        "automatic_captions": {
            "de-orig": [{"ext": "json3", "url": "u-auto-de"}],
            "en": [{"ext": "vtt", "url": "a"}],
        },
    }
    assert ytdlp.pick_subtitles(info, ["de", "en"]) == ("de", True, "json3", "u-auto-de")
    assert ytdlp.pick_subtitles(info, ["en"]) == ("en", False, "vtt", "u-manual-en")
    assert ytdlp.pick_subtitles(info, ["ja"]) == ("en-GB", False, "vtt", "u-manual-en")
    assert ytdlp.pick_subtitles({"automatic_captions": {"ab": [{"ext": "vtt", "url": "x"}]}}, ["ja"]) is None


def test_given_proxy_environment_when_read_then_generic_url_or_webshare_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from youtube_transcript_api.proxies import GenericProxyConfig, WebshareProxyConfig

    assert ProxySettings.from_env() is None
    monkeypatch.setenv("YTSB_WEBSHARE_USERNAME", "user1")
    monkeypatch.setenv("YTSB_WEBSHARE_PASSWORD", "s3cret")
    webshare = ProxySettings.from_env()
    assert webshare is not None and isinstance(webshare.transcript_api_config(), WebshareProxyConfig)
    assert webshare.proxy_url() == "http://user1-rotate:s3cret@p.webshare.io:80/"
    assert "s3cret" not in repr(webshare)
    monkeypatch.setenv("YTSB_PROXY_URL", "http://proxy.internal:3128")
    generic = ProxySettings.from_env()
    assert generic == ProxySettings(url="http://proxy.internal:3128")
    config = generic.transcript_api_config()
    assert isinstance(config, GenericProxyConfig)
    assert config.to_requests_dict() == {
        "http": "http://proxy.internal:3128",
        "https": "http://proxy.internal:3128",
    }


def test_given_a_proxy_when_fetching_then_youtube_requests_and_yt_dlp_use_it(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    youtube.videos[VIDEO] = FakeVideo([Track("en", "English")])
    ydl = use_ydl(monkeypatch, info=INFO)
    monkeypatch.setenv("YTSB_PROXY_URL", "http://proxy.internal:3128")
    get_transcript(VIDEO, http_client=youtube.session())
    assert all(p and p.get("https") == "http://proxy.internal:3128" for p in youtube.sent_proxies)
    assert ydl.calls[0]["options"]["proxy"] == "http://proxy.internal:3128"


# yt-dlp info dicts as real videos and hand-written sidecars have them, and as a hostile one could.
SURROGATE_TITLE = "Lecture \ud800 one\x7f\x85\ufffe"
INFO_SHAPES: dict[
    str, tuple[dict[str, Any], tuple[str | None, float | None, list[tuple[float, str, float | None]]]]
] = {
    "no-chapters": ({"title": "T", "duration": 467}, ("T", 467.0, [])),
    "chapters-null": ({"title": "T", "duration": 467, "chapters": None}, ("T", 467.0, [])),
    "chapters-not-a-list": ({"title": "T", "chapters": "Intro at 0:00"}, ("T", None, [])),
    "no-duration": (
        {"title": "T", "chapters": [{"start_time": 0, "title": "A"}, {"start_time": 60, "title": "B"}]},
        ("T", None, [(0.0, "A", 60.0), (60.0, "B", None)]),
    ),
    "duration-nan": ({"title": "T", "duration": float("nan")}, ("T", None, [])),
    "duration-negative": ({"title": "T", "duration": -5}, ("T", None, [])),
    "duration-infinite": ({"title": "T", "duration_seconds": float("inf")}, ("T", None, [])),
    "chapter-times-missing-nan-inf": (
        {
            "duration": 300,
            "chapters": [
                {"title": "no start"},
                {"start_time": float("nan"), "title": "nan start"},
                {"start_time": float("inf"), "title": "infinite start"},
                {"start_time": 10, "end_time": float("nan"), "title": "nan end"},
                {"start_time": 100, "end_time": float("inf"), "title": "infinite end"},
                {"start_time": 200, "end_time": 150, "title": "ends before it starts"},
                {"start_time": 250, "title": None},
                "not a chapter",
            ],
        },
        (
            None,
            300.0,
            [
                (10.0, "nan end", 100.0),
                (100.0, "infinite end", 200.0),
                (200.0, "ends before it starts", 300.0),
            ],
        ),
    ),
    "title-not-a-string": ({"title": ["a", "list"], "channel": {"a": 1}, "uploader": 7}, (None, None, [])),
    "title-a-number": ({"title": 1984}, ("1984", None, [])),
    "title-of-a-megabyte": ({"title": "long " * 200_000}, ("long " * 59 + "long\u2026", None, [])),
    "lone-surrogate-and-controls": ({"title": SURROGATE_TITLE}, ("Lecture one", None, [])),
    "newline-in-titles": (
        {"title": "A\n# B", "chapters": [{"start": 0, "title": "C\n## D"}]},
        ("A # B", None, [(0.0, "C ## D", None)]),
    ),
}


@pytest.mark.parametrize(("info", "expected"), INFO_SHAPES.values(), ids=INFO_SHAPES.keys())
def test_given_an_info_shape_when_mapped_then_metadata_or_nothing_never_an_exception(
    info: dict[str, Any], expected: tuple[str | None, float | None, list[tuple[float, str, float | None]]]
) -> None:
    metadata = ytdlp.metadata_from_info(VIDEO, info)

    title, duration, chapters = expected
    assert (metadata.title, metadata.duration_seconds) == (title, duration)
    assert [(c.start, c.title, c.end) for c in metadata.chapters] == chapters


def _blocked_with_subtitles(youtube: FakeYouTube) -> dict[str, Any]:
    """YouTube refuses this machine, so yt-dlp's subtitle listing (returned here) is used."""
    youtube.overrides["https://www.youtube.com/watch"] = (429, "Too Many Requests")
    vtt_url = "https://www.youtube.com/api/timedtext?v=X&lang=en&fmt=vtt"
    youtube.overrides[vtt_url] = (200, (FIXTURES / "yt_auto_captions.en.vtt").read_text(encoding="utf-8"))
    return {"en": [{"ext": "vtt", "url": vtt_url}]}


def run_offline(youtube: FakeYouTube, base_dir: Path) -> tuple[pipeline.Outcome, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    outcome = pipeline.run(
        VIDEO,
        create_provider("offline"),
        lambda video_id: get_transcript(video_id, http_client=youtube.session()),
        base_dir,
        events.append,
    )
    return outcome, events


@pytest.mark.parametrize("info", [info for info, _ in INFO_SHAPES.values()], ids=INFO_SHAPES.keys())
def test_given_an_info_shape_on_the_yt_dlp_fallback_when_run_then_a_note_is_written(
    youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, info: dict[str, Any]
) -> None:
    use_ydl(monkeypatch, info={**info, "subtitles": _blocked_with_subtitles(youtube)})

    outcome, events = run_offline(youtube, tmp_path)

    assert outcome.exit_code is ExitCode.OK, events[-1]
    assert outcome.path is not None and outcome.title is not None
    head = outcome.path.read_text(encoding="utf-8").removeprefix("---\n").split("\n---\n", 1)[0]
    assert yaml.safe_load(head)["title"] == outcome.title
    assert "\n" not in outcome.title and len(outcome.title) <= 300


@pytest.mark.parametrize(
    ("info", "code", "words"),
    [
        (["not", "a", "dict"], ExitCode.TRANSIENT, "IP address"),
        (
            {"title": "T", "subtitles": "en", "automatic_captions": ["en"]},
            ExitCode.PERMANENT,
            "no transcript",
        ),
        ({"subtitles": {"en": "not a list", 5: []}}, ExitCode.PERMANENT, "no transcript"),
        ({"subtitles": {"en": [{"ext": "vtt", "url": None}, "x"]}}, ExitCode.PERMANENT, "no transcript"),
    ],
    ids=["info-not-a-dict", "subtitles-not-a-dict", "formats-not-a-list", "format-without-url"],
)
def test_given_an_unusable_info_shape_on_the_yt_dlp_fallback_when_run_then_a_classified_error(
    youtube: FakeYouTube,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    info: Any,
    code: ExitCode,
    words: str,
) -> None:
    _blocked_with_subtitles(youtube)
    use_ydl(monkeypatch, info=info)

    outcome, events = run_offline(youtube, tmp_path)

    assert outcome.exit_code is code and events[-1].step is Step.ERROR
    assert words in events[-1].message and "Something went wrong" not in events[-1].message
