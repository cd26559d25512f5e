"""A fake YouTube behind a requests adapter, and a fake yt-dlp: the YouTube source without network.

The adapter answers the three requests youtube-transcript-api 1.2 makes (the watch page, from
which it takes INNERTUBE_API_KEY; the innertube ``player`` call, whose JSON lists caption tracks;
the timedtext XML of the chosen track) in the shapes YouTube returns, plus any extra URL (the
subtitle file yt-dlp would download). Each track's text names the track, so a test can see which
one was chosen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

API_KEY = "AIzaSyAO_FJ2SlqU8Q4STEHLGCilw_Y9_11qcW8"
WATCH_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title>{title} - YouTube</title></head><body>'
    '<script nonce="x">var ytcfg={{}};ytcfg.set({{"CLIENT_CANARY_STATE":"none","DEVICE":"cbr=Chrome",'
    '"INNERTUBE_API_KEY":"{key}","INNERTUBE_API_VERSION":"v1","INNERTUBE_CLIENT_NAME":"WEB",'
    '"INNERTUBE_CLIENT_VERSION":"2.20241120.01.00"}});</script>'
    '<meta itemprop="name" content="{title}"><link itemprop="url" href="https://www.youtube.com/watch?v={vid}">'
    "</body></html>"
)
RECAPTCHA_PAGE = (
    '<html><body><form action="/das_captcha"><div class="g-recaptcha"></div></form></body></html>'
)


@dataclass(frozen=True)
class Track:
    language: str
    name: str
    generated: bool = False
    translatable: bool = True


@dataclass
class FakeVideo:
    """What YouTube knows about one video; ``playability`` as the player JSON reports it."""

    tracks: list[Track] = field(default_factory=list)
    captions: bool = True
    playability: dict[str, Any] = field(default_factory=lambda: {"status": "OK", "playableInEmbed": True})
    translation_languages: tuple[tuple[str, str], ...] = (
        ("en", "English"),
        ("de", "German"),
        ("fr", "French"),
    )


def track_text(language: str, generated: bool, translated_to: str | None, line: int) -> str:
    """The words of line ``line`` of a track, naming the track (what tests assert on)."""
    kind = "auto" if generated else "manual"
    via = f" to {translated_to}" if translated_to else ""
    return f"{kind} {language}{via} line {line}"


class FakeYouTube(BaseAdapter):
    """Mount on a requests.Session for ``https://``; records every request it serves."""

    def __init__(self, videos: dict[str, FakeVideo] | None = None) -> None:
        super().__init__()
        self.videos = videos or {}
        self.requests: list[requests.PreparedRequest] = []
        self.sent_proxies: list[Any] = []
        # url prefix -> (status, body): checked first, for errors and for extra files
        self.overrides: dict[str, tuple[int, str] | Callable[[], tuple[int, str]]] = {}

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://", self)
        session.mount("http://", self)
        return session

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.requests.append(request)
        self.sent_proxies.append(kwargs.get("proxies"))
        url = str(request.url)
        for prefix, answer in self.overrides.items():
            if url.startswith(prefix):
                status, body = answer() if callable(answer) else answer
                return self._response(request, status, body)
        parts = urlsplit(url)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/watch":
            video = query.get("v", "")
            return self._response(request, 200, WATCH_PAGE.format(key=API_KEY, title="A lecture", vid=video))
        if parts.path == "/youtubei/v1/player" and query.get("key") == API_KEY:
            video_id = json.loads(request.body or b"{}").get("videoId", "")
            return self._response(request, 200, json.dumps(self._player(video_id)))
        if parts.path == "/api/timedtext":
            return self._response(request, 200, self._timedtext(query))
        return self._response(request, 404, "<html>404 Not Found</html>")

    def close(self) -> None:
        pass

    def _player(self, video_id: str) -> dict[str, Any]:
        video = self.videos.get(video_id)
        if video is None:
            return {"playabilityStatus": {"status": "ERROR", "reason": "This video is unavailable"}}
        body: dict[str, Any] = {"playabilityStatus": video.playability, "videoDetails": {"videoId": video_id}}
        if video.captions:
            body["captions"] = {"playerCaptionsTracklistRenderer": self._tracklist(video_id, video)}
        return body

    @staticmethod
    def _tracklist(video_id: str, video: FakeVideo) -> dict[str, Any]:
        tracks = []
        for track in video.tracks:
            kind = "&kind=asr" if track.generated else ""
            entry: dict[str, Any] = {
                "baseUrl": f"https://www.youtube.com/api/timedtext?v={video_id}&ei=Zx9EZ4ySLJ2x&caps=asr"
                f"&opi=112496729&xoaf=5&hl=en&ip=0.0.0.0&ipbits=0&expire=1732480000&sparams=ip,ipbits"
                f"&signature=ABC.DEF&key=yt8{kind}&lang={track.language}&fmt=srv3",
                "name": {"runs": [{"text": track.name}]},
                "vssId": f"{'a' if track.generated else ''}.{track.language}",
                "languageCode": track.language,
                "isTranslatable": track.translatable,
                "trackName": "",
            }
            if track.generated:
                entry["kind"] = "asr"
            tracks.append(entry)
        return {
            "captionTracks": tracks,
            "audioTracks": [{"captionTrackIndices": list(range(len(tracks)))}],
            "translationLanguages": [
                {"languageCode": code, "languageName": {"runs": [{"text": name}]}}
                for code, name in video.translation_languages
            ],
            "defaultAudioTrackIndex": 0,
        }

    @staticmethod
    def _timedtext(query: dict[str, str]) -> str:
        generated = query.get("kind") == "asr"
        lines = [
            f'<text start="{index * 2.5:.2f}" dur="2.8">'
            f"{track_text(query['lang'], generated, query.get('tlang'), index)}</text>"
            for index in range(1, 4)
        ]
        # YouTube escapes twice: an apostrophe arrives as &amp;#39;
        lines.append('<text start="10.00" dur="1.5">that&amp;#39;s all</text>')
        return '<?xml version="1.0" encoding="utf-8" ?><transcript>' + "".join(lines) + "</transcript>"

    @staticmethod
    def _response(request: requests.PreparedRequest, status: int, body: str) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = body.encode("utf-8")
        response.encoding = "utf-8"
        response.url = str(request.url)
        response.request = request
        response.headers["Content-Type"] = "application/json" if body.startswith("{") else "text/html"
        return response


