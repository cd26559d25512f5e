"""GET /videos/{id} and GET /notes/{id}: the owner sees it, anyone else gets the same 404."""

from __future__ import annotations

import pytest
from get_note.handler import lambda_handler as get_note
from get_video.handler import lambda_handler as get_video
from shared import notes
from shared.ids import note_id_for
from submit_video.handler import lambda_handler as submit


@pytest.fixture
def video_id(api_event, invoke) -> str:
    status, body = invoke(submit, api_event("POST", "/videos", body={"url": "https://youtu.be/dQw4w9WgXcQ"}))
    assert status == 201
    return body["video_id"]


def test_given_own_video_when_getting_then_public_fields_only(api_event, invoke, video_id, aws_calls):
    status, body = invoke(
        get_video, api_event("GET", "/videos/{video_id}", path_params={"video_id": video_id})
    )
    assert status == 200
    assert body["video_id"] == video_id and body["status"] == "queued" and body["progress"] == 0
    assert body["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert "user_id" not in body and "attempts" not in body
    assert dict(aws_calls) == {"dynamodb.GetItem": 1}


def test_given_someone_elses_video_when_getting_then_same_404_as_unknown(api_event, invoke, video_id):
    foreign = invoke(
        get_video, api_event("GET", "/videos/{video_id}", user="intruder", path_params={"video_id": video_id})
    )
    unknown = invoke(
        get_video,
        api_event(
            "GET", "/videos/{video_id}", user="intruder", path_params={"video_id": "video_1_000000000000"}
        ),
    )
    assert foreign == unknown
    assert foreign[0] == 404


@pytest.mark.parametrize("bad_id", ["../etc/passwd", "video_1_000000000000\n", "video_" + "9" * 3000])
def test_given_impossible_id_then_404_without_reading(api_event, invoke, aws_calls, bad_id):
    for handler, route, name in (
        (get_video, "/videos/{video_id}", "video_id"),
        (get_note, "/notes/{note_id}", "note_id"),
    ):
        aws_calls.clear()
        status, body = invoke(handler, api_event("GET", route, path_params={name: bad_id}))
        assert status == 404 and body["error"].endswith("not found")
        assert not any(call.startswith("dynamodb") for call in aws_calls)


def save_note(video_id: str, user_id: str = "user-1") -> str:
    note_id = note_id_for(video_id)
    notes.save(
        note_id=note_id,
        video_id=video_id,
        user_id=user_id,
        youtube_video_id="dQw4w9WgXcQ",
        title="Gradients",
        markdown="# Gradients\n\nSlopes.\n",
        meta={"input_tokens": 10},
    )
    return note_id


def test_given_own_note_when_getting_with_content_then_markdown(api_event, invoke, video_id, aws_calls):
    note_id = save_note(video_id)
    aws_calls.clear()
    event = api_event(
        "GET", "/notes/{note_id}", path_params={"note_id": note_id}, query={"include_content": "true"}
    )
    status, body = invoke(get_note, event)
    assert status == 200
    assert body["content"] == "# Gradients\n\nSlopes.\n"
    assert body["title"] == "Gradients" and body["content_length"] == len(body["content"])
    assert dict(aws_calls) == {"dynamodb.GetItem": 1, "s3.GetObject": 1}


def test_given_own_note_without_content_flag_then_metadata_only(api_event, invoke, video_id):
    note_id = save_note(video_id)
    status, body = invoke(get_note, api_event("GET", "/notes/{note_id}", path_params={"note_id": note_id}))
    assert status == 200 and "content" not in body and body["video_id"] == video_id


def test_given_foreign_note_when_getting_then_404(api_event, invoke, video_id):
    note_id = save_note(video_id)
    event = api_event(
        "GET",
        "/notes/{note_id}",
        user="intruder",
        path_params={"note_id": note_id},
        query={"include_content": "true"},
    )
    status, body = invoke(get_note, event)
    assert status == 404 and "content" not in body


def test_given_bad_include_content_when_getting_note_then_400(api_event, invoke, video_id):
    note_id = save_note(video_id)
    event = api_event(
        "GET", "/notes/{note_id}", path_params={"note_id": note_id}, query={"include_content": "maybe"}
    )
    assert invoke(get_note, event)[0] == 400


HOSTILE_NOTE = """\
---
title: "<script>alert('front matter')</script>"
---

# <img src=x onerror=alert(1)>

A [caption](javascript:alert(1)) at [0:48](https://youtu.be/dQw4w9WgXcQ?t=48).

## Assessment

1. Why?
   - **Model answer:** Because.
"""


def save_hostile_note(video_id: str) -> str:
    note_id = note_id_for(video_id)
    notes.save(
        note_id=note_id,
        video_id=video_id,
        user_id="user-1",
        youtube_video_id="dQw4w9WgXcQ",
        title="<b>t</b>",
        markdown=HOSTILE_NOTE,
        meta={},
    )
    return note_id


def note_event(api_event, note_id: str, user: str = "user-1", **query: str) -> dict:
    return api_event("GET", "/notes/{note_id}", user=user, path_params={"note_id": note_id}, query=query)


def test_given_format_html_when_getting_own_note_then_sanitised_html_and_no_markdown(
    api_event, invoke, video_id, aws_calls
):
    # Given a note whose captions carry HTML and a javascript: link
    note_id = save_hostile_note(video_id)
    aws_calls.clear()
    # When the owner asks for it as HTML
    status, body = invoke(get_note, note_event(api_event, note_id, format="html"))
    # Then the HTML is rendered and inert, the markdown is not sent, and one read of each store was made
    assert status == 200 and "content" not in body and body["note_id"] == note_id
    html = body["html"]
    assert '<a href="https://youtu.be/dQw4w9WgXcQ?t=48" rel="noopener noreferrer">0:48</a>' in html
    assert '<details class="answer"><summary>Show answer</summary>Because.</details>' in html
    assert "<img" not in html and "<script" not in html and 'href="javascript' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the heading's markup is shown as text
    assert "front matter" not in html
    assert dict(aws_calls) == {"dynamodb.GetItem": 1, "s3.GetObject": 1}


def test_given_format_html_and_include_content_then_both_and_json_is_todays_answer(
    api_event, invoke, video_id
):
    note_id = save_hostile_note(video_id)
    status, both = invoke(get_note, note_event(api_event, note_id, format="html", include_content="true"))
    assert status == 200 and both["content"] == HOSTILE_NOTE and both["html"].startswith("<h1")
    plain = invoke(get_note, note_event(api_event, note_id, format="json", include_content="true"))
    assert plain == invoke(get_note, note_event(api_event, note_id, include_content="true"))
    assert plain[0] == 200 and "html" not in plain[1]


@pytest.mark.parametrize("fmt", ["bogus", "HTML", "markdown", "html "])
def test_given_an_unknown_format_then_400_naming_it_without_a_read(
    api_event, invoke, video_id, aws_calls, fmt
):
    note_id = save_hostile_note(video_id)
    aws_calls.clear()
    status, body = invoke(get_note, note_event(api_event, note_id, format=fmt))
    assert (status, body) == (400, {"error": "Invalid format", "details": {"format": "must be json or html"}})
    assert not aws_calls


def test_given_someone_elses_note_when_asking_for_html_then_the_same_404_as_unknown(
    api_event, invoke, video_id
):
    note_id = save_hostile_note(video_id)
    foreign = invoke(get_note, note_event(api_event, note_id, user="intruder", format="html"))
    unknown = invoke(get_note, note_event(api_event, note_id_for("video_1_000000000000"), format="html"))
    assert foreign == unknown
    assert foreign[0] == 404 and "html" not in foreign[1]
