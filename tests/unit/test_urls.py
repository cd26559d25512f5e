"""The YouTube URL parser against the URLs people actually paste, good and bad."""

from __future__ import annotations

import pytest

from yt_study_buddy.urls import (
    InvalidYouTubeURL,
    extract_video_id,
    is_valid_video_id,
    timestamp_url,
    watch_url,
)

ID = "dQw4w9WgXcQ"

ACCEPTED = [
    # watch pages, with the extra parameters YouTube and share buttons add
    f"https://www.youtube.com/watch?v={ID}",
    f"https://youtube.com/watch?v={ID}",
    f"http://www.youtube.com/watch?v={ID}",
    f"https://www.youtube.com/watch?v={ID}&t=42s",
    f"https://www.youtube.com/watch?v={ID}&list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI&index=3",
    f"https://www.youtube.com/watch?v={ID}&si=Ab3dEfGhIjKlMnOp",
    f"https://www.youtube.com/watch?v={ID}&feature=youtu.be",
    f"https://www.youtube.com/watch?feature=share&v={ID}",
    f"https://www.youtube.com/watch?app=desktop&v={ID}&ab_channel=RickAstley",
    f"https://www.youtube.com/watch?v={ID}#t=30",
    f"https://m.youtube.com/watch?v={ID}&pp=ygUJcmljayByb2xs",
    f"https://music.youtube.com/watch?v={ID}&list=RDAMVM{ID}",
    # short links
    f"https://youtu.be/{ID}",
    f"https://youtu.be/{ID}?si=Ab3dEfGhIjKlMnOp",
    f"https://youtu.be/{ID}?t=43",
    f"https://youtu.be/{ID}/",
    f"https://www.youtu.be/{ID}",
    # path forms
    f"https://www.youtube.com/shorts/{ID}",
    f"https://youtube.com/shorts/{ID}?feature=share",
    f"https://www.youtube.com/embed/{ID}",
    f"https://www.youtube.com/embed/{ID}?start=10&autoplay=1",
    f"https://www.youtube-nocookie.com/embed/{ID}?rel=0",
    f"https://youtube-nocookie.com/embed/{ID}",
    f"https://www.youtube.com/live/{ID}",
    f"https://www.youtube.com/live/{ID}?si=Ab3dEfGhIjKlMnOp",
    f"https://www.youtube.com/v/{ID}?version=3",
    f"https://www.youtube.com/e/{ID}",
    # what people paste: no scheme, upper case, surrounding spaces, a trailing dot on the host
    f"youtube.com/watch?v={ID}",
    f"www.youtube.com/watch?v={ID}",
    f"youtu.be/{ID}",
    f"HTTPS://WWW.YOUTUBE.COM/watch?v={ID}",
    f"  https://youtu.be/{ID}\n",
    f"https://www.youtube.com./watch?v={ID}",
    f"https://www.youtube.com:443/watch?v={ID}",
    f"http://www.youtube.com:80/watch?v={ID}",
    f"https://youtu.be:443/{ID}",
    # the bare ID
    ID,
]


@pytest.mark.parametrize("url", ACCEPTED)
def test_given_a_real_youtube_url_when_parsed_then_the_video_id_is_returned(url: str) -> None:
    assert extract_video_id(url) == ID


@pytest.mark.parametrize("video_id", ["_-_-_-_-_-_", "a1B2c3D4e5F", "-abcdefghij", "ABCDEFGHIJ_"])
def test_given_ids_with_every_allowed_character_when_parsed_then_kept_exactly(video_id: str) -> None:
    assert extract_video_id(f"https://youtu.be/{video_id}") == video_id
    assert extract_video_id(f"https://www.youtube.com/watch?v={video_id}") == video_id
    assert extract_video_id(video_id) == video_id


