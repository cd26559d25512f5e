"""A note too large for Lambda's 6 MB answer: the API names a presigned S3 URL (``content_url``) instead
of the markdown, and the page's Download .md follows it (a navigation, which the CSP's connect-src does
not govern). The API's answer and S3 are stood in for by routes: the stack has no 7 MB note."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

from tests.e2e.browser.student import open_note_when_ready, sign_up, submit_video

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

S3_URL = "https://ytsb-notes.s3.amazonaws.com/user/video/note.md?X-Amz-Expires=300&X-Amz-Signature=abc"


def test_given_a_note_answered_by_content_url_when_downloading_then_the_s3_file(page: Page):
    # Given: a note, whose markdown the API answers by URL (as it does over 5 MB)
    sign_up(page)
    submit_video(page, "https://www.youtube.com/watch?v=pV2nW8cKd4E")
    open_note_when_ready(page)

    def by_url(route: Route) -> None:
        answer = route.fetch()
        body = {k: v for k, v in answer.json().items() if k != "content"}
        route.fulfill(response=answer, json={**body, "content_url": S3_URL, "content_url_expires_in": 300})

    def s3(route: Route) -> None:
        disposition = 'attachment; filename="note_big.md"'
        route.fulfill(status=200, headers={"Content-Disposition": disposition}, body="# Big\n\nNotes.\n")

    page.route(re.compile(r".*/notes/[^/?]+\?include_content=true$"), by_url)
    page.route(re.compile(r"^https://ytsb-notes\.s3\.amazonaws\.com/.*"), s3)
    # When: the student downloads it
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download .md").click()
    # Then: the file S3 served, and the page is still the note
    download = download_info.value
    assert download.suggested_filename == "note_big.md"
    assert Path(download.path()).read_text(encoding="utf-8") == "# Big\n\nNotes.\n"
    assert page.locator("article.note-body").is_visible()