class FakeYoutubeDL:
    """Stands in for yt_dlp.YoutubeDL: ``make(info)`` or ``make(error=...)`` gives a class."""

    calls: list[dict[str, Any]]

    @classmethod
    def make(cls, info: dict[str, Any] | None = None, error: Exception | None = None) -> type[FakeYoutubeDL]:
        return type("ConfiguredFakeYoutubeDL", (cls,), {"info": info, "error": error, "calls": []})

    info: dict[str, Any] | None = None
    error: Exception | None = None

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __enter__(self) -> FakeYoutubeDL:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def extract_info(self, url: str, download: bool = True) -> dict[str, Any] | None:
        type(self).calls.append({"url": url, "download": download, "options": self.options})
        if self.error is not None:
            raise self.error
        return self.info


#: Real YouTube responses recorded by youtube-transcript-api's authors, shipped in its package.
RECORDED = files("youtube_transcript_api.test") / "assets"
ENDPOINTS = {
    "watch": "https://www.youtube.com/watch",
    "player": "https://www.youtube.com/youtubei/v1/player",
    "timedtext": "https://www.youtube.com/api/timedtext",
}
Answer = str | tuple[int, str] | Callable[[], tuple[int, str]]


def recorded(name: str) -> str:
    """The text of one recorded response, e.g. ``youtube_request_blocked.innertube.json.static``."""
    return (RECORDED / name).read_text(encoding="utf-8")


def recorded_youtube(
    watch: Answer = "youtube.html.static",
    player: Answer = "youtube.innertube.json.static",
    timedtext: Answer = "transcript.xml.static",
) -> FakeYouTube:
    """YouTube answering the watch page, the innertube player call and the transcript with real
    recorded responses: an asset's name, or ``(status, body)``, or a callable giving one."""
    youtube = FakeYouTube()
    for endpoint, answer in (("watch", watch), ("player", player), ("timedtext", timedtext)):
        youtube.overrides[ENDPOINTS[endpoint]] = (
            (200, recorded(answer)) if isinstance(answer, str) else answer
        )
    return youtube