REJECTED = [
    # look-alike and foreign hosts
    f"https://youtube.com.evil.example/watch?v={ID}",
    f"https://notyoutube.com/watch?v={ID}",
    f"https://evil.example/youtube.com/watch?v={ID}",
    f"https://youtube.com@evil.example/watch?v={ID}",
    f"https://www.youtube.co/watch?v={ID}",
    f"https://youtu.be.evil.example/{ID}",
    f"https://vimeo.com/{ID}",
    # credentials or odd ports on a YouTube host
    f"https://user:pass@www.youtube.com/watch?v={ID}",
    f"https://www.youtube.com:8080/watch?v={ID}",
    # schemes other than http(s)
    f"javascript:alert(1)//www.youtube.com/watch?v={ID}",
    f"javascript://www.youtube.com/watch?v={ID}",
    f"ftp://www.youtube.com/watch?v={ID}",
    f"file:///home/user/www.youtube.com/watch?v={ID}",
    f"data:text/html,https://www.youtube.com/watch?v={ID}",
    # IDs of the wrong length or alphabet
    "https://www.youtube.com/watch?v=dQw4w9WgXc",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQQ",
    "https://youtu.be/dQw4w9WgXc!",
    "https://www.youtube.com/watch?v=dQw4w9WgXc%21",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ%0A",  # a newline smuggled into the ID
    "https://www.youtube.com/watch?v=dQw4w9WgXc\u0435",  # a Cyrillic look-alike letter
    "https://www.youtube.com/watch?v=<script>xx",
    "dQw4w9WgXc",
    "dQw4w9WgXcQQ",
    "dQw4w9 WgXcQ",
    # YouTube pages that are not one video
    "https://www.youtube.com/",
    "https://www.youtube.com/watch",
    "https://www.youtube.com/watch?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
    "https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
    "https://www.youtube.com/embed/videoseries?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
    "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw",
    "https://www.youtube.com/@RickAstleyYT",
    "https://youtu.be/",
    # a path prefix with no ID after it (an IndexError, a 500, if the parser read past the path)
    "https://www.youtube.com/embed",
    "https://www.youtube.com/embed/",
    "https://www.youtube.com/shorts",
    "https://www.youtube.com/e",
    # nothing at all
    "",
    "   ",
    "not a url",
]


@pytest.mark.parametrize("url", REJECTED)
def test_given_a_bad_or_foreign_url_when_parsed_then_it_is_rejected_with_a_message(url: str) -> None:
    with pytest.raises(InvalidYouTubeURL) as caught:
        extract_video_id(url)
    assert str(caught.value)  # a user-facing reason, never empty


def test_given_a_non_string_when_parsed_then_rejected() -> None:
    with pytest.raises(InvalidYouTubeURL):
        extract_video_id(None)  # type: ignore[arg-type]


def test_given_a_huge_input_when_parsed_then_rejected_without_work() -> None:
    with pytest.raises(InvalidYouTubeURL):
        extract_video_id(f"https://www.youtube.com/watch?v={ID}&x=" + "a" * 5000)


@pytest.mark.parametrize(
    ("value", "valid"),
    [(ID, True), ("dQw4w9WgXcQ\n", False), ("dQw4w9WgXc", False), ("dQw4w9WgXc/", False), (None, False)],
)
def test_given_candidate_ids_when_validated_then_only_exact_11_char_ids_pass(
    value: object, valid: bool
) -> None:
    assert is_valid_video_id(value) is valid  # type: ignore[arg-type]


def test_given_an_id_when_formatting_links_then_canonical_and_timestamped_urls_round_trip() -> None:
    assert watch_url(ID) == f"https://www.youtube.com/watch?v={ID}"
    assert timestamp_url(ID, 754.9) == f"https://youtu.be/{ID}?t=754"
    assert timestamp_url(ID, -3) == f"https://youtu.be/{ID}?t=0"
    assert extract_video_id(watch_url(ID)) == ID
    assert extract_video_id(timestamp_url(ID, 12)) == ID
