"""What a student meets when things go wrong, and what a hostile caption file cannot do to the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.browser.conftest import BrowserLog
from tests.e2e.browser.student import open_note_when_ready, screenshot, sign_up, submit_video

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Captions as an attacker would upload them: markup, double-encoded markup, script links, remote images.
HOSTILE_CUES = [
    '<img src=x onerror="alert(1)"> Photosynthesis is the process that plants use to turn light into food.',
    "[click here](javascript:alert(2)) Chlorophyll is the green pigment that absorbs the light.",
    "&lt;script&gt;alert(3)&lt;/script&gt; The light reactions happen in the thylakoid membranes.",
    "&amp;lt;img src=x onerror=alert(4)&amp;gt; The Calvin cycle is where carbon dioxide becomes sugar.",
    "![tracker](https://evil.example/pixel.png) Photosynthesis releases oxygen as a by-product.",
    '<a href="javascript:alert(5)">free credits</a> Chlorophyll sits inside the chloroplasts.',
    "<svg onload=alert(6)></svg> The Calvin cycle is also known as the light-independent reactions.",
    "[x](data:text/html,<script>alert(7)</script>) Plants need water, light and carbon dioxide.",
]


def clock(seconds: int) -> str:
    return f"00:{seconds // 60:02d}:{seconds % 60:02d}.000"


def hostile_captions(folder: Path) -> Path:
    lines = ["WEBVTT", ""]
    for index, cue in enumerate(HOSTILE_CUES * 3):
        lines += [f"{clock(index * 5)} --> {clock(index * 5 + 5)}", cue, ""]
    path = folder / "hostile.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_given_hostile_captions_when_studying_the_note_then_nothing_runs_and_no_live_markup(
    page: Page, tmp_path: Path
):
    sign_up(page)
    submit_video(page, "https://youtu.be/AAAAAAAAAAA", captions=hostile_captions(tmp_path))
    open_note_when_ready(page)
    note = page.locator("article.note-body")
    expect(note).to_contain_text("Photosynthesis")
    screenshot(page, "note-hostile")
    # Then: no element the captions could have smuggled in, no script link, no remote image
    assert note.locator("img, script, svg, iframe, object, embed, style, form, input").count() == 0
    hrefs = note.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(re.match(r"^(https?://|#)", href or "") for href in hrefs), hrefs
    attributes = note.locator("*").evaluate_all(
        "els => els.flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert attributes == []
    # And nothing ran: the page fixture fails the test on any dialog (alert) or script error
    page.wait_for_timeout(500)


def test_given_no_credits_left_when_submitting_then_it_says_so_with_the_balance_and_a_way_to_buy(page: Page):
    sign_up(page)
    for video in ("Xq3b7LmR9tA", "pV2nW8cKd4E", "hT6sJ1yFz0Q"):
        submit_video(page, f"https://youtu.be/{video}")
        expect(page).to_have_url(re.compile(r"#/videos/video_"))
    page.goto("/#/library")
    expect(page.locator(".status")).to_have_text(["Ready"] * 3, timeout=60_000)
    screenshot(page, "library")
    submit_video(page, "https://youtu.be/Xq3b7LmR9tA")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This needs 1 credit and you have 0 credits.")
    expect(alert.get_by_role("link", name="Buy credits")).to_be_visible()
    screenshot(page, "library-no-credits")
    alert.get_by_role("link", name="Buy credits").click()
    expect(page.get_by_role("heading", level=1, name="Credits")).to_be_visible()


def test_given_an_invalid_link_when_submitting_then_the_reason_is_announced(page: Page):
    sign_up(page)
    submit_video(page, "https://vimeo.com/12345")
    expect(page.get_by_role("alert")).to_contain_text("Invalid YouTube URL")
    expect(page.locator("#nav-credits")).to_have_text("3")


def test_given_the_network_is_down_when_loading_the_library_then_it_says_so_and_try_again_works(
    page: Page, browser_log: BrowserLog
):
    sign_up(page)
    browser_log.allow("Failed to load resource: net::ERR_INTERNET_DISCONNECTED")

    def offline(route: Route) -> None:
        route.abort("internetdisconnected")

    page.route("**/v1/**", offline)
    page.reload()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("offline")
    screenshot(page, "library-offline")
    page.unroute("**/v1/**", offline)
    alert.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("No videos yet.")).to_be_visible()


def test_given_the_service_is_unavailable_when_loading_then_try_again_later(page: Page):
    sign_up(page)
    page.route(
        "**/v1/videos?**",
        lambda route: route.fulfill(status=503, json={"error": "Service unavailable", "details": {}}),
    )
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("briefly unavailable")


def test_given_the_session_was_revoked_when_calling_the_api_then_sign_in_again(page: Page):
    sign_up(page)
    # Every token is refused (as after a password change elsewhere): refreshing cannot help.
    page.route(
        "**/v1/**", lambda route: route.fulfill(status=401, json={"error": "Unauthorized", "details": {}})
    )
    page.reload()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your session has ended. Please sign in again.")
    alert.get_by_role("link", name="Sign in again").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    page.goto("/#/credits")  # the session is gone: private screens send the student to sign in
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_given_an_offline_video_when_it_fails_then_the_error_shows_and_retry_queues_it_again(page: Page):
    sign_up(page)
    # A video with no bundled captions: this machine cannot reach YouTube, so it fails and is refunded.
    submit_video(page, "https://youtu.be/BBBBBBBBBBB")
    expect(page.locator(".status")).to_have_text("Failed", timeout=90_000)
    expect(page.get_by_role("alert")).to_contain_text("refunded")
    expect(page.locator("#nav-credits")).to_have_text("3")
    screenshot(page, "video-failed")
    # When: the student retries
    page.get_by_role("button", name="Retry (1 credit)").click()
    # Then: it is queued again for one credit, and (still offline) fails and is refunded again
    expect(page.locator(".status")).to_have_text(re.compile("Queued|Processing"))
    expect(page.locator(".status")).to_have_text("Failed", timeout=90_000)
    page.goto("/#/credits")
    ledger = page.locator("table.ledger tbody")
    expect(ledger.locator("tr")).to_have_count(5)  # grant, spend, refund, spend, refund
    expect(page.locator(".balance")).to_have_text("You have 3 credits.")
